"""Site rules against saved pages: which rules fail on which pages (``scraper rules check --pages``).

A rule's own ``[[test]]`` pages are the layout it was written for; a site's redesign shows on
the pages a crawl saves afterwards. Each page is cleaned as ``scraper clean`` would clean it, and
every page on which a rule's body selectors matched nothing, or far less text than the page
cleaned without the rule, is reported with the engine's own warning (see ``Article.failed_rules``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scraper.article import rule_failures
from scraper.errors import NoArticleError, ScraperError
from scraper.extract.engine import clean
from scraper.io.sources import InputItem
from scraper.rules.book import RuleBook

PAGE_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """One page on which one rule failed, and how."""

    rule: str
    page: str
    warning: str


@dataclass(slots=True)
class PagesCheck:
    """What the saved pages showed: per rule with a body, the pages it applied to and failed on."""

    pages: int = 0
    applied: dict[str, int] = field(default_factory=dict)
    failures: list[RuleFailure] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def failed(self, rule: str) -> int:
        return sum(1 for failure in self.failures if failure.rule == rule)


def check_pages(items: Sequence[InputItem], book: RuleBook) -> PagesCheck:
    """Clean every page with ``book``; count, per site rule with body selectors, the pages it
    applied to and the ones it failed on. Pages that cannot be read are listed, not fatal."""
    result = PagesCheck()
    for item in items:
        try:
            article = clean(item.read_page(), rules=book, timeout=PAGE_TIMEOUT)
        except NoArticleError as exc:
            article = exc.article
        except ScraperError as exc:
            result.unreadable.append(f"{item.label}: {exc}")
            continue
        result.pages += 1
        if article is None:
            continue
        for rule in book.for_url(article.url):
            if rule.body:
                result.applied[rule.label] = result.applied.get(rule.label, 0) + 1
        for label, warning in rule_failures(article):
            result.failures.append(RuleFailure(label, item.label, warning))
    return result
