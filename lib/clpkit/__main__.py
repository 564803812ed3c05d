"""``python -m clpkit`` is the ``clpkit`` command."""

from clpkit.cli import main

main()
