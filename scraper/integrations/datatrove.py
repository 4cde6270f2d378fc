"""The cleaner as datatrove pipeline steps, for anyone's pipeline (``pip install 'scraper[scale]'``).

datatrove (Hugging Face's pipeline library) runs a list of steps over a stream of ``Document`` s, the same
list on one machine, on Slurm or on Ray, and marks each finished task so a restart skips it. Three steps:

- :class:`WarcReader` reads WARC/ARC files with :func:`scraper.io.warc.read_warc`, not datatrove's own
  ``WarcReader``: that one trusts ``WARC-Identified-Payload-Type`` and libmagic, which call much HTML
  ``text/plain`` (it kept 300 of 724 HTML records of a warcio-written file); ours judges by the HTTP
  ``Content-Type`` and sniffs the payload. Task ``rank`` of ``world_size`` reads files
  ``rank, rank + world_size, ...`` of the list, so one task per file when there are as many tasks.
  A document's ``text`` is the decoded HTML (what other extractors expect) and its ``media[0]`` the
  page as archived (raw bytes, HTTP headers), so :class:`CleanArticles` decodes and hashes the page as
  ``scraper clean`` would.
- :class:`CleanArticles` wraps :func:`scraper.clean`: the document's text becomes the article's text
  and its metadata the article's fields (``Article.to_dict()`` without ``text``) beside what the
  reader recorded (``warc_file``, ``warc_record_id``, ``warc_offset``); the id stays (the WARC record
  id). A page that is not an article is dropped and counted by reason; a page that fails is counted
  and logged; neither ends the task. The site memory is off: it learns from many pages of a site,
  which one task's shard of an archive does not hold in any useful order.
- :class:`AtomicJsonlWriter` writes a task's records to ``.partial/<rank>.jsonl.gz`` and renames the
  file to ``<rank>.jsonl.gz`` when the task's last record is written. datatrove marks a task complete
  only after that, so a task killed midway leaves no file a reader would take (a restart writes its
  partial file again from the start), and a finished one is never redone: no record written twice.

Counts land in each step's datatrove stats (``logging_dir/stats/<rank>.json``): ``pages``,
``articles``, ``skipped`` and ``skipped:<reason>``, ``failed`` and ``failed:<error class>``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline, Media, MediaType
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.logging import logger
from fsspec.implementations.local import LocalFileSystem

from scraper.article import Page
from scraper.errors import NoArticleError, ScraperError
from scraper.io.atomic import fsync_dir
from scraper.io.formats import utc_now
from scraper.io.warc import DAMAGED, WarcPage, WarcSkip, read_warc

# Skip reasons of the reader worth a log line (the others are what archives routinely hold).
# The Article fields that say which WARC record a page came from (filled from the reader's metadata).
_TRACE = ("warc_file", "warc_record_id", "warc_offset")
# Where the writer keeps a task's output until the task is done (never globbed by ``*.jsonl.gz``).
PARTIAL_FOLDER = ".partial"


class WarcReader(PipelineStep):
    """Documents from the HTML response records of WARC/ARC files (gzip or not), one per record.

    ``paths`` are local files; task ``rank`` reads ``paths[rank::world_size]``. Every other record is
    counted in the stats as ``skipped:<reason>`` (:mod:`scraper.io.warc` lists the reasons); damaged
    records are logged with their file and offset.
    """

    name = "📦 WARC (scraper)"
    type = "📖 - READER"

    def __init__(self, paths: Sequence[str | Path]) -> None:
        super().__init__()
        self.paths = [str(path) for path in paths]

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for path in self.paths[rank::world_size]:
            for item in read_warc(path):
                with self.track_time():
                    document = self._document(item)
                if document is not None:
                    yield document

    def _document(self, item: WarcPage | WarcSkip) -> Document | None:
        if isinstance(item, WarcSkip):
            return self._skip(item.reason, f"{item.warc_file}@{item.offset}")
        page = item.page
        try:
            html = page.text
        except NoArticleError as exc:  # bytes that decode to no text
            return self._skip(exc.reason, f"{item.warc_file}@{item.offset}")
        self.stat_update("pages")
        raw = Media(
            id=item.record_id,
            type=MediaType.DOCUMENT,
            url=page.url or "",
            media_bytes=page.body,
            metadata={"status": page.status, "headers": dict(page.headers), "fetched_at": page.fetched_at},
        )
        metadata = {
            "url": page.url,
            "warc_file": item.warc_file,
            "warc_record_id": item.record_id,
            "warc_offset": item.offset,
        }
        return Document(text=html, id=item.record_id, media=[raw], metadata=metadata)

    def _skip(self, reason: str, where: str) -> None:
        kind = reason.split(":", 1)[0]  # "unreadable: <why>" counts as unreadable
        self.stat_update("skipped", f"skipped:{kind}")
        if kind in DAMAGED:
            logger.warning(f"{where}: record skipped ({reason})")
        return None


class CleanArticles(PipelineStep):
    """:func:`scraper.clean` over each document: articles go on, the rest is counted.

    ``rules``: extra rule folders layered on the shipped rules (as ``--rules``); ``model=False`` turns
    the learned models off; ``links`` / ``images`` keep them in the article's blocks; ``timeout``
    bounds the seconds spent on one page (it then fails, the task goes on). A document made by
    :class:`WarcReader` is cleaned from its archived bytes and headers; any other from its ``text``
    as HTML, with ``metadata["url"]`` as its URL.
    """

    name = "🧹 scraper.clean"
    type = "✂️ - EXTRACTOR"

    def __init__(
        self,
        rules: Sequence[str | Path] = (),
        *,
        model: bool = True,
        links: bool = False,
        images: bool = False,
        timeout: float | None = 30.0,
        drop_flagged: bool = False,
    ) -> None:
        super().__init__()
        self.rules = [str(folder) for folder in rules]
        self.model = model
        self.links = links
        self.images = images
        self.drop_flagged = drop_flagged
        self.timeout = timeout
        self._book: Any = None  # the rule book, loaded once per process, where the task runs

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from scraper.rules.book import resolve_rules

        if self._book is None:  # a bad rule file ends the task here, before any page
            self._book = resolve_rules(self.rules or None)
        for document in data or ():
            self.stat_update("documents")
            with self.track_time():
                cleaned = self._clean(document)
            if cleaned is not None:
                self.update_doc_stats(cleaned)
                yield cleaned

    def _clean(self, document: Document) -> Document | None:
        from scraper.extract.engine import clean

        page = _archived_page(document)
        html: str | Page = page if page is not None else document.text
        url = document.metadata.get("url")
        try:
            article = clean(
                html,
                url if isinstance(url, str) else None,
                rules=self._book,
                timeout=self.timeout,
                model=self.model,
                links=self.links,
                images=self.images,
                drop_flagged=self.drop_flagged,
            )
        except NoArticleError as exc:
            self.stat_update("skipped", f"skipped:{exc.reason}")
            return None
        except Exception as exc:  # a bug or a timeout on one page must not end a task of thousands
            kind = type(exc).__name__
            self.stat_update("failed", f"failed:{kind}")
            bug = "" if isinstance(exc, ScraperError) else " (a bug: please report it)"
            logger.warning(f"{document.id}: {kind}: {exc}{bug}")
            return None
        self.stat_update("articles")
        trace = {key: document.metadata[key] for key in _TRACE if document.metadata.get(key) is not None}
        if trace:  # the record the page came from, as `scraper clean` records it
            article = replace(article, **trace)
        fields = article.to_dict()
        text = fields.pop("text")
        return Document(text=text, id=document.id, metadata={**document.metadata, **fields})


def _archived_page(document: Document) -> Page | None:
    """The page as :class:`WarcReader` archived it in ``media[0]``, if it did."""
    raw = document.media[0] if document.media else None
    if raw is None or raw.media_bytes is None or "headers" not in raw.metadata:
        return None
    return Page(
        url=raw.url or None,
        body=raw.media_bytes,
        status=raw.metadata.get("status"),
        headers=dict(raw.metadata["headers"]),
        fetched_at=raw.metadata.get("fetched_at"),
    )


class AtomicJsonlWriter(JsonlWriter):
    """``<rank>.jsonl.gz`` in ``output_folder``, in the shape of ``scraper clean --format jsonl``
    (``id``, ``text``, ``source``, ``added``, ``created``, ``metadata``), written under
    ``.partial/`` and renamed into place when the task's stream ends (module doc: why)."""

    name = "🐿 Jsonl (atomic)"

    def __init__(self, output_folder: str | Path) -> None:
        super().__init__(str(output_folder), output_filename=f"{PARTIAL_FOLDER}/${{rank}}.jsonl.gz")
        self.added = ""

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self.added = utc_now()
        # Written even when the task has no article: a finished task always has its file.
        self.output_mg.get_file(self._partial_name(rank))
        yield from super().run(data, rank, world_size)
        partial = self._partial_name(rank)
        local = isinstance(self.output_folder.fs, LocalFileSystem)
        if local:  # on disk before the rename, so a finished task's marker never names an empty file
            with open(self.output_folder.resolve_paths(partial), "rb") as handle:
                os.fsync(handle.fileno())
        self.output_folder.mv(partial, final_name(rank))
        if local:
            fsync_dir(Path(self.output_folder.resolve_paths(final_name(rank))).parent)

    def _partial_name(self, rank: int) -> str:
        return self.output_filename.substitute(rank=f"{rank:05d}")

    def _default_adapter(self, document: Document) -> dict[str, Any]:
        metadata = dict(document.metadata)
        return {
            "id": document.id,
            "text": document.text,
            "source": metadata.get("url") or metadata.get("canonical_url") or metadata.get("warc_file"),
            "added": self.added,
            "created": metadata.get("published"),
            "metadata": metadata,
        }


def final_name(rank: int) -> str:
    """A finished task's output file, relative to the output folder."""
    return f"{rank:05d}.jsonl.gz"
