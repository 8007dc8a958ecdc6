# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Browser flows: the buttons as a person clicks them."""

import json
import unittest

from odoo.tests import HttpCase, new_test_user, tagged

from .common import (
    PREFIX,
    SEARCH_RADIUS_M,
    TOKEN,
    find_viable_point,
    ozmap_connector,
    ozmap_simulator,
)

# A tiny step runner: no dependency on the web_tour module, which the
# addon does not depend on.
STEPS_JS = """
const steps = %(steps)s;
const wait = (sel, text) => new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
        const found = [...document.querySelectorAll(sel)].find(
            (el) => !text || el.textContent.includes(text));
        if (found) { resolve(found); }
        else if (Date.now() - start > 20000) {
            reject(new Error("not found: " + sel + " " + (text || "")));
        } else { setTimeout(tick, 100); }
    };
    tick();
});
(async () => {
    for (const [action, sel, text] of steps) {
        const el = await wait(sel, text);
        if (action === "click") { el.click(); }
    }
    console.log("test successful");
})().catch((e) => console.error("tour failed: " + e.message));
"""


def steps_js(steps):
    return STEPS_JS % {"steps": json.dumps(steps)}


@tagged("post_install", "-at_install")
class TestBrowserFlow(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ozmap_connector is None or ozmap_simulator is None:
            raise unittest.SkipTest("ozmap-connector is not installed")
        web_tour = cls.env["ir.module.module"].search_count(
            [("name", "=", "web_tour"), ("state", "=", "installed")]
        )
        if not web_tour:
            # NOTE: the web client loads its test bundle in test mode, and that
            # bundle needs web_tour; without it every page logs an error.
            raise unittest.SkipTest(
                "web_tour is not installed, so the web client's test assets "
                "cannot load in this Odoo tree"
            )
        cls.simulator = ozmap_simulator.Simulator(
            size="small", seed=1, token=TOKEN, db=":memory:", port=0
        )
        cls.sim = cls.simulator.__enter__()
        cls.addClassCleanup(cls.simulator.__exit__, None, None, None)
        cls.sim_url = cls.sim.base_url
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(PREFIX + "url", cls.sim_url)
        params.set_param(PREFIX + "token", TOKEN)
        params.set_param(PREFIX + "radius_m", SEARCH_RADIUS_M)
        cls.env["ozmap.backend"]._ozmap_clear_cache()
        connector = cls.env["ozmap.backend"]._ozmap_connector()
        point, _boxes = find_viable_point(connector, cls.sim_url)
        cls.manager = new_test_user(
            cls.env,
            login="ozmap_browser_manager",
            password="ozmap_browser_manager",
            groups="base.group_user,ozmap_integration.group_ozmap_manager",
        )
        partner = cls.env["res.partner"].create(
            {
                "name": "Cliente Navegador",
                "partner_latitude": point[0],
                "partner_longitude": point[1],
            }
        )
        cls.service = cls.env["ozmap.service"].create(
            {
                "partner_id": partner.id,
                "client_code": "BROWSER-1",
                "radius_m": SEARCH_RADIUS_M,
            }
        )

    def test_service_flow(self):
        url = f"/odoo/action-ozmap_integration.action_ozmap_service/{self.service.id}"
        steps = [
            ["click", "button[name=action_check_feasibility]", None],
            ["check", ".o_statusbar_status .o_arrow_button_current", "Feasible"],
            ["click", "button[name=action_reserve]", None],
            ["check", ".o_statusbar_status .o_arrow_button_current", "Reserved"],
            ["click", "button[name=action_open_change_box]", None],
            ["check", ".modal svg.o_ozmap_map", None],
            ["click", ".modal button[name=action_confirm]", None],
            ["check", ".o_statusbar_status .o_arrow_button_current", "Reserved"],
            ["click", "button[name=action_connection_data]", None],
            ["check", ".modal .o_field_widget[name=box_name]", None],
            ["click", ".modal .modal-footer button.btn-primary", None],
            ["click", "button[name=action_open_install_wizard]", None],
            ["click", ".modal button[name=action_confirm]", None],
            ["check", ".o_statusbar_status .o_arrow_button_current", "Installed"],
        ]
        self.browser_js(
            url, steps_js(steps), login="ozmap_browser_manager", timeout=120
        )
        self.service.invalidate_recordset()
        self.assertEqual(self.service.state, "installed")

    def test_settings_page_hides_token(self):
        steps = [
            ["check", "div[name=ozmap_token] input[type=password]", None],
            ["check", "button[name=action_ozmap_test_connection]", None],
        ]
        code = steps_js(steps).replace(
            'console.log("test successful")',
            'const i = document.querySelector("div[name=ozmap_token] input");'
            'if (i.value) { console.error("token shown back"); }'
            'else { console.log("test successful"); }',
        )
        self.browser_js(
            "/odoo/action-ozmap_integration.action_ozmap_settings",
            code,
            login="admin",
            timeout=120,
        )
