"""Read web archives (WARC, and the older ARC), gzip or not, as pages to clean.

Each HTML ``response`` record becomes a :class:`WarcPage` (its ``Page``: the ``WARC-Target-URI``,
the HTTP status and headers, the payload de-chunked and decoded, the ``WARC-Date`` as
``fetched_at``) with where it came from: the file as given, its ``WARC-Record-ID``
and the byte offset of the record, so any output line can be traced back to its record. Every other
record is a :class:`WarcSkip` naming the file, the offset and the reason, so a caller reports it
and goes on: one bad record never stops the file, nor one bad file the batch.

HTML is judged by the HTTP ``Content-Type`` (``text/html``, ``application/xhtml+xml``), or, when
that header is missing or says something else, by sniffing ``<!doctype html`` or ``<html`` in the
first bytes of the payload. ``WARC-Identified-Payload-Type`` is not trusted alone: crawlers fill it
from libmagic, which calls much HTML ``text/plain``.

Reasons a record is skipped (``WarcSkip.reason``): ``not-a-response`` (``request``,
``metadata``, ``warcinfo`` ... records), ``revisit`` (a deduplicated response whose payload is
elsewhere), ``not-html``, ``not-modified`` (a 304: a crawl's conditional fetch), ``redirect`` (any
other 3xx), ``http-error`` (any other status outside 2xx), ``truncated`` (``WARC-Truncated`` set,
or fewer bytes than its ``Content-Length`` before the file ended), ``too-large`` (a payload over
``MAX_PAGE_BYTES``), ``broken-gzip`` (a gzip member that does not inflate) and ``unreadable`` (a
record warcio cannot parse, or a file that cannot be opened). After a broken member or record,
reading resumes at the next gzip member (or, in an uncompressed file, the next ``WARC/`` header
line). warcio reads the records: a well-kept reader that handles ARC, chunked and compressed
payloads; FastWARC reads faster, but reading is a few per cent of the cost of cleaning a record.

A payload stored with its ``Content-Encoding`` (as ``scraper crawl --warc`` stores it: as received)
is decoded by the fetch layer's decoders (:class:`scraper.web.body.BoundedDecoder`), not warcio's,
so a page reads back exactly as the crawl decoded it (``x-gzip``, raw deflate, stacked encodings)
and a compression bomb stops at ``MAX_PAGE_BYTES``. As warcio does, a payload that does not decode
from its first bytes is taken as it is (a header left behind by a tool that stored it decoded).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed

from scraper.article import Page
from scraper.io.sources import MAX_PAGE_BYTES

# Suffixes of the archive files ``scraper clean`` reads as WARC (or ARC), gzip or not.
WARC_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# How much of a payload is looked at when its Content-Type does not say HTML.
SNIFF_BYTES = 1024
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_LINE = b"\nWARC/"
_ARC_SCAN_BLOCK = 1 << 20


class BrokenMember(Exception):
    """A gzip member of the archive does not inflate."""


class _StrictReader(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, but a gzip member that does not inflate raises instead of being read on
    as empty (warcio then writes to stderr and parses the bytes after it as garbage records).
    Only the file's very first read may fail to inflate: that is how a plain WARC is told apart."""

    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor is not None and data and self.num_read > 0:
            try:
                return self.decompressor.decompress(data)  # type: ignore[no-any-return]
            except zlib.error as exc:
                raise BrokenMember(str(exc)) from None
        return super()._decompress(data)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class WarcPage:
    """One HTML response record: the page to clean and where it is in its archive."""

    page: Page
    warc_file: str
    record_id: str
    offset: int


# The reasons that mean the archive's bytes are damaged there (not a record of another kind).
DAMAGED = frozenset({"truncated", "broken-gzip", "unreadable"})


@dataclass(frozen=True, slots=True)
class WarcSkip:
    """A record not cleaned, where it is, and why (the reasons are listed in the module doc)."""

    warc_file: str
    offset: int
    record_id: str | None
    reason: str

    @property
    def kind(self) -> str:
        """The reason without its detail ("unreadable: <why>" is unreadable)."""
        return self.reason.split(":", 1)[0]


def is_warc_name(name: str) -> bool:
    """Whether a file of this name is read as a web archive."""
    return name.lower().endswith(WARC_SUFFIXES)


def looks_like_html(data: bytes) -> bool:
    """Whether a payload's first bytes read as an HTML document (doctype or ``<html`` tag)."""
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<!doctype html") or b"<html" in head


def read_warc(path: str | Path) -> Iterator[WarcPage | WarcSkip]:
    """Every record of a WARC or ARC file (gzip or not), in file order: a :class:`WarcPage` for an
    HTML response, a :class:`WarcSkip` for anything else. Never raises for a bad file or record:
    a file that cannot be opened is one ``unreadable`` skip at offset 0."""
    name = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is done
    except OSError as exc:
        yield WarcSkip(name, 0, None, f"unreadable: {exc.strerror or exc}")
        return
    with handle:
        start = 0
        while start is not None:
            handle.seek(start)
            start = yield from _read_from(handle, name, start)


def read_record(path: str | Path, offset: int) -> WarcPage | WarcSkip:
    """The one record at ``offset`` (as :func:`read_warc` gave it), read on its own: how a worker
    process reads its page without the rest of the file. Never raises, as :func:`read_warc`."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return next(_read_from(handle, name, offset), WarcSkip(name, offset, None, "truncated"))
    except OSError as exc:
        return WarcSkip(name, offset, None, f"unreadable: {exc.strerror or exc}")


def _read_from(handle: BinaryIO, name: str, start: int) -> Iterator[WarcPage | WarcSkip]:
    """The records from ``start`` on; returns where to resume after a broken record, or None."""
    records = ArchiveIterator(handle, arc2warc=True)
    records.reader = _StrictReader(handle)  # not read yet: the iterator reads on first next()
    offset = start
    try:
        for record in records:
            item = _judge(record, name)
            offset = records.get_record_offset()  # reads the record to its end
            inflating = records.reader.decompressor
            torn = inflating is not None and not getattr(inflating, "eof", True)  # a gzip member cut short
            if torn or getattr(record.raw_stream, "limit", 0) > 0:  # the file ended inside the record
                item = WarcSkip(name, 0, record.rec_headers.get_header("WARC-Record-ID"), "truncated")
            yield _placed(item, offset)
            offset += records.get_record_length()
    except (BrokenMember, ArchiveLoadFailed, zlib.error, OSError, EOFError, ValueError) as exc:
        gzipped = records.reader is not None and records.reader.decompressor is not None
        gzipped = gzipped or _starts_gzip(handle, offset)
        yield WarcSkip(name, offset, None, "broken-gzip" if gzipped else f"unreadable: {exc}")
        return _next_record_start(handle, offset + 1, gzipped)
    handle.seek(offset)
    rest = handle.read(4096)
    if cut := rest.lstrip():  # bytes after the last whole record (and its blank lines): cut off
        yield WarcSkip(name, offset + len(rest) - len(cut), None, "truncated")
    return None


def _placed(item: WarcPage | WarcSkip, offset: int) -> WarcPage | WarcSkip:
    if isinstance(item, WarcPage):
        return WarcPage(item.page, item.warc_file, item.record_id, offset)
    return WarcSkip(item.warc_file, offset, item.record_id, item.reason)


def _judge(record: object, name: str) -> WarcPage | WarcSkip:
    """A record as a page or a skip (offset filled in by the caller, once warcio knows it)."""
    headers = record.rec_headers  # type: ignore[attr-defined]
    record_id = headers.get_header("WARC-Record-ID")
    kind = record.rec_type  # type: ignore[attr-defined]
    if kind == "revisit":
        return WarcSkip(name, 0, record_id, "revisit")
    if kind != "response" or record.http_headers is None:  # type: ignore[attr-defined]
        return WarcSkip(name, 0, record_id, "not-a-response")
    http = record.http_headers  # type: ignore[attr-defined]
    status = _status(http.get_statuscode())
    if status == 304:
        return WarcSkip(name, 0, record_id, "not-modified")
    if status is not None and 300 <= status < 400:
        return WarcSkip(name, 0, record_id, "redirect")
    if status is not None and not 200 <= status < 300:
        return WarcSkip(name, 0, record_id, "http-error")
    if headers.get_header("WARC-Truncated"):
        return WarcSkip(name, 0, record_id, "truncated")
    content_type = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    body = _payload(record, http)
    if body is None:
        return WarcSkip(name, 0, record_id, "too-large")
    raw = record.raw_stream  # type: ignore[attr-defined]
    while raw.read(1 << 16):  # whatever the payload reader left (a chunked body's trailer)
        pass
    if getattr(raw, "limit", 0) > 0:
        return WarcSkip(name, 0, record_id, "truncated")  # the file ended inside the record
    if content_type not in HTML_TYPES and not looks_like_html(body):
        return WarcSkip(name, 0, record_id, "not-html")
    page = Page(
        url=headers.get_header("WARC-Target-URI"),
        body=body,
        status=status,
        headers=_header_dict(http.headers),
        fetched_at=headers.get_header("WARC-Date"),
    )
    return WarcPage(page, name, record_id or "", 0)


def _payload(record: object, http: object) -> bytes | None:
    """The payload de-chunked and decoded as the fetch layer decodes a body; None past
    ``MAX_PAGE_BYTES`` (decoded, or as stored)."""
    encoding = http.get_header("Content-Encoding")  # type: ignore[attr-defined]
    if not encoding:
        body: bytes = record.content_stream().read(MAX_PAGE_BYTES + 1)  # type: ignore[attr-defined]
        return None if len(body) > MAX_PAGE_BYTES else body
    import brotli  # the fetch layer's decoders: loaded only for an encoded payload

    from scraper.web.body import BoundedDecoder, TooLarge

    stream = record.raw_stream  # type: ignore[attr-defined]
    if (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":  # type: ignore[attr-defined]
        stream = ChunkedDataReader(stream)
    decoder = BoundedDecoder(encoding, MAX_PAGE_BYTES, keep_raw=True)
    try:
        while piece := stream.read(1 << 16):
            try:
                decoder.feed(piece)
            except (zlib.error, brotli.error):
                if decoder.body:  # corrupt further on: what decoded, as warcio gives it
                    return decoder.body
                stored = (decoder.raw or b"") + stream.read(MAX_PAGE_BYTES + 1)  # raw has this piece
                return None if len(stored) > MAX_PAGE_BYTES else stored
    except TooLarge:
        return None
    return decoder.body


def _status(code: str | None) -> int | None:
    try:
        return int(code) if code else None
    except ValueError:
        return None


def _header_dict(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers as a dict; a repeated header keeps its first value, as a cache would."""
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _starts_gzip(handle: BinaryIO, offset: int) -> bool:
    handle.seek(offset)
    return handle.read(2) == _GZIP_MEMBER[:2]


def _next_record_start(handle: BinaryIO, offset: int, gzipped: bool) -> int | None:
    """Where the next gzip member (or ``WARC/`` header line) begins after ``offset``, or None."""
    marker = _GZIP_MEMBER if gzipped else _WARC_LINE
    handle.seek(offset)
    position = offset
    tail = b""
    while block := handle.read(_ARC_SCAN_BLOCK):
        data = tail + block
        found = data.find(marker)
        if found >= 0:
            start = position - len(tail) + found
            return start if gzipped else start + 1
        tail = data[-(len(marker) - 1) :]
        position += len(block)
    return None
