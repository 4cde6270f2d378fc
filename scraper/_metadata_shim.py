"""TEMPORARY stand-in for scraper/metadata.py while it is being written."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    image: str | None = None
    json_ld_body: str | None = None
    page_type: str | None = "article"


def extract_metadata(tree, url=None):
    h1 = tree.css_first("h1")
    canonical = tree.css_first("link[rel=canonical]")
    return Metadata(
        title=h1.text(strip=True) if h1 else None,
        canonical_url=canonical.attributes.get("href") if canonical else None,
    )
