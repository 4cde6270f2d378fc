"""A web archive given to ``scraper clean`` as pages to clean: one source per record.

Listing reads the file once (:func:`scraper.io.warc.read_warc`, which decodes each payload to
judge it: HTML or not, whole or truncated) and keeps only where each record is; a worker reads and
decodes its own record again at that offset, so no payload crosses between processes and a
million-record file is not held in memory (reading costs about 1-1.5 ms a record, against 40-70 ms
to clean a page: ``benchmarks/warc_reader.py``). An HTML response is a :class:`WarcRecordSource`,
named ``<archive stem>/<url stem>`` (the target URL as ``scraper fetch`` names a page, under the
archive as a zip's pages are): stable across runs, and unique within the archive (a URL archived
twice gets a ``-2`` suffix). Its article carries
``warc_file``, ``warc_record_id`` and ``warc_offset`` (:meth:`WarcRecordSource.trace`), so any
output line leads back to its record.

Records that are not pages to clean are items of the batch too, so the run reports them by file
and offset and goes on: a revisit, a non-HTML payload or a non-2xx answer is *skipped*
(``NoArticleError`` with that reason); a truncated record, a broken gzip member or an unreadable
one *fails* (``InputError``): the archive is damaged there. Request, metadata and warcinfo
records are no pages and are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from scraper.article import Article, Page
from scraper.errors import InputError, NoArticleError
from scraper.io.naming import url_stem
from scraper.io.sources import PageSource, readable_name
from scraper.io.warc import DAMAGED, WARC_SUFFIXES, WarcPage, WarcSkip, read_record, read_warc

# Reasons that mean the archive is damaged at that record: the record fails, not skips.
# Records that fail the batch (the others are skipped): damaged bytes, or a payload over the cap.
FAILING = DAMAGED | {"too-large"}
# Records that are no pages at all: not listed as items.
UNLISTED = ("not-a-response",)


@dataclass(frozen=True, slots=True)
class WarcRecordSource:
    """One HTML response record of a web archive, read at its offset when it is cleaned."""

    label: str
    relpath: str
    stem: str
    warc_file: str
    offset: int
    record_id: str
    site: str | None = None

    def read_page(self) -> Page:
        found = read_record(self.warc_file, self.offset)
        if isinstance(found, WarcSkip):  # the file changed since it was listed
            raise skip_error(found)
        return found.page

    def trace(self, article: Article) -> Article:
        """The article with the record it came from (``warc_*`` fields)."""
        return replace(
            article, warc_file=self.warc_file, warc_record_id=self.record_id, warc_offset=self.offset
        )


@dataclass(frozen=True, slots=True)
class WarcSkippedRecord:
    """A record that is not cleaned: reading it raises why, so the batch reports it in order."""

    label: str
    relpath: str
    stem: str
    skip: WarcSkip
    site: str | None = None

    def read_page(self) -> Page:
        raise skip_error(self.skip)


def skip_error(skip: WarcSkip) -> InputError | NoArticleError:
    """The batch error for a record not cleaned: damage fails it, anything else skips it."""
    where = f"record at offset {skip.offset} of {skip.warc_file}"
    if skip.kind in FAILING:
        return InputError(f"{where}: {skip.reason}; the archive is damaged there")
    return NoArticleError(f"{where} is not a page to clean", reason=skip.reason)


def archive_stem(name: str) -> str:
    """``crawl-001.warc.gz`` → ``crawl-001``."""
    lowered = name.lower()
    suffix = next((s for s in WARC_SUFFIXES if lowered.endswith(s)), "")
    return name[: len(name) - len(suffix)] or name


def warc_sources(path: Path, label: str) -> list[PageSource]:
    """The records of a web archive as pages to clean (HTML responses) and reported skips."""
    base = PurePosixPath(readable_name(archive_stem(path.name)))
    label = readable_name(label)
    sources: list[PageSource] = []
    for found in read_warc(path):
        where = f"{label}@{found.offset}"
        if isinstance(found, WarcPage):
            stem = str(base / url_stem(found.page.url or f"record:{found.record_id}"))
            sources.append(
                WarcRecordSource(
                    label=where,
                    relpath=f"{stem}.html",
                    stem=stem,
                    warc_file=str(path),
                    offset=found.offset,
                    record_id=found.record_id,
                )
            )
        elif found.reason not in UNLISTED:
            stem = f"{base}/@{found.offset}"
            sources.append(WarcSkippedRecord(label=where, relpath=stem, stem=stem, skip=found))
    return sources
