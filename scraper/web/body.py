"""Reading a response body: decoded with bounded output under the size cap, and sniffed for HTML.

Bodies are decoded here rather than by httpx: httpx inflates each 64 KiB network read in one
go, which is up to ~66 MB for gzip and unbounded for brotli (200 MB of zeros is 317 bytes of
brotli). Our decoders emit at most ``_PIECE`` bytes per step, so the size cap applies to the
*decoded* body while it streams and a compression bomb stops at the cap. A crawl that writes WARC
also asks for the body as received (still content-encoded, for the response record): that copy is
kept only when asked and counts against the same cap, so memory stays bounded either way.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import brotli
import httpx

from scraper.errors import FetchError
from scraper.extract.decode import looks_binary

# Only what _INFLATERS can decode with bounded output; a server must not send anything else.
ACCEPT_ENCODING = "gzip, deflate, br"
_PIECE = 64 * 1024  # the most decoded bytes a decoder hands over at once
_SNIFF_BYTES = 1024


class _Inflater(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode ``data`` (the next encoded bytes), in pieces of at most about ``_PIECE`` bytes."""
        ...


class _ZlibInflater:
    """gzip or zlib/raw deflate, depending on ``wbits``."""

    def __init__(self, wbits: int) -> None:
        self._decompressor = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        decompressor = self._decompressor
        if decompressor.eof:
            return  # trailing bytes after the end of the stream are ignored, as browsers do
        out = decompressor.decompress(data, _PIECE)
        while True:
            if out:
                yield out
            if decompressor.eof or (not decompressor.unconsumed_tail and len(out) < _PIECE):
                return
            out = decompressor.decompress(decompressor.unconsumed_tail, _PIECE)


def _has_zlib_header(head: bytes) -> bool:
    """RFC 1950: method 8 in the low nibble, and the two header bytes a multiple of 31."""
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _DeflateInflater:
    """``Content-Encoding: deflate`` means zlib-wrapped, but many servers send raw deflate."""

    def __init__(self) -> None:
        self._head = b""
        self._inner: _ZlibInflater | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inner is None:
            self._head += data
            if len(self._head) < 2:
                return iter(())
            wbits = zlib.MAX_WBITS if _has_zlib_header(self._head) else -zlib.MAX_WBITS
            self._inner = _ZlibInflater(wbits)
            data, self._head = self._head, b""
        return self._inner.feed(data)


class _BrotliInflater:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        decompressor = self._decompressor
        out = decompressor.process(data, output_buffer_limit=_PIECE)
        # Output can remain buffered even once the decoder takes input again: drain until empty.
        while out or not decompressor.can_accept_more_data():
            if out:
                yield out
            out = decompressor.process(b"", output_buffer_limit=_PIECE)


class _IdentityInflater:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data


_INFLATERS: dict[str, Callable[[], _Inflater]] = {
    "gzip": lambda: _ZlibInflater(zlib.MAX_WBITS | 16),
    "x-gzip": lambda: _ZlibInflater(zlib.MAX_WBITS | 16),
    "deflate": _DeflateInflater,
    "br": _BrotliInflater,
    "identity": _IdentityInflater,
}


def _inflaters(content_encoding: str | None) -> list[_Inflater]:
    """Decoders for a Content-Encoding list, outermost (last applied) first.

    An encoding we cannot decode leaves the body as it came, as httpx and curl do; it was not
    asked for, and the page then fails later as binary rather than here.
    """
    names = [name.strip().lower() for name in (content_encoding or "").split(",") if name.strip()]
    if any(name not in _INFLATERS for name in names):
        return []
    return [_INFLATERS[name]() for name in reversed(names)]


def _inflate(data: bytes, inflaters: Sequence[_Inflater]) -> Iterator[bytes]:
    if not inflaters:
        if data:
            yield data
        return
    for piece in inflaters[0].feed(data):
        yield from _inflate(piece, inflaters[1:])


class TooLarge(Exception):
    """A body passed its limit: ``what`` says which count did (``decoded``, or ``raw`` as received)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class BoundedDecoder:
    """Decode a body fed piece by piece as received (after transfer decoding), under ``limit``.

    Both the decoded bytes and, when ``keep_raw`` is asked, the bytes as received count against
    ``limit``: a compression bomb stops at the cap, and a kept raw copy never grows past it either
    (so memory stays within twice the cap). :meth:`feed` raises :class:`TooLarge`, or
    ``zlib.error`` / ``brotli.error`` for a corrupt stream; the caller words the error.
    """

    def __init__(self, content_encoding: str | None, limit: int, *, keep_raw: bool = False) -> None:
        self._inflaters = _inflaters(content_encoding)
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        self._raw: list[bytes] | None = [] if keep_raw else None
        self._raw_size = 0

    def feed(self, raw: bytes) -> None:
        if self._raw is not None:
            self._raw_size += len(raw)
            if self._raw_size > self._limit:
                raise TooLarge("raw")
            self._raw.append(raw)
        for piece in _inflate(raw, self._inflaters):
            self._size += len(piece)
            if self._size > self._limit:
                raise TooLarge("decoded")
            self._chunks.append(piece)

    @property
    def body(self) -> bytes:
        """The decoded body so far."""
        return b"".join(self._chunks)

    @property
    def raw(self) -> bytes | None:
        """The bytes as received so far, if ``keep_raw`` was asked; else None."""
        return None if self._raw is None else b"".join(self._raw)


async def read_body(response: httpx.Response, url: str, limit: int) -> bytes:
    """The decoded body, refused as ``too-large`` as soon as it passes ``limit`` bytes."""
    body, _ = await read_body_and_raw(response, url, limit, keep_raw=False)
    return body


async def read_body_and_raw(
    response: httpx.Response, url: str, limit: int, *, keep_raw: bool = True
) -> tuple[bytes, bytes | None]:
    """The decoded body and, when ``keep_raw``, the body as received: what ``aiter_raw`` yields,
    after transfer decoding (a chunked body comes de-chunked: h11 strips the framing) and before
    content decoding (still gzip, deflate or br as sent), which is what a WARC response record
    stores. Each is refused as ``too-large`` past ``limit``. The raw copy is None when it is not
    asked for, and when a test's MockTransport has already read and decoded an encoded body.
    """
    encoding = response.headers.get("content-encoding")
    declared = response.headers.get("content-length", "")
    if not encoding and declared.isdigit() and int(declared) > limit:
        raise FetchError(
            f"body of {declared} bytes is over max_body_bytes ({limit})", url=url, reason="too-large"
        )
    if response.is_stream_consumed:  # read and decoded already, by a test's MockTransport
        if len(response.content) > limit:
            raise FetchError(f"body is over max_body_bytes ({limit})", url=url, reason="too-large")
        return response.content, (response.content if keep_raw and not encoding else None)
    decoder = BoundedDecoder(encoding, limit, keep_raw=keep_raw)
    try:
        async for raw in response.aiter_raw():
            decoder.feed(raw)
    except TooLarge as exc:
        raise FetchError(
            f"{exc.what} body is over max_body_bytes ({limit})", url=url, reason="too-large"
        ) from None
    except (zlib.error, brotli.error) as exc:
        raise FetchError(
            f"the {encoding} body is corrupt or cut short ({exc})",
            url=url,
            reason="network",
            retryable=True,
        ) from exc
    return decoder.body, decoder.raw


def sniffs_as_html(body: bytes) -> bool:
    """For a response without a Content-Type: text, with an ``<html`` or ``<!doctype`` near the top."""
    head = body[:_SNIFF_BYTES]
    if looks_binary(head):
        return False
    lowered = head.lower()
    return b"<html" in lowered or b"<!doctype" in lowered
