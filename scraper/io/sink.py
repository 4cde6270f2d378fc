"""Where articles go, as the user asked: stdout, a folder of files, or one stream file per batch.

``scraper clean``, ``scraper fetch`` and ``scraper crawl`` all write through an
:class:`ArticleSink`, so a format behaves the same whichever command produced the article::

    with ArticleSink("md", Path("out")) as sink:
        sink.write(article, stem="example.com/story", source="saved/story.html")

A stream format (``jsonl``) in a folder collects the batch in a temporary file that replaces
the old one only when the ``with`` block ends cleanly (an aborted run leaves the previous file
whole); with ``append=True`` (a crawl, whose file grows run after run) each article is one
fsynced append instead. Every other file is written atomically (:mod:`scraper.io.atomic`), the
files of one article together (both or neither change). Temporary files a killed run left in the
output folder are removed when the next run opens it.
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from scraper.article import Article
from scraper.io.atomic import append_line, atomic_open, atomic_write_files, repair_tail, sweep_stale_temps
from scraper.io.formats import OutputFormat, Written, get_format, utc_now
from scraper.io.sources import readable_name


def url_stem(url: str) -> str:
    """The output name of an article: ``host/slug-hash`` (readable, unique, stable per URL)."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    last = re.sub(r"\.(?:s?html?|php|aspx?|jsp)$", "", segments[-1]) if segments else "index"
    ascii_text = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:80] or "page"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return f"{parts.hostname or 'unknown'}/{slug}-{digest}"


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


class ArticleSink:
    """Articles in one format, to ``out`` (a folder) or, without it, to ``echo`` (stdout)."""

    def __init__(
        self,
        fmt: str | OutputFormat,
        out: Path | None,
        *,
        append: bool = False,
        echo: Callable[[str], None] = _print,
    ) -> None:
        self.format = get_format(fmt) if isinstance(fmt, str) else fmt
        self.out = out
        self.append = append
        self.echo = echo
        self.added = utc_now()  # one batch, one time: the records' ``added``
        self._context: Any = None
        self._handle: IO[bytes] | None = None
        self._append_lock = threading.Lock()  # crawl writes come from several threads
        self._swept = False
        self._broken: OSError | None = None  # a failed write to the batch's stream file

    @property
    def stream_path(self) -> Path | None:
        """The batch's one file, for a stream format written to a folder."""
        if self.out is None or self.format.stream_name is None:
            return None
        return self.out / self.format.stream_name

    def paths(self, stem: str) -> list[Path]:
        """The files one article lands in (the stream file, for a stream format)."""
        if self.out is None:
            return []
        if (stream := self.stream_path) is not None:
            return [stream]
        base = self.out / stem
        return [base.parent / (base.name + suffix) for suffix in self.format.suffixes]

    def repair(self) -> bool:
        """Cut a torn last line a killed append left in the stream file; True if one was cut.

        Stale temporary files of a killed run go too (see :meth:`sweep`).
        """
        self.sweep()
        stream = self.stream_path
        return stream is not None and repair_tail(stream)

    def sweep(self) -> int:
        """Remove the temporary files a killed run left in the output folder (once per sink)."""
        if self._swept or self.out is None or not self.out.is_dir():
            return 0
        self._swept = True
        return sweep_stale_temps(self.out)

    def __enter__(self) -> ArticleSink:
        self.sweep()
        stream = self.stream_path
        if stream is not None and not self.append:
            self._context = atomic_open(stream, "wb")
            self._handle = self._context.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        context, self._context, self._handle = self._context, None, None
        if context is None:
            return
        broken, self._broken = self._broken, None
        if broken is not None and kind is None:
            # A write failed part-way: the file may hold a torn line, so it must not replace the old one.
            why = broken.strerror or str(broken)
            failure = OSError(broken.errno, f"an earlier write failed ({why}); not saved")
            context.__exit__(OSError, failure, None)
            raise failure
        context.__exit__(kind, error, trace)

    def write(self, article: Article, *, stem: str, source: str, relpath: str | None = None) -> list[Path]:
        """Write one article; return the files it went to.

        Everything is serialised before the first byte is written, so an article that cannot be
        (a lone surrogate: ``UnicodeError``) fails without leaving one file of a pair new and one
        old; the files are then written together (:func:`atomic_write_files`), so a disk error
        (``OSError``) leaves the old pair too. A source or path from a file name that is not UTF-8
        is recorded escaped (:func:`readable_name`) rather than lost.
        """
        where = readable_name(relpath or stem)
        origin = Written(source=readable_name(source), relpath=where, added=self.added)
        if self.out is None:
            self.echo(self.format.render(article, origin))
            return []
        if (stream := self.stream_path) is not None:
            line = self.format.render(article, origin).encode("utf-8")
            if self.append:
                with self._append_lock:  # lines must not interleave
                    append_line(stream, line)
            elif self._handle is None:
                raise RuntimeError(f"{self.format.name} output is written inside the sink's with block")
            elif self._broken is not None:
                raise OSError(self._broken.errno, f"{stream} is not saved: an earlier write to it failed")
            else:
                try:
                    self._handle.write(line)
                except OSError as exc:
                    self._broken = exc
                    raise
            return [stream]
        assert self.format.files is not None
        paths = self.paths(stem)
        encoded = [content.encode("utf-8") for content in self.format.files(article, origin)]
        atomic_write_files(list(zip(paths, encoded, strict=True)))
        return paths
