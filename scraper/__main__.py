"""``python -m scraper``: the same command line as the ``scraper`` script."""

from .cli import main

main()
