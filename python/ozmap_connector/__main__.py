from ozmap_connector.cli import main

main()
