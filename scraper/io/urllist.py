"""URL lists in (``scraper fetch -i urls.txt``): one URL per line, as trafilatura's
``-i/--input-file`` reads them, ``-`` for standard input.

Blank lines and lines starting with ``#`` are skipped. Any other line must be one http(s) URL
(surrounding spaces ignored); a line that is not is kept as a :class:`ListedUrl` with its
``problem``, so the caller can report it by file and line in its place and fetch the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scraper.errors import InputError
from scraper.io.sources import STDIN, STDIN_LABEL
from scraper.web.urls import normalize_url


@dataclass(frozen=True, slots=True)
class ListedUrl:
    """One line of a URL list: ``where`` is ``file:line``; ``problem`` is set when the line is
    not an http(s) URL (then ``url`` is the line as written)."""

    where: str
    url: str
    problem: str | None = None


def parse_url_list(text: str, name: str) -> list[ListedUrl]:
    """The URL lines of ``text`` (a list read from ``name``), in order."""
    listed = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        problem = None if normalize_url(entry) is not None else f"not an http(s) URL: {entry!r}"
        listed.append(ListedUrl(where=f"{name}:{number}", url=entry, problem=problem))
    return listed


def read_url_list(path: str | Path, stdin: BinaryIO | None = None) -> list[ListedUrl]:
    """The URL lines of the file at ``path`` (UTF-8, a BOM allowed), or of ``stdin`` for ``-``.
    Raises :class:`InputError` naming the file when it cannot be read or decoded."""
    from_stdin = str(path) == STDIN
    name = STDIN_LABEL if from_stdin else str(path)
    try:
        data = (stdin.read() if stdin is not None else b"") if from_stdin else Path(path).read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{name}: cannot read the URL list ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} at byte {exc.start}"
        raise InputError(f"{name}: the URL list is not UTF-8 text ({where})") from None
    return parse_url_list(text, name)
