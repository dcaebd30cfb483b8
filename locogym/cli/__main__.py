"""``python -m locogym.cli``: the same as the ``locogym`` command."""

from locogym.cli.app import main

main()
