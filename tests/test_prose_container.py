"""A page that marks no article container (generated classes, no <article>, <main> or itemprop):
the engine finds the element that holds the headline and the prose, hands it to trafilatura as an
<article> (so the article's own headings and lists are kept), and drops what that element holds
above the headline without prose (skip links, the site's tagline and menu).

The pages are written here.
"""

from __future__ import annotations

import scraper
from scraper.extract.prune import CONTAINER_MAX_LINK_SHARE

PARAGRAPHS = [
    "The county's new library opened on Saturday after three years of building work, with a children's"
    " wing, a makerspace and a reading room that looks out over the river.",
    "Librarians said more than two thousand people came through the doors on the first day, many of them"
    " signing up for a card for the first time since the old branch closed.",
    "The building cost eleven million dollars, most of it from a bond that voters approved in 2021 after"
    " two earlier attempts failed by a few hundred votes.",
]


def page(*, menu_links: int = 3) -> str:
    menu = "".join(f'<a class="css-k{i}" href="/s{i}">Section {i}</a> ' for i in range(menu_links))
    body = "".join(f'<p class="css-p1q2">{text}</p>' for text in PARAGRAPHS)
    return (
        '<html lang="en"><head><title>Library opens | The Valley Courier</title></head><body>'
        '<div class="css-1a2b3c">'
        '<a class="css-skip" href="#content">Skip to Content</a>'
        '<div class="css-4d5e6f">Your trusted source for valley news since 1921</div>'
        f'<div class="css-7g8h9i">{menu}</div>'
        '<h1 class="css-3m4n5o">New county library opens its doors</h1>'
        f'<div class="css-6p7q8r">{body}'
        '<h2 class="css-9s0t1u">What is inside</h2>'
        "<ul><li>A children's wing with its own story room</li><li>A makerspace with 3D printers</li>"
        "<li>A quiet reading room over the river</li></ul>"
        f"<p>{PARAGRAPHS[0].replace('county', 'town')}</p></div>"
        "</div></body></html>"
    )


def test_the_articles_headings_and_lists_are_kept_without_an_article_element() -> None:
    article = scraper.clean(page(), url="https://valleycourier.example/news/library-opens")
    assert "What is inside" in article.text
    assert "A makerspace with 3D printers" in article.text
    assert [block.type for block in article.blocks].count("list") == 1
    assert {"type": "heading", "text": "What is inside", "level": 2} in [b.to_dict() for b in article.blocks]


def test_what_the_container_holds_above_the_headline_without_prose_is_dropped() -> None:
    article = scraper.clean(page(), url="https://valleycourier.example/news/library-opens")
    for chrome in ("Skip to Content", "Your trusted source for valley news", "Section 1"):
        assert chrome not in article.text
    assert any(r.by == "detector:above-headline" for r in article.removed)
    assert PARAGRAPHS[0] in article.text


def test_a_container_that_is_mostly_links_is_not_taken_for_the_article() -> None:
    # The wrapper's menus outweigh its text: handing it over whole would keep them.
    many = page(menu_links=200)
    article = scraper.clean(many, url="https://valleycourier.example/news/library-opens")
    assert not any(r.by == "detector:above-headline" for r in article.removed)
    assert PARAGRAPHS[1] in article.text
    assert CONTAINER_MAX_LINK_SHARE == 0.2
