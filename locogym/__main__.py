"""``python -m locogym``: the same as the ``locogym`` command (for environments where scripts are not on PATH)."""

from locogym.cli.app import main

main()
