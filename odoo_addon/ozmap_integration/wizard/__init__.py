from . import ozmap_change_box, ozmap_connection_data, ozmap_install
