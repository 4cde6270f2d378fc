"""What is installed: where the shipped data folders (``rules/``, ``samples/``) are, and versions."""

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


def installed_version(dist: str) -> str:
    """The installed version of ``dist``, or ``unknown`` (a checkout that was never installed)."""
    from importlib.metadata import PackageNotFoundError, version  # costs 30 ms: only when asked

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"
