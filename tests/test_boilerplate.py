"""Generic boilerplate detection through scraper.clean, on pages with generated class names.

Each test page holds five real paragraphs and one kind of boilerplate placed where it defeats
extractors: inside the article's own container. The paragraphs must all survive, the
boilerplate must go, and Article.removed must name the detector that took it.
"""

from __future__ import annotations

import pytest

import scraper
from scraper.rules.book import load_rules

PARAGRAPHS = [
    "The council approved the new cycle lanes on Thursday after a debate that lasted most of the evening.",
    "Supporters said the lanes would make the school run safer for the hundreds of children who cycle daily.",
    "Shop owners on the high street worried that losing parking spaces would drive customers to the retail park.",
    "A compromise keeps loading bays open before ten in the morning and after four in the afternoon.",
    "Work on the first stretch is due to begin in March and should be finished before the summer holidays.",
]
GENERIC = load_rules(sites=False)


def page(boilerplate: str, *, after: int = 2, tail: str = "") -> str:
    body = []
    for index, text in enumerate(PARAGRAPHS):
        body.append(f'<p class="css-1q2w3e">{text}</p>')
        if index == after:
            body.append(boilerplate)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cycle lanes approved</title>'
        '<meta property="og:type" content="article"></head><body><div class="sc-a1b2c3">'
        '<article class="css-9z8y7x"><h1 class="css-h1x">Cycle lanes approved</h1>'
        f'<div class="css-4r5t6y">{"".join(body)}</div>{tail}</article></div></body></html>'
    )


def clean(html: str) -> scraper.Article:
    return scraper.clean(html, url="https://town.example/news/cycle-lanes", rules=GENERIC)


def assert_clean(article: scraper.Article, leaked: list[str], detector: str) -> None:
    assert article.text.split("\n\n") == PARAGRAPHS
    for snippet in leaked:
        assert snippet not in article.text
    assert detector in {r.by for r in article.removed}, [r.by for r in article.removed]


def test_newsletter_box_with_email_field() -> None:
    box = (
        '<div class="css-nl1"><p class="css-k1">The Daily Town</p>'
        '<h3 class="css-k2">Get the Daily Town newsletter</h3>'
        '<p class="css-k3">Local news you can trust, delivered to your inbox every morning.</p>'
        '<form class="css-f1"><input type="email" placeholder="Your email address">'
        '<button class="css-b1">Sign me up</button></form></div>'
    )
    assert_clean(clean(page(box)), ["Daily Town", "inbox"], "detector:signup-form")


def test_subscribe_promo_without_a_form() -> None:
    box = (
        '<div class="css-p9"><p class="css-p8">Enjoying our journalism? Support local reporting '
        'for less than a coffee a week.</p><a class="css-p7" href="/subscribe">Subscribe</a></div>'
    )
    assert_clean(clean(page(box)), ["Enjoying our journalism"], "detector:signup-button")


def test_share_bar() -> None:
    bar = (
        '<div class="css-s1"><span>Share this article</span>'
        '<a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a>'
        '<a href="https://twitter.com/intent/tweet?url=x">X</a>'
        '<a href="mailto:?subject=Cycle%20lanes">Email</a></div>'
    )
    assert_clean(clean(page(bar, after=0)), ["Share this article", "Facebook"], "detector:share-bar")


def test_story_list_inside_the_article() -> None:
    items = "".join(
        f'<li class="css-li"><a href="/news/story-{i}"><span class="css-k">In Depth</span>'
        f"Headline about another town matter number {i}<span>Teaser for the story</span></a></li>"
        for i in range(6)
    )
    tail = f'<ul class="css-ul">{items}</ul>'
    assert_clean(clean(page("", tail=tail)), ["Headline about another", "In Depth"], "detector:story-list")


def test_a_link_list_to_other_sites_is_the_articles_own() -> None:
    # Built as a changelog page is: a list of links to the changes, closing a section (a heading,
    # not prose, follows it). As above, but its links lead to another site: nothing of it may go.
    items = "".join(
        f'<li class="css-li"><p><a href="https://git.example.org/project/pulls/{i}">parser: fix the'
        f" handling of nested quotes inside attribute values, case {i}</a></p></li>"
        for i in range(6)
    )
    section = (
        '<p class="css-1q2w3e">Several fixes were sent for review:</p>'
        f'<div class="css-ul"><ul>{items}</ul></div><h2 class="css-h2">What comes next</h2>'
    )
    article = clean(page(section, after=2))
    assert all(f"attribute values, case {i}" in article.text for i in range(6))
    assert "detector:story-list" not in {r.by for r in article.removed}


def test_prose_after_a_related_heading_is_never_cut() -> None:
    # A "Latest News" line in the second half of the text, some short lines, then more of the
    # article: the text must not be cut at the heading.
    late = (
        "The council will review the lanes after a year, counting cyclists at six points along the"
        " route and asking shop owners whether their takings have changed since the work began,"
        " before deciding whether the scheme should be extended to the roads around the station."
    )
    shorts = "".join(f'<p class="css-s">Town briefing item number {i}</p>' for i in range(6))
    tail = f'<p class="css-l">Latest News</p>{shorts}<p class="css-1q2w3e">{late}</p>'
    article = clean(page("", tail=tail))
    assert late in article.text
    assert all(paragraph in article.text for paragraph in PARAGRAPHS)
    assert "detector:related-heading" not in {r.by for r in article.removed}


def test_card_grid_after_the_body() -> None:
    cards = "".join(
        f'<div class="css-card"><a href="/news/{i}"><img src="/i/{i}.jpg" alt="">'
        f'<h3 class="css-ch">Another story headline {i}</h3></a><span class="css-t">3 min read</span></div>'
        for i in range(4)
    )
    tail = f'<div class="css-grid">{cards}</div>'
    assert_clean(clean(page("", tail=tail)), ["Another story headline"], "detector:card-grid")


@pytest.mark.parametrize(
    "heading",
    [
        "Related stories",
        "More from Town News",
        "Mehr zum Thema",
        "Lire aussi",
        "Up next",
        "Around the web",
        "Weiterführende Links",
        "À lire également",
        "Te recomendamos",
        "Articoli correlati",
    ],
)
def test_related_heading_and_its_links(heading: str) -> None:
    block = (
        f'<div class="css-r1"><h2 class="css-r2">{heading}</h2>'
        '<div class="css-r3"><a href="/a">Bridge closure extended</a></div>'
        '<div class="css-r3"><a href="/b">Library hours change</a></div></div>'
    )
    assert_clean(clean(page("", tail=block)), [heading, "Bridge closure"], "detector:related-section")


def test_ad_labels_between_paragraphs() -> None:
    slot = '<div class="css-ad"><span class="css-adl">Advertisement</span><div id="slot-1"></div></div>'
    assert_clean(clean(page(slot)), ["Advertisement"], "detector:ad-label")


def test_cookie_banner() -> None:
    banner = (
        '<div class="css-c1"><p>We use cookies to improve your experience. By continuing you agree to '
        "our cookie policy.</p><button>Accept all</button><button>Settings</button></div>"
    )
    # Inside the article's own container, where overlays injected by consent scripts end up.
    assert_clean(clean(page(banner, after=4)), ["We use cookies", "Accept all"], "detector:cookie-notice")


def test_author_bio_box() -> None:
    bio = (
        '<div class="css-bio"><img src="/a.jpg" alt=""><a href="/author/jane-roe">Jane Roe</a>'
        "<p>Jane Roe is a local government reporter covering transport and planning.</p></div>"
    )
    article = clean(page("", after=4, tail=bio))
    assert_clean(article, ["Jane Roe is a local"], "detector:author-bio")


def test_repeated_promo_line_kept_once_and_title_line_dropped() -> None:
    line = "A free weekly briefing on the decisions shaping your town and your street."
    promo = f'<p class="css-q">{line}</p><p class="css-r">Meanwhile, in other news.</p><p class="css-q2">{line}</p>'
    article = clean(page(promo, after=3))
    lines = article.text.split("\n\n")
    assert lines.count("A free weekly briefing on the decisions shaping your town and your street.") == 1
    assert "detector:repeated-line" in {r.by for r in article.removed}
    assert "Cycle lanes approved" not in article.text


def test_table_of_contents_is_not_taken_for_a_story_list() -> None:
    toc = (
        '<ul class="css-toc"><li><a href="#one">Why the lanes were proposed</a></li>'
        '<li><a href="#two">What shop owners said about it</a></li>'
        '<li><a href="#three">When the work will start and end</a></li></ul>'
    )
    article = clean(page(toc, after=0))
    assert not {"detector:story-list", "detector:card-grid"} & {r.by for r in article.removed}


def test_article_of_short_paragraphs_survives_an_inline_promo() -> None:
    short = [f"Short paragraph number {i} of a brief news item." for i in range(6)]
    body = "".join(f"<p>{text}</p>" for text in short)
    promo = '<div><h3>Sign up for our newsletter</h3><form><input type="email"><button>Sign up</button></form></div>'
    html = f"<html><body><article><div class='x'>{body}{promo}</div></article></body></html>"
    article = scraper.clean(html, rules=GENERIC)
    assert article.text.split("\n\n") == short


def test_articles_appended_below_by_infinite_scroll_are_removed_even_when_larger() -> None:
    appended = "".join(
        f'<article class="css-n{i}"><h1>Next story {i}</h1>'
        + "".join(f"<p>Appended story {i} paragraph {j} with enough words to be prose.</p>" for j in range(12))
        + "</article>"
        for i in range(3)
    )
    html = page("").replace("</div></body>", appended + "</div></body>")
    article = clean(html)
    assert article.text.split("\n\n") == PARAGRAPHS
    assert "detector:next-article" in {r.by for r in article.removed}


@pytest.mark.parametrize(
    "promo",
    [
        "<p class='css-p1'>Follow us on WhatsApp for the latest local news.</p>",
        "<p class='css-p1'>To sign up for our weekly briefing and support local reporting, click "
        "<a href='/subscribe'>here</a>.</p>",
        "<p class='css-p1'><em>Got a story? Get in touch with our news team by emailing "
        "news@town.example.</em></p>",
    ],
)
def test_promo_paragraphs_inside_the_article(promo: str) -> None:
    assert_clean(clean(page(promo)), ["WhatsApp", "weekly briefing", "news team"], "detector:promo-paragraph")


WARM_UP = "Warm up: ten to twenty minutes of easy jogging, then five short strides"
COOL_DOWN = "Cool down: ten minutes of easy jogging and some gentle stretching afterwards"


def _week(number: int) -> str:
    session = f"Main set for week {number}: {number + 3} times four hundred metres at race pace"
    return (
        f'<h3 class="css-wk">Week {number}</h3><ul class="css-pl">'
        f"<li>{WARM_UP}</li><li>{session}</li><li>{COOL_DOWN}</li></ul>"
    )


def test_a_list_item_the_plan_repeats_every_week_is_kept_every_week() -> None:
    weeks = "".join(_week(number) for number in range(1, 5))
    article = clean(page(weeks, after=2))
    lines = article.text.split("\n\n")
    assert lines.count(f"- {WARM_UP}") == 4 and lines.count(f"- {COOL_DOWN}") == 4
    assert "detector:repeated-line" not in {r.by for r in article.removed}


def test_a_list_the_text_holds_twice_comes_out_once() -> None:
    # The copy's items repeat with their neighbours (a run), in any letter case; rows repeated side by
    # side are the table's own, and a long caption line with a "|" is no table row.
    from scraper.extract.linefilter import filter_lines

    first = "- Step one: warm up for ten minutes with easy jogging on the track"
    second = "- Step two: run four times four hundred metres at race pace today"
    row = "| Monday | Easy run of forty minutes in zone two with strides |"
    caption = "Cyclists on the high street on Thursday morning, the first day | Town News"
    text = "\n\n".join(
        ["Intro", first, second, "Middle", first.upper(), second.upper(), row, row, row, caption, "End", caption]
    )
    kept, removals = filter_lines(text, [])
    assert kept == ["Intro", first, second, "Middle", row, row, row, caption, "End"]
    assert [r.by for r in removals] == ["detector:repeated-line"] * 3


def test_a_bold_line_about_subscribers_inside_a_newsletters_story_is_kept() -> None:
    # A newsletter writing about its own audience: a bold finding between its paragraphs holds a
    # promo word ("subscribers") and is the story, not an ask.
    finding = (
        '<p class="css-b1"><strong>Most of my subscribers now read every single issue.</strong></p>'
        '<p class="css-1q2w3e">That surprised me, because a year ago fewer than half of them read past'
        " the first story at all, and most of those who did stopped long before they reached the end.</p>"
    )
    article = clean(page(finding, after=1))
    assert "Most of my subscribers now read every single issue." in article.text
    assert "detector:promo-paragraph" not in {r.by for r in article.removed}


def test_a_bold_ask_at_the_end_still_goes() -> None:
    ask = '<p class="css-b1"><strong>Subscribe to our newsletter for more stories like this.</strong></p>'
    article = clean(page("", tail=ask))
    assert "Subscribe to our newsletter" not in article.text
    assert "detector:promo-paragraph" in {r.by for r in article.removed}


@pytest.mark.parametrize(
    ("widget", "label"),
    [
        (
            '<div class="css-w1"><span class="css-w2">Font size options</span>'
            '<button class="css-w3">A-</button><button class="css-w3">A+</button></div>',
            "Font size options",
        ),
        (
            '<div class="css-w1"><p class="css-w2">Was this page helpful?</p>'
            '<button class="css-w3">Yes</button><button class="css-w3">No</button></div>',
            "Was this page helpful?",
        ),
        (
            '<div class="css-w1">Listen to this article <button class="css-w3" aria-label="Play">Play</button>'
            '<select class="css-w4"><option>1x</option><option>1.5x</option></select></div>',
            "Listen to this article",
        ),
    ],
)
def test_a_row_of_controls_and_its_label_goes_whatever_its_words(widget: str, label: str) -> None:
    assert_clean(clean(page(widget, after=0)), [label], "detector:control-row")


def test_a_paragraph_beside_a_button_is_not_a_widget() -> None:
    # A code sample's "Copy" and "Run" buttons sit beside article text: that text is no label.
    sample = (
        '<div class="css-c1"><p class="css-1q2w3e">The council published the counting script it will use,'
        " so that anyone can check the figures against the raw data from the six counting points.</p>"
        '<button class="css-c2">Copy</button><button class="css-c2">Run</button></div>'
    )
    article = clean(page(sample, after=1))
    assert "The council published the counting script it will use" in article.text
    assert "detector:control-row" not in {r.by for r in article.removed}


@pytest.mark.parametrize(
    "content",
    [
        '<h2 class="css-h">What happens at the station <button class="css-a">#</button>'
        '<button class="css-a">Collapse</button></h2>',
        '<ul class="css-d">'
        + "".join(
            f'<li>Consultation report, part {n} <button class="css-a">Download</button>'
            '<button class="css-a">Preview</button></li>'
            for n in (1, 2, 3)
        )
        + "</ul>",
    ],
)
def test_a_heading_or_list_item_beside_buttons_is_content(content: str) -> None:
    article = clean(page(content, after=1))
    assert "detector:control-row" not in {r.by for r in article.removed}


def test_malformed_links_in_a_story_list_do_not_stop_the_page() -> None:
    items = "".join(
        f'<li class="css-li"><a href="{href}">Headline about another town matter number {i}</a></li>'
        for i, href in enumerate(["http://[::1/x", "https://town.example:80o/x", "/news/2", "/news/3"])
    )
    article = scraper.clean(page("", tail=f'<ul class="css-ul">{items}</ul>'), url="https://town.example:8o/a")
    assert article.text.split("\n\n") == PARAGRAPHS


def test_a_later_related_heading_still_cuts_its_headline_list() -> None:
    # "Latest news" with prose after it cuts nothing; the "More stories" list after the prose goes.
    from scraper.extract.linefilter import filter_lines

    prose = [p + " " + p for p in PARAGRAPHS]  # over 200 characters: paragraphs of prose
    headlines = [f"Headline about another town matter number {i}" for i in range(4)]
    late = "After the vote, " + prose[0]  # more of the article, after the first heading
    text = "\n\n".join([*prose, "Latest news", late, "More stories", *headlines])
    kept, removals = filter_lines(text, [])
    assert kept == [*prose, "Latest news", late]
    assert [r.by for r in removals] == ["detector:related-heading"]


def test_the_title_with_a_kicker_before_it_is_dropped_as_the_header() -> None:
    from scraper.extract.linefilter import filter_lines

    text = "Exclusive: Honey Muffins\nMix the flour with the yeast and the warm milk, then knead it well."
    kept, removals = filter_lines(text, [], header_lines=("Honey Muffins",))
    assert kept == ["Mix the flour with the yeast and the warm milk, then knead it well."]
    assert [r.by for r in removals] == ["detector:header-line"]


def test_a_line_that_runs_into_the_title_as_a_phrase_is_article_text() -> None:
    # The heading of a recipe's ingredients ends with the recipe's name: it opens in lower case,
    # as no kicker does, so it stays.
    from scraper.extract.linefilter import filter_lines

    text = "für das Rezept Honig-Muffins\n250 g Mehl\nDas Mehl mit der Hefe und der warmen Milch verkneten."
    kept, removals = filter_lines(text, [], header_lines=("Honig-Muffins",))
    assert kept[0] == "für das Rezept Honig-Muffins"
    assert not [r for r in removals if r.by == "detector:header-line"]
