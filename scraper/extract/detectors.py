"""Generic boilerplate detectors: find promos, related lists and share bars by structure and text.

They work with no site rule and without trusting class names (which are often generated,
``css-1x2y3z``): a sign-up promo is the small block around an e-mail field or a "Sign up" button; a
related-stories list is a link-dense list of headline links or a grid of repeated cards; a share bar
is the small block around links to share endpoints. Every detector climbs from a precise seed to the
largest *small* block around it, never past a paragraph of prose or a container holding much of the
page's text, so no article text is taken along. Widgets (:mod:`~scraper.extract.widgets`) too."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from scraper.article import Removal, snippet
from scraper.extract.pagekind import is_sentence, squash
from scraper.extract.prose import prose_chars
from scraper.extract.vocabulary import (
    AD_LABEL,
    AD_LABEL_SEEDS,
    AUTHOR_BIO_TEXT,
    AUTHOR_BOX_HEADING,
    AUTHOR_BOX_SEEDS,
    AUTHOR_LINK_SELECTOR,
    CONSENT_WALL,
    COOKIE_TEXT,
    CTA_BUTTON,
    CTA_TEXT,
    FORM_FIELD_SELECTOR,
    PROMO_OPENING,
    PROMO_TEXT,
    RELATED_HEADING,
    SHARE_ENDPOINTS,
    SHARE_LINK_SEED,
)
from scraper.extract.widgets import detect_control_rows
from scraper.io.naming import link_site

# Containers a climb never removes: the document and the article's own wrappers.
_STOP_TAGS = frozenset({"html", "body", "main", "article"})
# A paragraph this long that is not itself a call to action is prose: a climb stops below it.
_PROSE_CHARS = 150
# A climb stops below a parent that holds this many more plain paragraphs than the block so far.
_MAX_EXTRA_PARAGRAPHS = 2
_PLAIN_MIN_CHARS = 30
# No single removal may take more than this share of the page's text.
_MAX_SHARE = 0.5
_CTA_BLOCK_CHARS = 700
_BUTTON_BLOCK_CHARS = 400
_SHARE_BLOCK_CHARS = 160
_COOKIE_BLOCK_CHARS = 900
_BIO_BLOCK_CHARS = 800
_BYLINE_BLOCK_CHARS = 160
_PROMO_PARAGRAPH_CHARS = 300
_EMPHASIS_SHARE = 0.9
# A <header> holding the headline is at most this many levels above it; a standfirst outside a
# <header> is one of the headline's next few siblings.
_HEADER_DEPTH = 3
_STANDFIRST_SIBLINGS = 3
_LIST_MIN_ITEMS = 3
_LIST_LINK_DENSITY = 0.7
_LIST_MIN_LINK_WORDS = 3.0
# A link list with at least this share of its links to other sites is the article's own.
_ELSEWHERE_SHARE = 0.5
_CARD_LINK_DENSITY = 0.5
_CARD_SHARE = 0.7
# Elements whose own text mentions cookies (Lexbor matches this in C, no Python loop).
_COOKIE_SEED = '*:lexbor-contains("cookie" i)'
# Labels and headings longer than this are sentences, not labels.
_AD_LABEL_MAX_CHARS = 60


def text_of(node: LexborNode) -> str:
    """All text below ``node``, whitespace-joined."""
    return node.text(deep=True, separator=" ", strip=True)


def link_text_chars(node: LexborNode) -> int:
    """Characters of text inside links below ``node``."""
    return sum(len(text_of(a)) for a in node.css("a"))


def _is_prose(text: str) -> bool:
    return len(text) >= _PROSE_CHARS and not CTA_TEXT.search(text)


def _has_prose(node: LexborNode) -> bool:
    """True if ``node`` is or holds a paragraph of prose (text that is no call to action)."""
    if node.tag == "p" and _is_prose(text_of(node)):
        return True
    return any(_is_prose(text_of(p)) for p in node.css("p"))


def _plain_paragraphs(node: LexborNode) -> int:
    """Paragraphs that read as sentences and are no call to action."""
    count = 0
    for paragraph in node.css("p"):
        text = text_of(paragraph)
        if len(text) >= _PLAIN_MIN_CHARS and not CTA_TEXT.search(text):
            count += 1
    return count


class Measures:
    """Text measures of nodes, memoised while the tree does not change.

    Many seeds (a thousand share links, say) climb through the same ancestors; measuring each
    ancestor once keeps a detector's pass linear in the page size.
    """

    def __init__(self) -> None:
        self._chars: dict[int, int] = {}
        self._prose: dict[int, bool] = {}
        self._plain: dict[int, int] = {}

    def chars(self, node: LexborNode) -> int:
        key = node.mem_id
        if key not in self._chars:
            self._chars[key] = len(text_of(node))
        return self._chars[key]

    def has_prose(self, node: LexborNode) -> bool:
        key = node.mem_id
        if key not in self._prose:
            self._prose[key] = _has_prose(node)
        return self._prose[key]

    def plain_paragraphs(self, node: LexborNode) -> int:
        key = node.mem_id
        if key not in self._plain:
            self._plain[key] = _plain_paragraphs(node)
        return self._plain[key]


def climb(
    seed: LexborNode, max_chars: int, *, allow_prose: bool = False, measures: Measures | None = None
) -> LexborNode:
    """The largest ancestor of ``seed`` (or seed itself) that stays small and holds no prose.

    Small: at most ``max_chars`` of text, no paragraph of prose (unless ``allow_prose``, for
    blocks such as author bios that are prose themselves), and not several plain paragraphs
    more than the block below it (an article of short paragraphs is still an article).
    """
    measure = measures or Measures()
    best = seed
    best_paragraphs = measure.plain_paragraphs(seed)
    while True:
        parent = best.parent
        if parent is None or parent.tag in _STOP_TAGS or not parent.tag or parent.tag.startswith("#"):
            return best
        if measure.chars(parent) > max_chars or (not allow_prose and measure.has_prose(parent)):
            return best
        paragraphs = measure.plain_paragraphs(parent)
        if paragraphs - best_paragraphs >= _MAX_EXTRA_PARAGRAPHS:
            return best
        best, best_paragraphs = parent, paragraphs


@dataclass
class Pruner:
    """Removes nodes from one parsed page and records each removal."""

    root: LexborNode
    standfirst: str | None = None
    page_text: str = ""  # the root's text, when the caller has it already
    site: str = ""  # the page's site (io.naming.link_site; "": unknown)
    page_chars: int = 0
    folded_text: str = ""
    removals: list[Removal] = field(default_factory=list)
    measures: Measures = field(default_factory=Measures)
    # The prose (see prose_chars) of the removed nodes: the root's prose now is what it was less this,
    # as removing an element leaves every other node's own text as it was.
    removed_prose: int = 0

    def __post_init__(self) -> None:
        text = self.page_text or text_of(self.root)
        self.page_chars = len(text)
        # Lets a detector skip its selector scans on pages where its trigger words never occur.
        self.folded_text = text.casefold()

    def climb(self, seed: LexborNode, max_chars: int, *, allow_prose: bool = False) -> LexborNode:
        """:func:`climb`, never to a block that holds too much of this page's text."""
        limit = min(max_chars, int(_MAX_SHARE * self.page_chars))
        return climb(seed, limit, allow_prose=allow_prose, measures=self.measures)

    def mentions(self, *words: str) -> list[str]:
        """Those of ``words`` (lowercase) that occur anywhere in the page's text."""
        return [word for word in words if word in self.folded_text]

    def remove_all(
        self, candidates: Iterable[tuple[LexborNode, str]], by: str, *, capped: bool = True
    ) -> None:
        """Remove each (node, reason), outermost first, skipping nodes inside another candidate.

        Nodes are decided before any is freed: selectolax frees a subtree on ``decompose``.
        ``capped``: skip any node holding more than half the page's text (a detector gone wrong
        must not take the article); off only for detectors that keep the article by construction.
        """
        chosen: dict[int, tuple[LexborNode, str]] = {}
        for node, what in candidates:
            chosen.setdefault(node.mem_id, (node, what))
        keep = []
        for node, what in chosen.values():
            ancestor = node.parent
            nested = False
            while ancestor is not None:
                if ancestor.mem_id in chosen:
                    nested = True
                    break
                ancestor = ancestor.parent
            if not nested:
                keep.append((node, what))
        for node, what in keep:
            text = text_of(node)
            if capped and self.page_chars and len(text) > _MAX_SHARE * self.page_chars:
                continue
            self.removals.append(Removal(by=by, what=what, text=snippet(text)))
            self.removed_prose += prose_chars(node)
            node.decompose()
        if keep:
            self.measures = Measures()  # freed nodes' ids may be reused


def detect_signup_forms(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Newsletter / registration promos: the small block around an e-mail or password field."""
    for field_node in page.root.css(FORM_FIELD_SELECTOR):
        block = page.climb(field_node, _CTA_BLOCK_CHARS)
        is_login = (field_node.attributes.get("type") or "").lower() == "password"
        if is_login or CTA_TEXT.search(text_of(block)):
            yield block, "block around a sign-up field"


def detect_signup_buttons(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Promos with a "Sign up" / "Subscribe" button or link and no form field."""
    for button in page.root.css("a, button, input[type=submit i], input[type=button i]"):
        label = text_of(button) or button.attributes.get("value") or ""
        if len(label) > 40 or not CTA_BUTTON.match(label):
            continue
        block = page.climb(button, _BUTTON_BLOCK_CHARS)
        if block is not button and CTA_TEXT.search(text_of(block)):
            yield block, f"promo around a {label.strip()!r} button"


def detect_share_bars(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Rows of share buttons: the small block around links to share endpoints."""
    for link in page.root.css(SHARE_LINK_SEED):
        href = (link.attributes.get("href") or "").lower()
        if any(endpoint in href for endpoint in SHARE_ENDPOINTS):
            yield page.climb(link, _SHARE_BLOCK_CHARS), "block around share links"


def is_element(node: LexborNode) -> bool:
    """An element, not a text or comment node (Lexbor names those ``-text``, ``-comment``)."""
    return bool(node.tag) and not node.tag.startswith(("-", "#"))


def _direct_children(node: LexborNode) -> list[LexborNode]:
    # is_element, inlined: this runs for every container on the page
    return [child for child in node.iter() if (tag := child.tag) and tag[0] != "-" and tag[0] != "#"]


def _looks_like_story_list(node: LexborNode) -> bool:
    """A list whose items are mostly headline links (several words each) to other pages."""
    items = [child for child in _direct_children(node) if child.tag == "li"]
    if len(items) < _LIST_MIN_ITEMS:
        return False
    text = text_of(node)
    if not text:
        return False
    # In-page anchors make a table of contents, which is part of the article.
    links = [a for a in node.css("a") if not (a.attributes.get("href") or "").startswith("#")]
    link_texts = [text_of(a) for a in links]
    if sum(map(len, link_texts)) < _LIST_LINK_DENSITY * len(text):
        return False
    words_per_link = sum(len(link.split()) for link in link_texts) / max(len(links), 1)
    return words_per_link >= _LIST_MIN_LINK_WORDS


def _element_sibling(node: LexborNode, forward: bool) -> LexborNode | None:
    """The nearest sibling element that holds text (skipping empty ones and text nodes)."""
    sibling = node.next if forward else node.prev
    while sibling is not None:
        if is_element(sibling) and text_of(sibling):
            return sibling
        sibling = sibling.next if forward else sibling.prev
    return None


def _prose_siblings(node: LexborNode) -> list[bool]:
    """For the nearest sibling before and after ``node``: is it a paragraph of prose?"""
    siblings = (_element_sibling(node, False), _element_sibling(node, True))
    return [
        sibling is not None and sibling.tag == "p" and _is_prose(text_of(sibling)) for sibling in siblings
    ]


def _between_prose(node: LexborNode) -> bool:
    """The list sits inside the article's prose: a paragraph of prose right before and after it
    (the list is the article's own, e.g. its sources or picks; a related list ends the body)."""
    return all(_prose_siblings(node))


def _links_elsewhere(node: LexborNode, site: str) -> bool:
    """Most links lead off ``site`` (registrable): the article's sources, not the site's stories."""
    hrefs = [(a.attributes.get("href") or "").strip() for a in node.css("a")]
    hrefs = [f"https:{href}" if href.startswith("//") else href for href in hrefs if href and href[0] != "#"]
    away = sum(1 for href in hrefs if href.startswith(("http:", "https:")) and link_site(href) != site)
    return bool(site and hrefs) and away >= _ELSEWHERE_SHARE * len(hrefs)


def detect_story_lists(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Lists of links to other stories ("latest", "related") inside or after the article; not
    a list that the article's prose runs around, nor one whose links lead to other sites."""
    for node in page.root.css("ul, ol"):
        if not _looks_like_story_list(node) or _between_prose(node):
            continue
        if not _links_elsewhere(node, page.site):
            yield node, "link-dense list of headlines"


def _is_card(node: LexborNode) -> bool:
    return node.css_first("a") is not None and (
        node.css_first("h2, h3, h4, h5, h6, img, picture") is not None
    )


def detect_card_grids(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Grids of repeated story cards (link + headline or image), whatever their class names."""
    for node in page.root.css("div, section, aside, ul, ol, nav"):
        children = _direct_children(node)
        if len(children) < _LIST_MIN_ITEMS:
            continue
        signatures: dict[tuple[str, str], int] = {}
        for child in children:
            key = (child.tag, child.attrs.get("class") or "")
            signatures[key] = signatures.get(key, 0) + 1
        if max(signatures.values()) < _LIST_MIN_ITEMS:
            continue
        needed = max(_LIST_MIN_ITEMS, _CARD_SHARE * len(children))
        cards, left = 0, len(children)
        for child in children:
            left -= 1
            cards += _is_card(child)
            if cards + left < needed:  # the children left cannot make up the count
                break
        if cards < needed:
            continue
        text = text_of(node)
        if text and link_text_chars(node) >= _CARD_LINK_DENSITY * len(text):
            yield node, "grid of story cards"


def _section_after_heading(heading: LexborNode) -> Iterable[LexborNode]:
    """The heading and the link-dense siblings that follow it (the list it introduces)."""
    yield heading
    sibling = heading.next
    while sibling is not None:
        if sibling.tag and not sibling.tag.startswith("#"):
            text = text_of(sibling)
            if text and link_text_chars(sibling) < _CARD_LINK_DENSITY * len(text):
                return
            yield sibling
        sibling = sibling.next


def detect_related_sections(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """A "Related" / "More from" / "Mehr zum Thema" heading and the links under it."""
    for heading in page.root.css("h1, h2, h3, h4, h5, h6, [role=heading], strong, b"):
        label = text_of(heading)
        if not label or len(label) > 60 or not RELATED_HEADING.match(label):
            continue
        what = f"links under the heading {label!r}"
        parent = heading.parent
        if parent is not None and parent.tag not in _STOP_TAGS:
            parent_text = text_of(parent)
            rest = len(parent_text) - len(label)
            if rest > 0 and link_text_chars(parent) >= _CARD_LINK_DENSITY * rest:
                yield parent, what
                continue
        for node in _section_after_heading(heading):
            yield node, what


def detect_cookie_notices(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Cookie banners and consent notices: the small block around a cookie sentence."""
    if not page.mentions("cookie"):
        return
    for seed in page.root.css(_COOKIE_SEED):
        block = page.climb(seed, _COOKIE_BLOCK_CHARS)
        if COOKIE_TEXT.search(text_of(block)) and not _in_prose_flow(block):
            yield block, "cookie notice"


def _in_prose_flow(node: LexborNode) -> bool:
    """A paragraph among the article's paragraphs: a sentence that is not about cookies right
    before or after it (an article about cookie banners says "we use cookies" in its own words;
    a banner's paragraphs all speak of cookies and consent)."""
    if node.tag != "p":
        return False
    for forward in (False, True):
        sibling = _element_sibling(node, forward)
        if sibling is None or sibling.tag != "p":
            continue
        text = text_of(sibling)
        if is_sentence(text) and not COOKIE_TEXT.search(text) and not CONSENT_WALL.search(text):
            return True
    return False


def _contains_any(words: list[str]) -> str:
    """A selector for the elements whose text holds one of ``words`` (any case)."""
    return ", ".join(f'*:lexbor-contains("{word}" i)' for word in words)


def _short_texts(nodes: list[LexborNode], max_chars: int) -> list[tuple[LexborNode, str]]:
    """Each of ``nodes`` (in document order) whose text is at most ``max_chars`` long, with it.

    Such selectors match every ancestor of a text too, up to <html>; an element's text holds its
    children's, so the text of an element around a longer one is never read.
    """
    long: set[int] = set()
    found = []
    for node in reversed(nodes):  # children before the elements around them
        if node.mem_id in long:
            continue
        text = text_of(node)
        if len(text) <= max_chars:
            found.append((node, text))
            continue
        ancestor = node.parent
        while ancestor is not None and ancestor.mem_id not in long:
            long.add(ancestor.mem_id)
            ancestor = ancestor.parent
    found.reverse()
    return found


def detect_ad_labels(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """ "Advertisement" / "Anzeige" labels of ad slots, and "story continues below" markers."""
    words = page.mentions(*AD_LABEL_SEEDS)
    if not words:
        return
    for seed, text in _short_texts(page.root.css(_contains_any(words)), _AD_LABEL_MAX_CHARS):
        if AD_LABEL.match(text):
            yield seed, "ad label"


def _standfirst_scopes(h1: LexborNode) -> Iterable[LexborNode]:
    """Where a standfirst sits: the <header> around the <h1>, else the h1's next few siblings."""
    ancestor = h1.parent
    for _ in range(_HEADER_DEPTH):
        if ancestor is None:
            break
        if ancestor.tag == "header":
            yield from ancestor.css("p, div, h2, span")
            return
        ancestor = ancestor.parent
    sibling, seen = h1.next, 0
    while sibling is not None and seen < _STANDFIRST_SIBLINGS:
        if sibling.tag and not sibling.tag.startswith("#"):
            seen += 1
            yield sibling
        sibling = sibling.next


def _prose_follows(node: LexborNode) -> bool:
    """True if paragraphs of prose follow ``node`` as siblings: then it opens the body (a lede)."""
    sibling = node.next
    while sibling is not None:
        if sibling.tag == "p" and _is_prose(text_of(sibling)):
            return True
        sibling = sibling.next
    return False


# A deck is one headline-style line: short and not ended as a sentence. A description that matches
# a full sentence (or several) is the page's own first paragraph, quoted: it stays.
_DECK_MAX_CHARS = 200
_DECK_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_DECK_BREAK = re.compile(r"[.!?。！？][\"'”’»)\]]*\s+[A-ZÀ-ÖØ-Þ¿¡\"“„«]")


def _is_deck(text: str) -> bool:
    return len(text) <= _DECK_MAX_CHARS and not _DECK_END.search(text) and not _DECK_BREAK.search(text)


def detect_standfirst(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """The standfirst next to the headline, when it repeats the page's description.

    It is kept as ``Article.description``. Only a deck (a short line that is not a sentence) is
    taken: a description that quotes whole sentences is the body's own opening, and a paragraph
    followed by prose opens the body (a lede, as wire stories do); both stay.
    """
    if not page.standfirst:
        return
    wanted = squash(page.standfirst)
    for h1 in page.root.css("h1"):
        for node in _standfirst_scopes(h1):
            text = text_of(node)
            if squash(text) == wanted and _is_deck(text) and not _prose_follows(node):
                yield node, "standfirst (kept as the description)"
                return


def _wholly_emphasised(paragraph: LexborNode, text: str) -> bool:
    emphasis = paragraph.css("em, i, strong, b")
    return bool(emphasis) and sum(len(text_of(node)) for node in emphasis) >= _EMPHASIS_SHARE * len(text)


def detect_promo_paragraphs(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Promo sentences as paragraphs: "Follow us on WhatsApp", "Sign up for our newsletter", an italic
    "Email our news team ..." with no prose after it (a bold line mid-story is the story's)."""
    # No search of the whole page first: most pages hold some promo word, and a search of a long
    # text costs more than reading the short paragraphs.
    for paragraph in page.root.css("p"):
        text = text_of(paragraph)
        if not text or len(text) > _PROMO_PARAGRAPH_CHARS or not PROMO_TEXT.search(text):
            continue
        emphasised = _wholly_emphasised(paragraph, text) and not _prose_follows(paragraph)
        if PROMO_OPENING.match(text) or emphasised:
            yield paragraph, "promo paragraph"


def detect_next_articles(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Further articles appended below the first (infinite scroll): each an <article> with its
    own <h1>, after the one that holds the page's first headline."""
    headed = [node for node in page.root.css("article") if node.css_first("h1") is not None]
    outermost = [
        node for node in headed if not any(contains(other, node) for other in headed if other is not node)
    ]
    for node in outermost[1:]:
        yield node, "another article appended below this one"


def contains(outer: LexborNode, inner: LexborNode) -> bool:
    """True if ``inner`` lies below ``outer``."""
    ancestor = inner.parent
    while ancestor is not None:
        if ancestor.mem_id == outer.mem_id:
            return True
        ancestor = ancestor.parent
    return False


def detect_bylines(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Byline blocks (author link, role, avatar) outside the prose; names stay in the metadata."""
    for link in page.root.css(AUTHOR_LINK_SELECTOR):
        block = page.climb(link, _BYLINE_BLOCK_CHARS)
        if block is not link or link.parent is None or text_of(link.parent) == text_of(link):
            yield block, "byline"


def detect_author_bios(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Author boxes: a short block under an "About the author" heading, or with a profile link
    and "X is a reporter ..." text."""
    for link in page.root.css(AUTHOR_LINK_SELECTOR):
        block = page.climb(link, _BIO_BLOCK_CHARS, allow_prose=True)
        if AUTHOR_BIO_TEXT.search(text_of(block)):
            yield block, "author bio box"
    words = page.mentions(*AUTHOR_BOX_SEEDS)
    if words:
        for heading, label in _short_texts(page.root.css(_contains_any(words)), _AD_LABEL_MAX_CHARS):
            if AUTHOR_BOX_HEADING.match(label):
                yield page.climb(heading, _BIO_BLOCK_CHARS, allow_prose=True), "author box"




Detector = Callable[[Pruner], Iterable[tuple[LexborNode, str]]]

# Detectors whose removals may be larger than the article: they keep it by construction (the
# first <article> with a headline stays; only the ones appended after it go).
_UNCAPPED = frozenset({"next-article"})

# In order: the precise structural detectors first, so later ones see a smaller page.
DETECTORS: dict[str, Detector] = {
    "next-article": detect_next_articles,
    "signup-form": detect_signup_forms,
    "signup-button": detect_signup_buttons,
    "share-bar": detect_share_bars,
    "promo-paragraph": detect_promo_paragraphs,
    "cookie-notice": detect_cookie_notices,
    "ad-label": detect_ad_labels,
    "related-section": detect_related_sections,
    "story-list": detect_story_lists,
    "card-grid": detect_card_grids,
    "author-bio": detect_author_bios,
    "standfirst": detect_standfirst,
    "byline": detect_bylines,
    "control-row": detect_control_rows,
}


def remove_boilerplate(pruner: Pruner) -> None:
    """Run every generic detector over the pruner's page, recording what each removed."""
    for name, detector in DETECTORS.items():
        pruner.remove_all(list(detector(pruner)), by=f"detector:{name}", capped=name not in _UNCAPPED)
