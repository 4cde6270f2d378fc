"""Page → Article: the one function every way in (library, CLI, crawler) goes through.

decode → parse (selectolax) → bot-challenge check → metadata → rules for the host → drop noise,
strip, detect boilerplate → extract main text (trafilatura; rescue pass if it lost the article)
→ filter lines → JSON-LD body if the DOM showed little → wall/stub/index checks → Article.
Pure: no disk writes, no network, no global state beyond caches; safe in many processes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from . import pagekind
from .article import Article, Page, Removal
from .boilerplate import Pruner, link_text_chars, prose_chars, remove_boilerplate, text_of
from .decode import decode_html
from .errors import InputError, NoArticleError
from .extract import extract_text
from .learn import LearnedBlocks
from .metadata import Metadata, extract_metadata
from .prune import apply_strip, drop_noise, extraction_html, main_region
from .rules import RuleBook, SiteRule, resolve_rules
from .textfilter import filter_lines
from .timelimit import time_limit

_WORD = re.compile(r"\w+")
# Less body text than this (in letters, so that Chinese and Japanese count fairly) is no article:
# a stub, an error page, a login wall.
MIN_ARTICLE_CHARS = 150
# A page whose text is mostly link text, which does not call itself an article, and which has
# little prose or yields little text, is an index page.
_INDEX_LINK_DENSITY = 0.55
_INDEX_MAX_PROSE = 2000
_INDEX_MAX_LETTERS = 1200
# When the extraction holds less than this share of the page's prose (after trafilatura's own
# fallback), the page is extracted again without the detectors; that result is kept if it is
# this many times longer.
RESCUE_SHARE = 0.3
RESCUE_GAIN = 2.0
# The JSON-LD articleBody replaces the extracted text when it is this many times longer.
JSON_LD_GAIN = 2.0
_ARTICLE_TYPES = re.compile(r"article|posting|report|blog|news", re.IGNORECASE)


def installed_version(dist: str) -> str:
    """The installed version of ``dist``, or ``unknown`` (a checkout that was never installed)."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


# Recorded in every Article, so an output says which code produced it.
VERSIONS = {dist: installed_version(dist) for dist in ("scraper", "trafilatura", "selectolax")}

RulesArg = RuleBook | str | Path | Sequence[str | Path] | None


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _to_text(html: str | bytes | Page) -> tuple[str, bytes]:
    if isinstance(html, Page):
        return decode_html(html.body, _header(html.headers, "content-type"))[0], html.body
    if isinstance(html, bytes):
        return decode_html(html)[0], html
    if isinstance(html, str):
        return html, html.encode("utf-8", errors="surrogatepass")
    raise InputError(f"html must be str, bytes or a Page, not {type(html).__name__}")


_NON_LETTERS = re.compile(r"[\W_]+")


def _letters(text: str) -> int:
    """Letters and digits in ``text`` (a script-neutral size: CJK has no spaces between words)."""
    return len(_NON_LETTERS.sub("", text))


def _is_index_page(meta: Metadata, link_density: float, prose: int, letters: int) -> bool:
    """A page of links that does not call itself an article and has little prose or text."""
    if meta.page_type and _ARTICLE_TYPES.search(meta.page_type):
        return False
    if link_density < _INDEX_LINK_DENSITY:
        return False
    return prose < _INDEX_MAX_PROSE or letters < _INDEX_MAX_LETTERS


def clean(
    html: str | bytes | Page,
    url: str | None = None,
    *,
    rules: RulesArg = None,
    timeout: float | None = None,
    site_blocks: LearnedBlocks | None = None,
) -> Article:
    """Return the clean article of one page.

    ``html`` is the page as ``str``, raw ``bytes`` (decoded from BOM, ``<meta charset>``,
    else detected), or a fetched :class:`Page` (its ``Content-Type`` charset counts, and its
    final URL stands in for ``url``). ``url`` selects the site rule; without it the page's
    canonical URL is used.
    ``rules`` is a :class:`~scraper.rules.RuleBook`, or extra rule folders (a path or a list)
    layered on the shipped rules and ``$SCRAPER_RULES_DIR``; ``None`` means those two only.

    ``timeout`` (seconds) bounds the time spent on this page (see :mod:`scraper.timelimit`).
    ``site_blocks`` are blocks learned as boilerplate from other pages of the same site
    (:mod:`scraper.learn`); they are removed and recorded as ``detector:site-memory``.

    Raises :class:`NoArticleError` when the page holds no article (with ``.reason``),
    :class:`InputError` for input that is not a page, :class:`RuleError` for bad rule files,
    :class:`ExtractionTimeout` when the page took longer than ``timeout``.
    """
    if isinstance(html, Page) and url is None:
        url = html.final_url or html.url
    book = resolve_rules(rules)  # outside the limit: loading rules is not the page's fault
    with time_limit(timeout):
        return _clean(html, url, book, site_blocks)


@dataclass(frozen=True, slots=True)
class _Extraction:
    """What one pass of pruning and extraction found on a page."""

    text: str
    removals: tuple[Removal, ...]
    body_selector: str | None
    prose_chars: int


def _prune_and_extract(
    tree: LexborHTMLParser,
    rule_url: str | None,
    rules: list[SiteRule],
    *,
    detectors: bool,
    standfirst: str | None = None,
    page_text: str = "",
    site_blocks: LearnedBlocks | None = None,
) -> _Extraction:
    """Strip by rules (and detectors), then extract; ``tree`` has its noise dropped already.

    Without the detectors this is the rescue pass, run after the fast extraction fell short,
    so it goes straight to trafilatura's full extraction.
    """
    region = None
    page_prose = prose_chars(tree.body)
    if detectors:
        # Only the article's own container is cleaned and extracted when one holds nearly all
        # of the prose: the page around it never reaches trafilatura, so needs no detectors.
        region = main_region(tree, page_prose)
    root = region.node if region is not None else tree.body
    pruner = Pruner(root, standfirst=standfirst, page_text=page_text if region is None else "")
    apply_strip(pruner, rules)
    if detectors:
        if site_blocks is not None:
            site_blocks.remove_from(pruner)
        remove_boilerplate(pruner)
    if region is None:
        expected = prose_chars(tree.body)
    else:  # only the region was pruned: the rest of the page's prose is as it was
        expected = page_prose - region.prose + prose_chars(region.node)
    document, body_selector = extraction_html(tree, rules, region.node if region is not None else None)
    text, xpath_removals = extract_text(
        document, rule_url, rules, expected_chars=expected, fast_first=detectors
    )
    return _Extraction(text, (*pruner.removals, *xpath_removals), body_selector, expected)


def _clean(
    html: str | bytes | Page, url: str | None, book: RuleBook, site_blocks: LearnedBlocks | None = None
) -> Article:
    text_html, raw = _to_text(html)
    tree = LexborHTMLParser(text_html)
    if tree.body is None or not text_html.strip():
        raise NoArticleError("the page is empty", reason="empty")
    signals = pagekind.read_signals(tree, text_html)
    if signals.challenge is not None:
        raise NoArticleError(signals.challenge.message, reason=signals.challenge.reason)
    meta = extract_metadata(tree, url)
    rule_url = url or meta.canonical_url
    applicable = book.for_url(rule_url)
    drop_noise(tree)
    page_text = text_of(tree.body)
    if not page_text:  # an app shell or a challenge page may still say why
        verdict = pagekind.after_extraction(signals, "", 0) or pagekind.Verdict("empty", "the page is blank")
        raise NoArticleError(verdict.message, reason=verdict.reason)
    link_density = link_text_chars(tree.body) / len(page_text)

    warnings: list[str] = []
    found = _prune_and_extract(
        tree,
        rule_url,
        applicable,
        detectors=True,
        standfirst=meta.description,
        page_text=page_text,
        site_blocks=site_blocks,
    )
    if len(found.text) < RESCUE_SHARE * found.prose_chars:
        # trafilatura's choice of the main block is fragile: a removed header or byline can
        # make it miss a whole article. Then the page is extracted again without the detectors.
        fresh = LexborHTMLParser(text_html)
        drop_noise(fresh)
        plain = _prune_and_extract(fresh, rule_url, applicable, detectors=False)
        if len(plain.text) > RESCUE_GAIN * len(found.text):
            found = plain
            warnings.append("the extractor missed the article after boilerplate removal; used the page as is")
    if found.body_selector is None and any(rule.body for rule in applicable):
        warnings.append("the site rule's body selectors matched nothing; fell back to detection")
    lines, line_removals = filter_lines(found.text, applicable, header_lines=(meta.title,))

    text = "\n\n".join(lines)
    letters = _letters(text)
    if meta.json_ld_body and _letters(meta.json_ld_body) > JSON_LD_GAIN * letters:
        # The page's own structured data carries the article that its DOM does not show
        # (rendered by scripts, or cut by a paywall overlay).
        text = meta.json_ld_body.strip()
        letters = _letters(text)
        warnings.append("the page body held little of the article; used the JSON-LD articleBody")
    if (verdict := pagekind.after_extraction(signals, page_text, letters)) is not None:
        raise NoArticleError(verdict.message, reason=verdict.reason)
    if _is_index_page(meta, link_density, found.prose_chars, letters):
        raise NoArticleError(
            f"looks like an index page, not an article ({link_density:.0%} of its text is links)",
            reason="index-page",
        )
    if letters == 0:
        raise NoArticleError("no article text found on the page", reason="empty")
    if letters < MIN_ARTICLE_CHARS:
        raise NoArticleError(f"only {letters} letters of body text: not an article", reason="too-short")

    return Article(
        text=text,
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        sitename=meta.sitename,
        language=meta.language,
        description=meta.description,
        tags=meta.tags,
        url=url or meta.canonical_url,
        canonical_url=meta.canonical_url,
        image=meta.image,
        word_count=len(_WORD.findall(text)),
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        versions=dict(VERSIONS),
        removed=(*found.removals, *line_removals),
        warnings=tuple(warnings),
    )
