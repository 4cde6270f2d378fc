"""Bound a page's markup before any parser sees it, so its parse time stays about linear.

The C parsers cannot be interrupted by the per-page time limit, and some inputs make them
quadratic: lexbor's work per tag grows with the depth of the open elements (100,000 unclosed
``<div><span>`` took minutes), and both lexbor and lxml compare each attribute of an element with
the ones before it (one ``<p>`` with 200,000 attributes took five minutes). One linear pass over
the tags (a regex, and a stack that follows HTML's end-tag rules roughly) measures the page; a
page within the limits comes back as it was, the same ``str``. Beyond them the page is trimmed,
not refused, so its text survives: the tags of elements nested deeper than :data:`MAX_DEPTH` are
dropped (their text joins their parent's) and an element keeps its first :data:`MAX_ATTRIBUTES`
attributes; the engine records what was trimmed in the article's warnings. Only a page over
:data:`MAX_CHARS` is refused (``NoArticleError``, reason ``too-large``).

The pass is made in two steps: a light one (:func:`_within_limits`) follows the same tokens and
the same stack but keeps no positions and stops at the first element to trim; only then does the
full scan (:func:`_scan`) find and cut every one. On a real page the light step is all there is.

The limits are far beyond real pages. Measured on the 1,718 dev pages (wcxb-dev and fundus-news;
``python -m scraper.extract.bounds FILES`` prints them): nesting depth at most 56 (lexbor's own
tree agrees), attributes on one element at most 185, at most 19,815 tags and 5.3 million
characters. The light step costs about 1.8 ms on an average page (5% of a clean), the full scan
about 2.5.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from scraper.errors import NoArticleError

MAX_DEPTH = 200  # lxml (libxml2) drops text nested deeper than 256; lexbor parses 200 levels in no time
MAX_ATTRIBUTES = 500  # 2,000 attributes on one element: 16 ms; 20,000: two seconds
MAX_CHARS = 32 * 1024 * 1024  # three times the crawler's default body cap, six times the largest dev page

# The rest of a tag after its name, up to its ">" (a quoted value may hold ">" and "<").
_REST = r"""[^>=]*+(?:=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|)[^>=]*+)*+>?"""
_RAW_NAMES = "script|style|textarea|title|xmp|iframe|noembed|noframes"
# One piece of markup: an element whose content is raw text, with that content (group 1 its name,
# group 2 the rest of its tag); a tag (group 3 its name, after "/" for an end tag; group 4 the
# rest); a comment, or what the tokenizer skips to the next ">" (doctype, CDATA, processing
# instruction, "</ >"). Possessive, so linear.
_MARKUP = re.compile(
    rf"""<(?:({_RAW_NAMES})(?=[\t\n\f\r />])({_REST})(?:[^<]++|<(?!/\1[\t\n\f\r />]))*+"""
    rf"""|(/?[A-Za-z][^\t\n\f\r />]*+)({_REST})"""
    r"""|!--(?:[^-]++|-(?!->))*+(?:-->)?|[!?][^>]*+>?|/(?![A-Za-z>])[^>]*+>?)""",
    re.IGNORECASE,
)
_TAG_REST = re.compile(_REST)
_ATTRIBUTE = re.compile(
    r"""[^\t\n\f\r />][^\t\n\f\r />=]*+"""
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))?"""
)
# Elements that hold no content, and those whose end tag is optional (the parser closes them when
# a sibling starts): neither can nest deep, so neither is counted.
_UNCOUNTED_NAMES = (
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param source"
    " track wbr p li dt dd option optgroup rb rt rp rtc tr td th thead tbody tfoot colgroup caption"
)
# HTML's "special" elements: an end tag of any other element does not close past one of them.
_SPECIAL_NAMES = (
    "address applet article aside blockquote body button center details dialog dir div dl fieldset"
    " figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 head header hgroup html iframe listing"
    " main marquee menu nav noembed noframes noscript object ol plaintext pre script search section"
    " select style summary table template textarea title ul xmp"
)
_UNCOUNTED, _SPECIAL, _FOREIGN, _OTHER = "uncounted", "special", "foreign", "other"
_KIND = {
    **dict.fromkeys(_UNCOUNTED_NAMES.split(), _UNCOUNTED),
    **dict.fromkeys(_SPECIAL_NAMES.split(), _SPECIAL),
    "svg": _FOREIGN,
    "math": _FOREIGN,
}


# The first pass (_within_limits) holds a page's tokens and the text between them at once: a few
# hundred kilobytes on a real page; a larger page than this (3 of the 1,718 dev pages) goes to the
# full scan alone.
_FIRST_PASS_MAX_CHARS = 4 * 1024 * 1024
# Stray end tags the first pass looks up in its stack (up to MAX_DEPTH names each) before it leaves
# the page to the full scan, whose look-ups cost nothing: real pages have a few dozen.
_MAX_SEARCHES = 10_000
_SKIP, _OPEN, _CLOSE = "skip", "open", "close"


@dataclass(slots=True)
class Shape:
    """What the scan found: the deepest nesting, the most attributes on one element, the tags."""

    depth: int = 0
    attributes: int = 0
    tags: int = 0
    chars: int = 0


@dataclass(frozen=True, slots=True)
class Bounded:
    """The page as the parsers may see it, and what was trimmed (if anything)."""

    html: str
    trimmed: tuple[str, ...] = ()
    measured: Shape | None = field(default=None, repr=False)  # None: the first pass sufficed

    @property
    def shape(self) -> Shape:
        """The page's shape as given, measured by the full scan (when first asked, for a page that
        the first pass found within the limits: the engine never asks)."""
        return self.measured if self.measured is not None else _scan(self.html, count_all=False).shape


def bound_html(html: str, *, count_all: bool = False) -> Bounded:
    """``html`` with its nesting and attributes bounded (see the module's docstring).

    Attributes are counted only on tags long enough to hold too many, unless ``count_all``.
    Raises :class:`NoArticleError` (reason ``too-large``) for a page over :data:`MAX_CHARS`.
    """
    if len(html) > MAX_CHARS:
        raise NoArticleError(
            f"the page is {len(html):,} characters, over the limit of {MAX_CHARS:,}: no article page"
            " is this large (a dump or a generated page?)",
            reason="too-large",
        )
    if not count_all and len(html) <= _FIRST_PASS_MAX_CHARS and _within_limits(html):
        return Bounded(html)
    return _scan(html, count_all=count_all)


def _scan(html: str, *, count_all: bool) -> Bounded:
    """The page measured and trimmed: every tag followed, each one to cut found and edited."""
    shape = Shape(chars=len(html))
    names: list[str] = []  # the open elements, as HTML's tree builder would keep them (roughly)
    places: dict[str, list[int]] = {}  # where each name is open in ``names``, innermost last
    specials: list[int] = []  # where special elements are open, innermost last
    dropped: dict[str, int] = {}  # start tags cut for depth, per name: their end tags go too
    edits: list[tuple[int, int, str]] = []
    deepest_cut = 0
    attributes_cut = 0
    long_tag = 0 if count_all else 2 * MAX_ATTRIBUTES  # a shorter tag cannot hold too many
    tags = 0
    for found in _MARKUP.finditer(html):
        raw, tag = found.group(1, 3)
        if tag is None and raw is None:
            continue  # a comment, a doctype
        tags += 1
        start, end = found.span()
        if end - start > long_tag:
            name_end = found.end(1 if raw is not None else 3)
            tag_end = end if raw is None else _TAG_REST.match(html, name_end).end()  # type: ignore[union-attr]
            kept = _attributes(html, name_end, tag_end, shape) if tag_end - start > long_tag else None
            if kept is not None:
                attributes_cut += 1
                edits.append((start, tag_end, f"{html[start:name_end]}{kept}>"))
        if raw is not None:
            continue
        slash = tag[0] == "/"
        name = (tag[1:] if slash else tag).lower()
        kind = _KIND.get(name, _OTHER)
        if slash:  # an end tag: it closes up to its element, but not past a special one
            if names and names[-1] == name:  # the usual case: it closes the innermost element
                names.pop()
                places[name].pop()
                if kind is _SPECIAL:
                    specials.pop()
                continue
            if dropped and dropped.get(name):
                dropped[name] -= 1
                edits.append((start, end, ""))
                continue
            open_at = places.get(name)
            if not open_at or (kind is not _SPECIAL and specials and specials[-1] > open_at[-1]):
                continue
            place = open_at[-1]
            while len(names) > place:
                places[names.pop()].pop()
                if specials and specials[-1] == len(names):
                    specials.pop()
            continue
        if kind is _UNCOUNTED:
            continue
        if html[end - 2] == "/" and (kind is _FOREIGN or places.get("svg") or places.get("math")):
            continue  # self-closing, in SVG or MathML
        if name == "plaintext":
            break
        depth = len(names)
        if depth >= MAX_DEPTH:
            dropped[name] = dropped.get(name, 0) + 1
            deepest_cut += 1
            if edits and edits[-1][0] == start:
                edits.pop()
            edits.append((start, end, " " if kind is _SPECIAL else ""))
            continue
        open_at = places.get(name)
        if open_at is None:
            places[name] = open_at = []
        open_at.append(depth)
        names.append(name)
        if kind is _SPECIAL:
            specials.append(depth)
        if depth >= shape.depth:
            shape.depth = depth + 1
    shape.tags = tags
    if not edits:
        return Bounded(html, measured=shape)
    trimmed = []
    if deepest_cut:
        trimmed.append(
            f"the page nests elements deeper than {MAX_DEPTH}: the tags of {deepest_cut:,} elements"
            " beyond that depth were dropped (their text kept)"
        )
    if attributes_cut:
        some = "1 element carries" if attributes_cut == 1 else f"{attributes_cut:,} elements carry"
        trimmed.append(
            f"{some} more than {MAX_ATTRIBUTES} attributes (up to {shape.attributes:,}):"
            f" only the first {MAX_ATTRIBUTES} were kept"
        )
    return Bounded(_apply(html, edits), tuple(trimmed), shape)


def _attributes(html: str, start: int, end: int, shape: Shape) -> str | None:
    """The first :data:`MAX_ATTRIBUTES` attributes of the tag between ``start`` and ``end``, if it
    has more (``None`` if not); ``shape`` records the count."""
    attributes = _attribute_list(html, start, end)
    shape.attributes = max(shape.attributes, len(attributes))
    if len(attributes) <= MAX_ATTRIBUTES:
        return None
    return " " + " ".join(attributes[:MAX_ATTRIBUTES])


def _within_limits(html: str) -> bool:
    """Whether :func:`_scan` would leave ``html`` as it is, found at two thirds of its cost.

    The same tokens and the same rules for the stack of open elements, but no positions, edits or
    measures: ``False`` as soon as an element would be trimmed (opened at :data:`MAX_DEPTH`, or
    with more than :data:`MAX_ATTRIBUTES` attributes), or when stray end tags make the stack
    searched too often; the full scan then decides. So a ``True`` is exact, and a ``False`` costs
    this pass only. The tokens are read at once by ``split``, as strings: ``finditer``'s match
    objects cost more, and ``findall``'s tuples (thousands a page) set off the garbage collector.
    """
    names: list[str] = []  # the open elements, innermost last, as the scan keeps them
    steps: dict[str, tuple[str, str, str]] = {}  # per tag as written: its name, action and kind
    searches = 0
    pieces = iter(_MARKUP.split(html))  # text, then the four groups of a token, text, ...
    next(pieces)
    for _, raw_rest, tag, rest, _ in zip(pieces, pieces, pieces, pieces, pieces, strict=True):
        if not tag:  # raw text (its tag measured like any other), a comment
            if raw_rest and len(raw_rest) > MAX_ATTRIBUTES and _too_many_attributes(raw_rest):
                return False
            continue
        if len(rest) > MAX_ATTRIBUTES and _too_many_attributes(rest):  # a character each, at least
            return False
        step = steps.get(tag)
        if step is None:
            step = steps[tag] = _step(tag)
        name, action, kind = step
        if action is _SKIP:
            continue
        if action is _CLOSE:
            if names and names[-1] == name:  # the usual case: it closes the innermost element
                names.pop()
                continue
            searches += 1
            if searches > _MAX_SEARCHES:
                return False
            _close(names, name, kind)
            continue
        if rest[-2:-1] == "/" and (kind is _FOREIGN or "svg" in names or "math" in names):
            continue  # self-closing, in SVG or MathML (the scan's html[end - 2])
        if name == "plaintext":
            return True
        if len(names) >= MAX_DEPTH:
            return False
        names.append(name)
    return True


def _too_many_attributes(tag_rest: str) -> bool:
    """Whether the tag whose rest (after its name) this is has more attributes than are kept."""
    return len(_attribute_list(tag_rest, 0, len(tag_rest))) > MAX_ATTRIBUTES


def _step(tag: str) -> tuple[str, str, str]:
    """What a tag (its name as written, after "/" for an end tag) does in :func:`_within_limits`:
    its element's name, whether it opens or closes one (or neither: uncounted elements never
    open, so their end tags close nothing), and the element's kind."""
    closing = tag[0] == "/"
    name = (tag[1:] if closing else tag).lower()
    kind = _KIND.get(name, _OTHER)
    return name, _SKIP if kind is _UNCOUNTED else _CLOSE if closing else _OPEN, kind


def _close(names: list[str], name: str, kind: str) -> None:
    """An end tag that is not the innermost element's: it closes up to its innermost element, if
    one is open, but not past a special element (the rule of :func:`_scan`)."""
    if name not in names:
        return
    place = len(names) - 1 - names[::-1].index(name)
    if kind is _SPECIAL or not any(_KIND.get(inner) is _SPECIAL for inner in names[place + 1 :]):
        del names[place:]


def _attribute_list(html: str, start: int, end: int) -> list[str]:
    """The attributes of the tag between ``start`` and ``end`` (after its name, up to its ">")."""
    if html[end - 1] == ">":
        end -= 1
    attributes = _ATTRIBUTE.findall(html, start, end)
    if attributes and attributes[-1] == "/":
        attributes.pop()
    return attributes


def _apply(html: str, edits: list[tuple[int, int, str]]) -> str:
    parts: list[str] = []
    done = 0
    for start, end, replacement in edits:
        parts.append(html[done:start])
        parts.append(replacement)
        done = end
    parts.append(html[done:])
    return "".join(parts)


def _main(paths: list[str]) -> None:
    """Print each page's shape and the maxima (how the limits above were measured)."""
    import gzip
    from pathlib import Path

    top = Shape()
    for path in paths:
        data = Path(path).read_bytes()
        text = (gzip.decompress(data) if path.endswith(".gz") else data).decode("utf-8", "replace")
        shape = bound_html(text, count_all=True).shape
        print(f"{path}\tdepth {shape.depth}\tattributes {shape.attributes}\ttags {shape.tags}")
        for name in ("depth", "attributes", "tags", "chars"):
            setattr(top, name, max(getattr(top, name), getattr(shape, name)))
    print(
        f"max of {len(paths)} pages: depth {top.depth}, attributes {top.attributes}, tags {top.tags},"
        f" characters {top.chars}"
    )


if __name__ == "__main__":
    _main(sys.argv[1:])
