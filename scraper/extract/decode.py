"""Bytes → str the way browsers do it: BOM, then the HTTP header, then ``<meta>``, then detection.

Order follows the WHATWG encoding sniffing algorithm, with one change learnt from real pages:
a BOM wins; then bytes that are valid UTF-8 are taken as UTF-8, whatever is declared (pages
that say ``iso-8859-1`` in a stale ``<meta>`` but are UTF-8 are common, and non-ASCII text in
another encoding almost never forms valid UTF-8); then the transport charset, then a
``<meta charset>`` / ``http-equiv`` declaration in the first few KB. Labels are mapped as
browsers map them (``iso-8859-1`` and ``ascii`` mean windows-1252). A declared charset that
does not decode cleanly is distrusted, and charset-normalizer guesses.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from scraper.errors import NoArticleError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
# WHATWG maps these labels to windows-1252, a strict superset that browsers use in their place.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_SNIFF_BYTES = 4096
# Random or compressed bytes (images, archives) are ~10.5% control bytes (27 of 256 values); text
# pages hold next to none. One stray NUL or a few control bytes do not make a page binary.
_BINARY_CONTROL_SHARE = 0.05
# Control bytes other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL_BYTES = bytes(b for b in range(32) if not 9 <= b <= 13)


def _normalise_label(label: str) -> str | None:
    """Map an encoding label to a Python codec name, or None if Python does not know it."""
    name = label.strip().strip("\"'").lower()
    name = _LABEL_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str | None, *, tolerant: bool = True) -> str | None:
    """Decode with ``encoding`` if it fits: strictly, or with a handful of stray bad bytes.

    Real pages declared as UTF-8 often carry a few broken bytes (a pasted cp1252 quote);
    browsers replace them, and so do we, rather than distrusting the whole declaration.
    """
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if not tolerant:
            return None
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 2000):
            return text
        return None
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are no text page: a share of control bytes (NUL included) in the head.

    A share, not the mere presence of a NUL: real pages carry the odd stray NUL (a CMS that
    pads a field), and refusing the whole page for one byte loses the article.
    """
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > _BINARY_CONTROL_SHARE


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return ``(text, encoding used)``.

    Raises :class:`NoArticleError` (reason ``binary``) for data that is not text at all.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    if looks_binary(data):
        raise NoArticleError("the input is binary data, not an HTML page", reason="binary")

    if (text := _try(data, "utf-8", tolerant=False)) is not None:
        return text, "utf-8"
    header = _normalise_label(charset_from_content_type(content_type) or "")
    if (text := _try(data, header)) is not None:
        return text, header  # type: ignore[return-value]
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    declared = _normalise_label(match.group(1).decode("ascii", "replace")) if match else None
    if declared in ("utf-16-le", "utf-16-be", "utf-16"):
        declared = "utf-8"  # a <meta> that ASCII could read cannot be UTF-16 (WHATWG)
    if (text := _try(data, declared)) is not None:
        return text, declared  # type: ignore[return-value]
    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    fallback = declared or "cp1252"
    return data.decode(fallback, errors="replace"), fallback
