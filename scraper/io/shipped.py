"""Where the shipped data folders (``rules/``, ``samples/``) are, installed or from a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_dir(name: str) -> Path:
    """The shipped folder ``name``: inside the installed package, else at the checkout's root.

    A wheel carries ``rules/`` and ``samples/`` as ``scraper/_data/``; an editable install or a
    plain checkout reads them where they live in the repository.
    """
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
