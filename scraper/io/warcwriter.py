"""Write a crawl's fetches as standard WARC/1.1 files (``scraper crawl --warc DIR``).

Each fetch is three records, each its own gzip member: a ``request`` (the GET as the fetch layer
sends it: method, path, ``Host``, ``User-Agent``, ``Accept``, ``Accept-Encoding``), a ``response``
and a ``metadata`` record (``application/warc-fields``: the URL asked for, and the versions of
``scraper``, ``trafilatura`` and ``selectolax`` that clean it). Each file opens with a
``warcinfo`` record. warcio writes the records (digests, ids, lengths).

What a response record holds: the response as received (``Page.received``, which the crawl asks
the fetch layer for only when it writes WARC). The status line is the server's (protocol, status,
reason phrase), the headers are the server's, in its order and spelling, and the payload is the
entity body as received: still in its ``Content-Encoding`` (gzip, deflate, br), as WARC stores
it, so ``Content-Encoding`` and a received ``Content-Length`` stay as they were. One thing differs
from the wire: httpx hands over a chunked body de-chunked, so ``Transfer-Encoding`` is renamed
``X-Archive-Orig-Transfer-Encoding`` (the Webrecorder/pywb convention for a header that no longer
describes the stored bytes; warcio de-chunks only under ``Transfer-Encoding: chunked``). The
``WARC-Payload-Digest`` is over the payload as stored. A reader decodes the payload
(:mod:`scraper.io.warc`, with the fetch layer's decoders) into exactly the bytes the crawl cleaned,
which is what ``scraper clean DIR/*.warc.gz`` needs to give the same articles.

A page without that copy (written by other code than the crawl) is stored as it was cleaned: its
body decoded, ``Content-Encoding`` / ``Transfer-Encoding`` / ``Content-Length`` moved to
``X-Archive-Orig-*`` headers and a ``Content-Length`` of the body written.

Files rotate once they reach ``max_bytes`` (1 GiB by default, the usual WARC size), and each is
written as ``<name>.open`` and renamed to ``<name>`` (fsynced first) when it is finished: a glob
for ``*.warc.gz`` sees only finished files. A ``.open`` file left by a run that was killed is
cut after its last whole record and renamed when the next writer starts (:func:`finish_leftovers`).
"""

from __future__ import annotations

import io
import os
import re
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.article import Page
from scraper.io.atomic import fsync_dir
from scraper.io.warc import DAMAGED, WarcSkip, read_warc

DEFAULT_MAX_BYTES = 1024**3
OPEN_SUFFIX = ".open"
ARCHIVE_SUFFIX = ".warc.gz"
# Headers that describe the bytes on the wire, not a decoded body written: renamed, as the module says.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
_ORIGINAL = "X-Archive-Orig-"


class CrawlArchive:
    """Rotating, atomically finished WARC files in one folder; use as a context manager.

    :meth:`write` is safe to call from several threads; it returns where the response record is
    (the file's final path and the record's byte offset), which the crawl state keeps.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        versions: dict[str, str] | None = None,
        user_agent: str = "",
        accept: str = "",
        accept_encoding: str = "",
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.versions = dict(versions or {})
        self.request_headers = [("User-Agent", user_agent), ("Accept", accept)]
        self.request_headers.append(("Accept-Encoding", accept_encoding))
        self.finished: list[Path] = []
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self._serial = 0
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    def open(self) -> CrawlArchive:
        """Make the folder and finish what a killed run left open there; returns itself."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.finished.extend(finish_leftovers(self.folder))
        return self

    def __enter__(self) -> CrawlArchive:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, page: Page, *, asked: str | None = None) -> tuple[str, int]:
        """Record one fetch (request, response, metadata); returns (final path, response offset)."""
        url = page.final_url or page.url or asked or ""
        with self._lock:
            writer, handle, path = self._current()
            request = self._request_record(writer, url)
            response = self._response_record(writer, url, page)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request.rec_headers.add_header("WARC-Concurrent-To", response_id)
            writer.write_record(request)
            offset = handle.tell()
            writer.write_record(response)
            writer.write_record(self._metadata_record(writer, url, asked or page.url, response_id))
            handle.flush()
            if handle.tell() >= self.max_bytes:
                self._finish()
            return str(path), offset

    def close(self) -> None:
        with self._lock:
            self._finish()

    def _current(self) -> tuple[WARCWriter, BinaryIO, Path]:
        if self._writer is None or self._handle is None or self._path is None:
            self._serial += 1
            self._path = self.folder / f"crawl-{self._stamp}-{os.getpid()}-{self._serial:05d}{ARCHIVE_SUFFIX}"
            self._handle = open(self._path.with_name(self._path.name + OPEN_SUFFIX), "xb")  # noqa: SIM115
            self._writer = WARCWriter(self._handle, gzip=True, warc_version="WARC/1.1")
            info = {"software": f"scraper {self.versions.get('scraper', '')}".strip()}
            info |= {
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/",
            }
            self._writer.write_record(self._writer.create_warcinfo_record(self._path.name, info))
        return self._writer, self._handle, self._path

    def _finish(self) -> None:
        """Fsync the open file and give it its final name."""
        if self._handle is None or self._path is None:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._path.with_name(self._path.name + OPEN_SUFFIX), self._path)
        fsync_dir(self.folder)
        self.finished.append(self._path)
        self._handle = self._writer = self._path = None

    def _request_record(self, writer: WARCWriter, url: str):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [("Host", parts.netloc), *((k, v) for k, v in self.request_headers if v)]
        http = StatusAndHeaders(f"GET {target} HTTP/1.1", headers, is_http_request=True)
        return writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http)

    def _response_record(self, writer: WARCWriter, url: str, page: Page):  # type: ignore[no-untyped-def]
        status = page.status or 200
        received = page.received
        if received is not None:  # as the server sent it, but for the chunked framing httpx removed
            reason, protocol, payload = received.reason, received.http_version, received.body
            headers = [
                (_ORIGINAL + k if k.lower() == "transfer-encoding" else k, v) for k, v in received.headers
            ]
        else:  # as it was cleaned (the module doc)
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = ""
            protocol, payload = "HTTP/1.1", page.body
            headers = [(k, v) for k, v in page.headers.items() if k.lower() not in _WIRE_HEADERS]
            headers += [(_ORIGINAL + k, v) for k, v in page.headers.items() if k.lower() in _WIRE_HEADERS]
            headers.append(("Content-Length", str(len(payload))))
        http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=protocol)
        warc_headers = {"WARC-Date": page.fetched_at} if page.fetched_at else None
        return writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http,
            warc_headers_dict=warc_headers,
        )

    def _metadata_record(self, writer: WARCWriter, url: str, asked: str | None, response_id: str):  # type: ignore[no-untyped-def]
        fields = ([f"fetched-for: {asked}"] if asked and asked != url else []) + [
            f"{name}-version: {version}" for name, version in sorted(self.versions.items())
        ]
        body = ("\r\n".join(fields) + "\r\n").encode("utf-8")
        return writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Concurrent-To": response_id},
        )


def _writer_alive(path: Path) -> bool:
    """Whether the process that named ``path`` (``crawl-<time>-<pid>-<n>``) still runs: another
    crawl writing to the same folder; its file is not a leftover."""
    match = re.fullmatch(r"crawl-[^-]+-(\d+)-\d+" + re.escape(ARCHIVE_SUFFIX + OPEN_SUFFIX), path.name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def finish_leftovers(folder: Path) -> list[Path]:
    """Files a killed run left ``.open``: cut after their last whole record, then renamed. A file
    whose writer still runs (another crawl sharing the folder) is left to it."""
    done = []
    for left in sorted(folder.glob(f"*{ARCHIVE_SUFFIX}{OPEN_SUFFIX}")):
        if _writer_alive(left):
            continue
        # Cut at the first record that does not read whole (a torn last gzip member).
        damaged = (
            item.offset
            for item in read_warc(left)
            if isinstance(item, WarcSkip) and item.kind in DAMAGED
        )
        end = next(damaged, left.stat().st_size)
        with left.open("r+b") as handle:
            handle.truncate(end)
            os.fsync(handle.fileno())
        final = left.with_name(left.name.removesuffix(OPEN_SUFFIX))
        os.replace(left, final)
        done.append(final)
    if done:
        fsync_dir(folder)
    return done


def open_crawl_archive(folder: Path, max_mb: float, user_agent: str) -> CrawlArchive:
    """A crawl's archive, opened (folder made, leftovers finished), with the request headers the
    fetch layer sends and the versions of the cleaning code in every metadata record."""
    from scraper.extract.engine import VERSIONS  # the cleaning code's versions, as articles carry
    from scraper.web.body import ACCEPT_ENCODING
    from scraper.web.client import ACCEPT_HEADERS

    archive = CrawlArchive(
        folder,
        max_bytes=max(int(max_mb * 1024 * 1024), 1),
        versions=VERSIONS,
        user_agent=user_agent,
        accept=ACCEPT_HEADERS["html"],
        accept_encoding=ACCEPT_ENCODING,
    )
    return archive.open()
