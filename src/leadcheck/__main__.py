"""`python -m leadcheck`: the same as the `leadcheck` command."""

from leadcheck.cli import main

main()
