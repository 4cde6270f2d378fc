"""Where articles go, as the user asked: stdout, a folder of files, or one stream file per batch.

``scraper clean``, ``scraper fetch`` and ``scraper crawl`` all write through an
:class:`ArticleSink`, so a format behaves the same whichever command produced the article::

    with ArticleSink("md", Path("out")) as sink:
        sink.write(article, stem="example.com/story", source="saved/story.html")

A stream format (``jsonl``) in a folder collects the batch in an anonymous temporary file
that is merged into the old file only when the ``with`` block ends cleanly, by record id
(:mod:`scraper.io.records`: a record re-written replaces its old one in place, the others stay;
an aborted run leaves the previous file whole); with ``append=True`` (a crawl, whose file grows
run after run) each article is one fsynced append instead, and :meth:`ArticleSink.compact`
folds the records a run replaced. A batch format (``parquet``) turns the collected batch into
one new file when the block ends. Every other file is written atomically
(:mod:`scraper.io.atomic`), the files of one article together (both or neither change).
Temporary files a killed run left in the output folder are removed when the next run opens it.

Names come from :mod:`scraper.io.naming`: a saved page's path, a fetched article's canonical
URL. When two articles of one batch share a name (an AMP copy and its canonical page, fetched
in any order), the one fetched at its canonical URL wins: :meth:`ArticleSink.holder` says
whether a name is taken by such an article, so the copy is not written over it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from scraper.article import Article
from scraper.errors import ConfigError
from scraper.io.atomic import append_line, atomic_write_files, repair_tail, sweep_stale_temps
from scraper.io.formats import OutputFormat, Written, get_format, utc_now
from scraper.io.naming import input_key
from scraper.io.naming import url_stem as url_stem  # re-exported: where callers have found it
from scraper.io.records import merge_records
from scraper.io.sources import readable_name


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
        if self.format.needs is not None:
            self.format.needs()  # ConfigError naming the missing extra, before any page is read
        if self.format.encode_batch is not None and out is None:
            raise ConfigError(f"--format {self.format.name} writes files: give -o/--out DIR")
        if self.format.encode_batch is not None and append:
            raise ConfigError(f"--format {self.format.name} writes a file per batch; it is not appended to")
        self.out = out
        self.append = append
        self.echo = echo
        self.added = utc_now()  # one batch, one time: the records' ``added``
        self._batch: IO[bytes] | None = None  # the batch's records, until the block ends
        self._handle: IO[bytes] | None = None
        self._append_lock = threading.Lock()  # crawl writes come from several threads
        self._swept = False
        self._broken: OSError | None = None  # a failed write to the batch's stream file
        self._held: dict[str, str] = {}  # names taken in this batch by articles at their canonical URL
        self._saved_as: Path | None = None  # a batch format's file, once saved

    @property
    def stream_path(self) -> Path | None:
        """The batch's one file, for a stream or batch format written to a folder."""
        if self.out is None or self.format.stream_name is None:
            return None
        if self._saved_as is not None:
            return self._saved_as
        stamp = self.added.replace("-", "").replace(":", "")
        return self.out / self.format.stream_name.format(batch=stamp)

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

    def holder(self, key: str) -> str | None:
        """The source of the article fetched at its canonical URL that took ``key`` in this
        batch, if one did: a copy with the same name is not written over it."""
        return self._held.get(key)

    def __enter__(self) -> ArticleSink:
        self.sweep()
        stream = self.stream_path
        if stream is not None and not self.append:
            stream.parent.mkdir(parents=True, exist_ok=True)
            # Anonymous: nothing is left behind however the run ends.
            self._batch = self._handle = tempfile.TemporaryFile(dir=stream.parent)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        batch, self._batch, self._handle = self._batch, None, None
        if batch is None:
            return
        with batch:
            broken, self._broken = self._broken, None
            if kind is not None:
                return  # the old file stays as it was
            if broken is not None:
                # A write failed part-way: the batch may hold a torn line, so it must not be saved.
                why = broken.strerror or str(broken)
                raise OSError(broken.errno, f"an earlier write failed ({why}); not saved")
            batch.flush()
            self._save(batch)

    def _save(self, batch: IO[bytes]) -> None:
        """Merge the batch into the stream file by id, or write a batch format's new file."""
        stream = self.stream_path
        assert stream is not None
        if self.format.encode_batch is None:
            merge_records(stream, batch)
            return
        batch.seek(0)
        records = [json.loads(line) for line in batch if line.strip()]
        if not records:
            return
        data = self.format.encode_batch(records)
        target, n = stream, 1
        while target.exists():
            n += 1
            target = stream.with_name(f"{stream.stem}-{n}{stream.suffix}")
        atomic_write_files([(target, data)])
        self._saved_as = target

    def compact(self) -> bool:
        """Fold the records an appending run replaced (an updated article, a canonical page that
        took its copy's place) into one per id, in place (:mod:`scraper.io.records`); True if the
        stream file was rewritten."""
        stream = self.stream_path
        if stream is None or not stream.is_file():
            return False
        with self._append_lock:
            return merge_records(stream)

    def write(
        self,
        article: Article,
        *,
        stem: str,
        source: str,
        relpath: str | None = None,
        key: str | None = None,
        canonical: bool = False,
    ) -> list[Path]:
        """Write one article; return the files it went to.

        ``key`` is its record's id in a stream file (default: :func:`input_key` of its path);
        ``canonical`` marks an article fetched at its canonical URL, whose name a copy does not
        take in this batch (see :meth:`holder`).

        Everything is serialised before the first byte is written, so an article that cannot be
        (a lone surrogate: ``UnicodeError``) fails without leaving one file of a pair new and one
        old; the files are then written together (:func:`atomic_write_files`), so a disk error
        (``OSError``) leaves the old pair too. A source or path from a file name that is not UTF-8
        is recorded escaped (:func:`readable_name`) rather than lost.
        """
        where = readable_name(relpath or stem)
        key = readable_name(key) if key is not None else input_key(where, readable_name(stem))
        origin = Written(source=readable_name(source), relpath=where, added=self.added, key=key)
        if canonical:
            self._held.setdefault(key, origin.source)
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
