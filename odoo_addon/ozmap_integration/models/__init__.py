from . import (
    ozmap_backend,
    ozmap_feasibility_line,
    ozmap_log,
    ozmap_service,
    res_config_settings,
)
