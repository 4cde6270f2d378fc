"""``python -m scraper``: the same command line as the ``scraper`` script."""

from scraper.cli.main import main

main()
