"""Page → Article: the one function every way in (library, CLI, crawler) goes through.

decode → parse (selectolax) → metadata → rules for the host → drop noise, strip, detect
boilerplate → extract main text (trafilatura; rescue pass if it lost the article; generic pass if
the site rule failed) → filter lines → JSON-LD body if the DOM showed little → the text's language
(:mod:`scraper.extract.language`) → the refusal policy on what was extracted
(:mod:`scraper.extract.pagekind`) → Article.
Pure: no disk writes, no network, no global state beyond caches; safe in many processes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from lxml import etree
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.article import Article, Page, Removal
from scraper.errors import InputError, NoArticleError
from scraper.extract import pagekind
from scraper.extract.bounds import bound_html
from scraper.extract.decode import decode_html
from scraper.extract.detectors import Pruner, remove_boilerplate, text_of
from scraper.extract.language import detect_language, disagreement, load_model
from scraper.extract.linefilter import filter_lines
from scraper.extract.maintext import extract_text
from scraper.extract.metadata import Metadata, extract_metadata
from scraper.extract.model import pages
from scraper.extract.model.lines import judge_lines
from scraper.extract.prose import prose_chars
from scraper.extract.prune import (
    above_headline,
    apply_strip,
    drop_noise,
    extraction_html,
    main_region,
    prose_container,
)
from scraper.extract.sitememory import LearnedBlocks, text_blocks
from scraper.extract.structure import read_blocks
from scraper.extract.timelimit import time_limit
from scraper.io.naming import link_site
from scraper.io.shipped import installed_version
from scraper.rules.book import RuleBook, SiteRule, resolve_rules

_WORD = re.compile(r"\w+")
# When the extraction holds less than this share of the page's prose (after trafilatura's own
# fallback), the page is extracted again without the detectors; that result is kept if it is
# this many times longer.
RESCUE_SHARE = 0.3
RESCUE_GAIN = 2.0
# The JSON-LD articleBody replaces the extracted text when it is this many times longer.
JSON_LD_GAIN = 2.0
# A site rule whose body holds less than this share of the page's prose is checked against the
# page cleaned without it; it fails if it holds less than this share of that text too.
RULE_MIN_SHARE = 0.5
_ARTICLE_TYPES = re.compile(r"article|posting|report|blog|news", re.IGNORECASE)


# Recorded in every Article, so an output says which code produced it.
VERSIONS = {dist: installed_version(dist) for dist in ("scraper", "trafilatura", "selectolax")}

RulesArg = RuleBook | str | Path | Sequence[str | Path] | None


def _to_text(html: str | bytes | Page) -> str:
    if isinstance(html, Page):
        return html.text
    if isinstance(html, bytes):
        return decode_html(html)[0]
    if isinstance(html, str):
        return html
    raise InputError(f"html must be str, bytes or a Page, not {type(html).__name__}")


def _source_sha256(html: str | bytes | Page) -> str:
    """The digest of the page as given: its bytes, or a ``str`` as UTF-8."""
    raw = html.body if isinstance(html, Page) else html
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", errors="surrogatepass")
    return hashlib.sha256(data).hexdigest()


def clean(
    html: str | bytes | Page,
    url: str | None = None,
    *,
    rules: RulesArg = None,
    timeout: float | None = None,
    site_blocks: LearnedBlocks | None = None,
    block_keys: set[str] | None = None,
    model: bool = True,
    links: bool = False,
    images: bool = False,
    blocks: bool = True,
    drop_flagged: bool = False,
) -> Article:
    """Return the clean article of one page.

    ``html`` is the page as ``str``, raw ``bytes`` (decoded from BOM, ``<meta charset>``,
    else detected), or a fetched :class:`Page` (its ``Content-Type`` charset counts, and its
    final URL stands in for ``url``). ``url`` selects the site rule; without it the page's
    canonical URL is used.
    ``rules`` is a :class:`~scraper.rules.RuleBook`, or extra rule folders (a path or a list)
    layered on the shipped rules and ``$SCRAPER_RULES_DIR``; ``None`` means those two only.

    ``timeout`` (seconds) bounds the time spent on this page (see :mod:`scraper.extract.timelimit`).
    ``site_blocks`` are blocks learned as boilerplate from other pages of the same site
    (:mod:`scraper.extract.sitememory`); they are removed and recorded as ``detector:site-memory``.
    ``block_keys``, when given, receives the keys of the page's text blocks (what the site memory
    learns from), read from the same parse.
    ``model=False`` turns the learned models off (:mod:`scraper.extract.model`): the detectors and
    rules alone decide. The line judge never cuts the text on its guess: it lists the lines it
    doubts in ``Article.flagged``; ``drop_flagged=True`` removes them instead (recorded as
    ``model:line`` removals with their probability), for callers that would rather lose such a
    line than keep a promo.
    ``blocks=False`` leaves ``Article.blocks`` empty (about 1.5 ms a page saved, for callers that
    use the text alone); ``links`` and ``images`` keep the article's links and images in its
    blocks (absolute URLs), never in its text.

    Raises :class:`NoArticleError` when the page holds no article (with ``.reason``),
    :class:`InputError` for input that is not a page, :class:`RuleError` for bad rule files,
    :class:`ExtractionTimeout` when the page took longer than ``timeout``.
    """
    _check_arguments(url, timeout)
    if isinstance(html, Page) and url is None:
        url = html.final_url or html.url
    book = resolve_rules(rules)  # outside the limit: loading rules is not the page's fault
    load_model()  # nor is reading the language model
    with time_limit(timeout):
        keep = Keep(links, images, blocks or links or images)
        return _clean(
            html, url, book, site_blocks, block_keys, model=model, keep=keep, drop_flagged=drop_flagged
        )


def _check_arguments(url: object, timeout: object) -> None:
    """A clear InputError for a wrong argument, not a TypeError from deep inside."""
    if url is not None and not isinstance(url, str):
        raise InputError(f"url must be a string or None, not {type(url).__name__} {url!r}")
    if timeout is not None:
        number = isinstance(timeout, int | float) and not isinstance(timeout, bool)
        if not number or not math.isfinite(timeout) or timeout < 0:  # type: ignore[arg-type]
            raise InputError(f"timeout must be None (no limit) or seconds, 0 or more, not {timeout!r}")


@dataclass(frozen=True, slots=True)
class _Extraction:
    """What one pass of pruning and extraction found on a page."""

    text: str
    removals: tuple[Removal, ...]
    body_selector: str | None
    prose_chars: int
    root: LexborNode | None = None  # the pruned tree the text came from
    body: etree._Element | None = None  # trafilatura's XML body the text was made from


@dataclass(frozen=True, slots=True)
class Keep:
    """What the article keeps beyond its text: its blocks (on by default), their links and images
    (off by default: they change what trafilatura keeps, slightly, and most users want the text)."""

    links: bool = False
    images: bool = False
    blocks: bool = True


def _prune_and_extract(
    tree: LexborHTMLParser,
    rule_url: str | None,
    rules: list[SiteRule],
    *,
    detectors: bool,
    standfirst: str | None = None,
    page_text: str = "",
    site_blocks: LearnedBlocks | None = None,
    keep: Keep = Keep(),
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
        region = main_region(tree, page_prose) or prose_container(tree, page_prose)
    root = region.node if region is not None else tree.body
    pruner = Pruner(
        root,
        standfirst=standfirst,
        page_text=page_text if region is None else "",
        site=link_site(rule_url) if rule_url else "",
    )
    apply_strip(pruner, rules)
    if region is not None:
        pruner.remove_all(above_headline(region), by="detector:above-headline")
    if detectors:
        if site_blocks is not None:
            site_blocks.remove_from(pruner)
        remove_boilerplate(pruner)
    expected = page_prose - pruner.removed_prose
    document, body_selector = extraction_html(tree, rules, region)
    main, xpath_removals = extract_text(
        document,
        rule_url,
        rules,
        expected_chars=expected,
        fast_first=detectors,
        links=keep.links,
        images=keep.images,
    )
    removals = (*pruner.removals, *xpath_removals)
    return _Extraction(main.text, removals, body_selector, expected, root, main.body)


def _clean(
    html: str | bytes | Page,
    url: str | None,
    book: RuleBook,
    site_blocks: LearnedBlocks | None = None,
    block_keys: set[str] | None = None,
    *,
    model: bool = True,
    keep: Keep = Keep(),
    drop_flagged: bool = False,
) -> Article:
    bounded = bound_html(_to_text(html))  # before any parser: see scraper.extract.bounds
    text_html = bounded.html
    tree = LexborHTMLParser(text_html)
    if tree.body is None or not text_html.strip():
        raise NoArticleError("the page is empty", reason="empty")
    signals = pagekind.read_signals(tree, text_html)
    markup = pages.read_markup(tree) if model else None  # before drop_noise takes forms and asides
    meta = extract_metadata(tree, url)
    rule_url = url or meta.canonical_url
    applicable = book.for_url(rule_url)
    drop_noise(tree)
    if block_keys is not None:
        block_keys.update(key for _, key in text_blocks(tree.body))
    page_text = text_of(tree.body)
    links = pagekind.read_links(tree.body, page_text)

    warnings: list[str] = list(bounded.trimmed)
    failed_rules: list[str] = []
    found = _Extraction("", (), None, 0)
    if page_text:  # a blank page goes straight to the verdict, which says why it is blank
        found = _prune_and_extract(
            tree,
            rule_url,
            applicable,
            detectors=True,
            standfirst=meta.description,
            page_text=page_text,
            site_blocks=site_blocks,
            keep=keep,
        )
        if len(found.text) < RESCUE_SHARE * found.prose_chars:
            # trafilatura's choice of the main block is fragile: a removed header or byline can
            # make it miss a whole article. Then the page is extracted again without the detectors.
            plain = _prune_and_extract(
                _fresh_tree(text_html), rule_url, applicable, detectors=False, keep=keep
            )
            if len(plain.text) > RESCUE_GAIN * len(found.text):
                found = plain
                warnings.append(
                    "the extractor missed the article after boilerplate removal; used the page as is"
                )
        found = _fail_safe(found, text_html, rule_url, applicable, site_blocks, warnings, failed_rules, keep)
    lines, line_removals = filter_lines(found.text, applicable, header_lines=(meta.title,))
    judged = judge_lines(
        lines, links, found.root, warnings, page_chars=len(page_text), apply=model, drop_flagged=drop_flagged
    )
    lines, flagged = judged.lines, judged.flagged

    text = "\n\n".join(lines)
    body = found.body
    units = pagekind.text_units(text)
    if meta.json_ld_body and pagekind.text_units(meta.json_ld_body) > JSON_LD_GAIN * units:
        # The page's own structured data carries the article that its DOM does not show
        # (rendered by scripts, or cut by a paywall overlay).
        text = meta.json_ld_body.strip()
        lines = [line for line in text.splitlines() if line.strip()]
        body = None  # the structure is the JSON-LD's paragraphs
        flagged = []  # lines of a text no longer given
        units = pagekind.text_units(text)
        warnings.append("the page body held little of the article; used the JSON-LD articleBody")
    paywalled = pagekind.is_paywalled(meta.free, page_text, units)
    removed = (*found.removals, *line_removals, *judged.removed)
    detected = detect_language(text)  # the final text: what the outputs carry
    if (conflict := disagreement(meta.language, detected)) is not None:
        warnings.append(conflict)
    article = replace(
        _article(meta, url, text, _source_sha256(html), removed, warnings),
        paywalled=paywalled,
        flagged=tuple(flagged),
        failed_rules=tuple(failed_rules),
        blocks=read_blocks(body, lines, base_url=url or meta.canonical_url, with_links=keep.links)
        if keep.blocks
        else (),
        detected_language=detected.language if detected else None,
        detected_language_probability=detected.probability if detected else None,
    )
    says_article = bool(meta.page_type and _ARTICLE_TYPES.search(meta.page_type))
    verdict = pagekind.judge(
        signals, lines, page_text, links, says_article=says_article, paywalled=paywalled, units=units
    )
    if markup is not None:
        row = pages.page_features(
            url=url,
            meta=meta,
            signals=signals,
            markup=markup,
            page_text=page_text,
            links=links,
            lines=lines,
            units=units,
            says_article=says_article,
            paywalled=paywalled,
        )
        kind = pages.classify_page(row)
        article = replace(article, page_kind=kind.label, page_kind_probability=kind.probability)
        verdict = verdict or pages.verdict(kind, row)
    if verdict is not None:
        if not says_article:
            # A section or index page of a site has no article for the rule's body selectors to
            # find: that is no failure of the rule. An article page left empty by one is.
            article = replace(article, failed_rules=())
        raise NoArticleError(verdict.message, reason=verdict.reason, article=article)
    return article


def _fresh_tree(text_html: str) -> LexborHTMLParser:
    """The page parsed again, noise dropped: for a second pass after the first was pruned."""
    tree = LexborHTMLParser(text_html)
    drop_noise(tree)
    return tree


def _fail_safe(
    found: _Extraction,
    text_html: str,
    rule_url: str | None,
    rules: list[SiteRule],
    site_blocks: LearnedBlocks | None,
    warnings: list[str],
    failed_rules: list[str],
    keep: Keep,
) -> _Extraction:
    """The generic path's text when the site rule's body selectors failed on this page.

    Every rule meets a redesign one day. A rule whose body selectors match nothing has already
    been passed over (the page was cleaned by detection). One whose body yields less than half
    of the page's prose is checked against the page cleaned with the same rules but no body
    selectors: it loses if its text is no article's size, or if it holds less than half of that
    text and most of its lines are not in it (it picked the wrong element). A body that is a
    narrow part of the generic text (the article without its comments) is the rule doing its job.
    Either way a failure is recorded, so a broken rule is noticed.
    """
    with_body = [rule for rule in rules if rule.body]
    if not with_body:
        return found
    failed = with_body[-1]  # the most specific rule with a body: the one whose selectors were tried
    if found.body_selector is None:
        failed_rules.append(failed.label)
        warnings.append(
            f"site rule {failed.label} failed: its body selectors matched no element with text;"
            " cleaned generically"
        )
        return found
    if len(found.text) >= RULE_MIN_SHARE * found.prose_chars:
        return found
    bodiless = [replace(rule, body=()) for rule in rules]
    plain = _prune_and_extract(
        _fresh_tree(text_html),
        rule_url,
        bodiless,
        detectors=True,
        page_text="",
        site_blocks=site_blocks,
        keep=keep,
    )
    if not _rule_lost(found.text, plain.text):
        return found
    failed_rules.append(failed.label)
    warnings.append(
        f"site rule {failed.label} failed: its body selector {found.body_selector!r} gave"
        f" {len(found.text)} characters, the page cleaned without it {len(plain.text)};"
        " cleaned generically"
    )
    return plain


def _rule_lost(rule_text: str, generic_text: str) -> bool:
    """The rule's body text is no article (too short), or far shorter than and mostly apart from
    the generic text (the wrong element)."""
    if pagekind.text_units(rule_text) < pagekind.MIN_ARTICLE_UNITS:
        return pagekind.text_units(generic_text) >= pagekind.MIN_ARTICLE_UNITS
    if len(rule_text) >= RULE_MIN_SHARE * len(generic_text):
        return False
    lines = [line for line in rule_text.splitlines() if line.strip()]
    shared = sum(1 for line in lines if line in generic_text)
    return shared < RULE_MIN_SHARE * len(lines)


# The Metadata fields an Article carries as they are (every field the two share by name).
_CARRIED = tuple(f.name for f in fields(Metadata) if f.name in {g.name for g in fields(Article)})


def _article(
    meta: Metadata,
    url: str | None,
    text: str,
    source_sha256: str,
    removed: tuple[Removal, ...],
    warnings: list[str],
) -> Article:
    return Article(
        text=text,
        **{name: getattr(meta, name) for name in _CARRIED},
        url=url or meta.canonical_url,
        word_count=len(_WORD.findall(text)),
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_sha256=source_sha256,
        versions=dict(VERSIONS),
        removed=removed,
        warnings=tuple(warnings),
    )
