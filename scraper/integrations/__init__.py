"""Adapters that run the cleaner inside other engines; each needs its optional extra.

- :mod:`scraper.integrations.datatrove`: datatrove pipeline steps (a WARC reader, ``CleanArticles``,
  an atomic JSONL writer), ``pip install 'scraper[scale]'``.
- :mod:`scraper.integrations.scale`: the ``scraper warc`` run built from them (executors, resume,
  summary).

Nothing here is imported by ``scraper`` itself, so the core install never needs the extras.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = ("datatrove", "scale")


def __getattr__(name: str) -> ModuleType:
    """``scraper.integrations.datatrove`` as an attribute too, imported on first use (it needs the extra)."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
