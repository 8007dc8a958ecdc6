# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "OZmap Integration",
    "summary": "Feasibility, port reservation, box change, deployment and "
    "cancellation of FTTH clients in OZmap",
    "version": "19.0.1.0.0",
    "category": "Services",
    "author": "ozmap-connector contributors",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "installable": True,
    "depends": ["base", "web"],
    # NOTE: Odoo 19 looks this name up as a distribution first
    # (importlib.metadata) and falls back to importing it as a module.
    "external_dependencies": {"python": ["ozmap-connector"]},
    "data": [
        "security/ozmap_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/ozmap_service_views.xml",
        "views/ozmap_log_views.xml",
        "wizard/ozmap_change_box_views.xml",
        "wizard/ozmap_install_views.xml",
        "wizard/ozmap_connection_data_views.xml",
        "views/res_config_settings_views.xml",
        "views/ozmap_menus.xml",
    ],
}
