"""The ``scraper`` command: thin commands over the library."""

from scraper.cli.main import main

__all__ = ["main"]
