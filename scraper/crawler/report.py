"""What one crawl run did: counts per host, the errors, the rule failures, its times.

The report is returned by :func:`scraper.crawl`, written as ``crawl-report.json`` beside the
output, and recorded with the run in the state; ``partial`` says some URLs failed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scraper.article import Article, rule_failures

# Why a run that ran out of max_seconds stopped (its report's ``stopped_early``).
STOPPED_AT_DEADLINE = "max_seconds reached; the remaining URLs stay due"


def site_key(url: str) -> str:
    """The report's key for a URL: its host, with the port when it is not the default."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


@dataclass(slots=True)
class HostCounts:
    """What one host gave in one run."""

    fetched: int = 0
    new: int = 0
    updated: int = 0  # articles written before whose text changed, written again
    deferred: int = 0  # AMP copies waiting for their canonical URL to be read first
    unchanged: int = 0
    duplicate: int = 0
    not_article: int = 0
    failed: int = 0
    gone: int = 0
    skipped_robots: int = 0
    paywalled: int = 0  # articles whose text is a paywall teaser (written, or skipped if asked)
    rule_failures: int = 0  # pages on which a site rule failed and generic cleaning stood in


@dataclass(slots=True)
class CrawlReport:
    """The outcome of one run: per-host counts, the errors, and the run's times."""

    run_id: int = 0
    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0
    discovered: int = 0
    hosts: dict[str, HostCounts] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stopped_early: str | None = None
    # Pages on which each site rule failed (see Article.failed_rules): a redesign shows here.
    rule_failures: dict[str, int] = field(default_factory=dict)
    # The feeds and sitemaps found for each ``--site`` (scraper.crawler.sites.Found.to_dict):
    # {"site", "url", "kind": "feed" | "sitemap", "via": "robots.txt" | "link" | "path"}.
    site_sources: list[dict[str, str]] = field(default_factory=list)

    def host(self, name: str) -> HostCounts:
        return self.hosts.setdefault(name, HostCounts())

    def note_flags(self, host: str, article: Article, *, written: bool) -> list[tuple[str, str]]:
        """Count a paywall teaser (of a page that gave one) and the site rules that failed on this
        page (refused or not: a redesign can leave a rule's page empty); return the failures."""
        counts = self.host(host)
        if article.paywalled and written:
            counts.paywalled += 1
        failures = rule_failures(article)
        for label, _ in failures:
            counts.rule_failures += 1
            self.rule_failures[label] = self.rule_failures.get(label, 0) + 1
        return failures

    @property
    def totals(self) -> HostCounts:
        total = HostCounts()
        for counts in self.hosts.values():
            for name, value in asdict(counts).items():
                setattr(total, name, getattr(total, name) + value)
        return total

    @property
    def partial(self) -> bool:
        """Some URLs failed (the command exits 1; a later run retries them)."""
        return self.totals.failed > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "discovered": self.discovered,
            "totals": asdict(self.totals),
            "hosts": {name: asdict(counts) for name, counts in sorted(self.hosts.items())},
            "errors": self.errors,
            "rule_failures": dict(sorted(self.rule_failures.items())),
            "site_sources": self.site_sources,
            "stopped_early": self.stopped_early,
            "partial": self.partial,
        }
