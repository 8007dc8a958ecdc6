# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OzmapSimulatorCase


@tagged("post_install", "-at_install")
class TestChangeBox(OzmapSimulatorCase):
    def open_wizard(self, service, user=None):
        action = service.with_user(user or self.user).action_open_change_box()
        self.assertEqual(action["res_model"], "ozmap.change.box.wizard")
        self.assertEqual(action["target"], "new")
        return self.env["ozmap.change.box.wizard"].browse(action["res_id"])

    def test_wizard_lists_boxes_and_marks_current(self):
        service = self.reserved_service()
        wizard = self.open_wizard(service)
        current = wizard.line_ids.filtered("is_current")
        self.assertEqual(len(current), 1)
        self.assertEqual(current.box_ref, service.box_ref)
        candidates = wizard.line_ids.filtered(lambda c: c.viable and not c.is_current)
        self.assertTrue(candidates)
        self.assertIn(wizard.new_line_id, candidates)
        self.assertTrue(all(line.distance_m >= 0 for line in wizard.line_ids))
        self.assertEqual(wizard.latitude, service.latitude)

    def test_wizard_svg_map(self):
        service = self.reserved_service()
        wizard = self.open_wizard(service)
        svg = str(wizard.map_svg)
        self.assertTrue(svg.startswith("<svg"))
        self.assertIn("<circle", svg)  # customer point and radius
        self.assertEqual(
            svg.count("<rect") - 4,
            len(wizard.line_ids.filtered(lambda c: c.latitude or c.longitude)),
        )  # one square per box, plus 4 in the legend
        self.assertIn("#d97706", svg)  # the current box colour

    def test_svg_escapes_names(self):
        service = self.reserved_service()
        wizard = self.open_wizard(service)
        wizard.line_ids[:1].box_name = "<script>x</script>"
        self.assertNotIn("<script>", str(wizard._ozmap_render_svg()))

    def test_move_reservation(self):
        service = self.reserved_service()
        old_box = service.box_ref
        old_free = self.free_ports(old_box)
        wizard = self.open_wizard(service)
        target = wizard.new_line_id
        target_free = self.free_ports(target.box_ref)
        wizard.action_confirm()
        self.assertEqual(service.state, "reserved")
        self.assertEqual(service.box_ref, target.box_ref)
        self.assertEqual(service.box_name, target.box_name)
        self.assertEqual(self.free_ports(old_box), old_free + 1)
        self.assertEqual(self.free_ports(target.box_ref), target_free - 1)
        self.assertEqual(len(self.lookup_properties(service.client_code)), 1)

    def test_move_to_current_box_refused(self):
        service = self.reserved_service()
        wizard = self.open_wizard(service)
        wizard.new_line_id = wizard.line_ids.filtered("is_current")
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_new_box_full_keeps_reservation(self):
        service = self.reserved_service()
        old_box, old_port = service.box_ref, service.port
        wizard = self.open_wizard(service)
        with (
            self.faulty("change_box", "ConflictError"),
            self.assertRaisesRegex(UserError, "stays on the current box"),
        ):
            wizard.action_confirm()
        self.assertEqual((service.box_ref, service.port), (old_box, old_port))

    def test_change_box_ambiguous(self):
        service = self.reserved_service()
        wizard = self.open_wizard(service)
        target = wizard.new_line_id
        with self.faulty("change_box", "AmbiguousOutcomeError", run_first=True):
            action = wizard.action_confirm()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(service.state, "to_check")
        service.with_user(self.manager).action_reconcile()
        self.assertEqual(service.state, "reserved")
        self.assertEqual(service.box_ref, target.box_ref)

    def test_change_box_only_when_reserved(self):
        service = self.new_service()
        with self.assertRaises(UserError):
            service.action_open_change_box()
