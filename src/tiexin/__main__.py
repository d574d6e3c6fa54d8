"""`python -m tiexin` runs the command line."""

from tiexin.cli import main

main()
