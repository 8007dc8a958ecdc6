from . import (
    test_browser,
    test_change_box,
    test_errors_and_log,
    test_install_cancel,
    test_service,
    test_settings,
)
