from kluis.cli import main

main()
