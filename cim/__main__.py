"""`python -m cim` is the `cim` command."""

from cim.cli import main

main()
