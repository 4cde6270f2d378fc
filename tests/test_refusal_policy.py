"""The refusal policy: a page is refused only when there is nothing of an article to give.

Each test builds a small page that sits on one side of a line the policy draws (CJK text counted
fairly, link-heavy chrome around a short brief, a wall beside a short article, a paywall prompt
beside a long free article) and checks the verdict through ``scraper.clean``, the
``scraper clean`` command and ``scraper.crawl``. No network: crawls go to a local server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import crawl_config, make_article_html
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, rss
from selectolax.lexbor import LexborHTMLParser

import scraper
from scraper.article import Article
from scraper.cli.main import main
from scraper.crawler.config import CrawlConfig, build_config
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.extract.pagekind import text_units

URL = "https://gazette.example/news/story"


def page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body>{body}</body></html>"
    )


def refused(html: str | bytes, url: str | None = URL) -> scraper.NoArticleError:
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html, url=url)
    return caught.value


def returned(html: str, url: str = URL) -> Article:
    try:
        return scraper.clean(html, url=url)
    except scraper.NoArticleError as exc:
        pytest.fail(f"refused ({exc.reason}): {exc}")


def squash(text: str) -> str:
    return " ".join(text.split())


def link_share(html: str) -> float:
    """Share of the page's text (outside <nav>, which the engine drops first) inside links."""
    tree = LexborHTMLParser(html)
    for node in tree.css("nav, script, style"):
        node.decompose()
    assert tree.body is not None
    text = tree.body.text(deep=True, separator=" ", strip=True)
    linked = sum(len(a.text(deep=True, separator=" ", strip=True)) for a in tree.css("a"))
    return linked / len(text)


def json_ld(data: dict[str, object]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# -- NoArticleError.article ---------------------------------------------------------------------------

PAYWALL_ONLY = page(
    "Council votes on ferry terminal | Gazette",
    '<header><a href="/">Gazette</a></header>'
    "<article><h1>Council votes on ferry terminal</h1>"
    "<div><h3>Subscribe to continue reading</h3><p>Already a subscriber? Log in</p></div></article>",
)


def test_a_paywall_with_no_teaser_is_refused_but_carries_what_was_read() -> None:
    error = refused(PAYWALL_ONLY)
    assert error.reason == "paywall"
    article = error.article
    assert isinstance(article, Article)
    assert article.title == "Council votes on ferry terminal"
    assert article.paywalled is True
    assert article.url == URL
    assert "Subscribe to continue reading" not in article.text


def test_a_blank_page_is_refused_as_empty_with_an_empty_article() -> None:
    """A parsed but blank page: the metadata step ran (nothing in it) and no text was found."""
    error = refused("<html><body></body></html>")
    assert error.reason == "empty"
    assert isinstance(error.article, Article)
    assert error.article.text == "" and error.article.title is None
    assert error.article.word_count == 0 and error.article.paywalled is False


def test_a_blank_body_refusal_carries_the_metadata_of_the_head() -> None:
    html = (
        "<html><head><title>Council meeting postponed</title>"
        '<link rel="canonical" href="https://gazette.example/council"></head><body></body></html>'
    )
    error = refused(html, url=None)
    assert error.reason == "empty"
    assert error.article is not None and error.article.text == ""
    assert error.article.title == "Council meeting postponed"
    assert error.article.canonical_url == "https://gazette.example/council"


@pytest.mark.parametrize(
    "html", ["", "   \n\t", b"\x00\x01\x02binary\xff\xfe"], ids=["empty", "blank", "binary"]
)
def test_input_with_nothing_to_read_is_refused_with_no_article(html: str | bytes) -> None:
    """Nothing could be read at all: the documented ``article`` is None."""
    error = refused(html)
    assert error.reason == ("binary" if isinstance(html, bytes) else "empty")
    assert error.article is None


def test_an_index_page_refusal_still_carries_its_extracted_text() -> None:
    error = refused(INDEX_PAGE, url="https://gazette.example/news/")
    assert error.reason == "index-page"
    assert error.article is not None
    assert HEADLINES[0] in error.article.text


# -- script-neutral size ------------------------------------------------------------------------------


def test_text_units_count_letters_and_digits_and_cjk_three_times() -> None:
    assert text_units("") == 0
    assert text_units("Hello, world! 42") == 12  # punctuation and spaces are not counted
    assert text_units("図書館") == 9
    assert text_units("ひらがな カタカナ") == 24  # kana count as CJK too
    assert text_units("한국어") == 9
    assert text_units("北浜市は、十二日。") == 7 * 3  # CJK punctuation is not a letter
    assert text_units("図書館 library 2024") == 9 + 7 + 4


JA_LONG = (
    "北浜市は十二日、市立中央図書館の開館時間を来月一日から平日は午後九時まで延長すると発表した。"
    "仕事帰りの会社員や学生から夜間の利用を求める声が多く寄せられていたという。"
)
JA_SHORT = "北浜市は十二日、図書館の開館時間を延長すると発表した。"


def japanese_page(paragraph: str) -> str:
    return page(
        "図書館の開館時間延長",
        '<nav><a href="/">トップ</a> <a href="/news">ニュース</a></nav>'
        f"<article><h1>図書館の開館時間延長</h1><p>{paragraph}</p></article><footer>北浜日報</footer>",
        lang="ja",
    )


def test_a_short_japanese_article_is_returned_because_cjk_counts_three_times() -> None:
    letters = len(re.sub(r"\W", "", JA_LONG))
    # ~80 characters (~240 units): counted as plain letters it would be under 150, too short
    assert 75 <= letters <= 90
    article = returned(japanese_page(JA_LONG), url="https://www.kitahama-nippo.jp/articles/1.html")
    assert article.text == JA_LONG


def test_a_very_short_japanese_text_is_refused_as_too_short() -> None:
    assert 25 <= len(JA_SHORT) <= 30 and text_units(JA_SHORT) < 150
    error = refused(japanese_page(JA_SHORT), url="https://www.kitahama-nippo.jp/articles/2.html")
    assert error.reason == "too-short"
    assert error.article is not None and error.article.text == JA_SHORT


# -- index pages --------------------------------------------------------------------------------------

SECTIONS = [
    "Home",
    "News",
    "Local",
    "Politics",
    "Business",
    "Sport",
    "Football",
    "Cricket",
    "Rugby",
    "Weather",
    "Travel",
    "Opinion",
    "Letters",
    "Obituaries",
    "Puzzles",
    "Crosswords",
    "Jobs",
    "Property",
    "Motors",
    "Dating",
    "Announcements",
    "Newsletters",
    "Podcasts",
]
BRIEF = (
    "The Kelsby ferry route was suspended on Monday after an engine fault left the vessel drifting "
    "outside the harbour for three hours. Nobody was hurt, the operator said, and engineers from the "
    "manufacturer will inspect the gearbox this week."
)


def test_a_short_brief_on_a_link_heavy_page_is_an_article() -> None:
    header = '<div class="menu">' + " ".join(f'<a href="/{s.lower()}">{s}</a>' for s in SECTIONS) + "</div>"
    rail = (
        "<aside><h2>Most read</h2><ul>"
        + "".join(
            f'<li><a href="/news/{i}">Headline number {i} about the harbour ferry and the council budget row</a></li>'
            for i in range(12)
        )
        + "</ul></aside>"
    )
    footer = (
        "<footer>" + " ".join(f'<a href="/f{i}">Footer link number {i}</a>' for i in range(20)) + "</footer>"
    )
    html = page(
        "Ferry route suspended after engine fault",
        header
        + f"<main><article><h1>Ferry route suspended after engine fault</h1><p>{BRIEF}</p></article></main>"
        + rail
        + footer,
    )
    assert 180 <= text_units(BRIEF) <= 220
    assert link_share(html) >= 0.78  # the page is mostly links: density alone would call it an index
    article = returned(html)
    assert article.text == BRIEF
    assert "Headline number" not in article.text and "Footer link" not in article.text


_WORDS = [
    "council",
    "harbour",
    "ferry",
    "budget",
    "school",
    "bridge",
    "winter",
    "festival",
    "library",
    "museum",
    "market",
    "garden",
    "coast",
    "island",
    "village",
    "tunnel",
    "river",
    "morning",
]
HEADLINES = [
    " ".join(_WORDS[(i * 3 + k) % len(_WORDS)] for k in range(6 + i % 5)).capitalize() for i in range(30)
]
_NAV = (
    "<nav>"
    + " ".join(f'<a href="/{s}">{s.title()}</a>' for s in ("news", "sport", "business", "weather"))
    + "</nav>"
)
_FOOTER = (
    "<footer>"
    + " ".join(f'<a href="/{s}">{s}</a>' for s in ("About us", "Contact", "Privacy policy", "Terms of use"))
    + "</footer>"
)
INDEX_PAGE = page(
    "Local news | Gazette",
    _NAV
    + "<main><h1>Local news</h1><ul>"
    + "".join(f'<li><a href="/news/story-{i}.html">{h}</a></li>' for i, h in enumerate(HEADLINES))
    + "</ul></main>"
    + _FOOTER,
)


def test_a_page_of_headline_links_is_an_index_page() -> None:
    assert all(6 <= len(h.split()) <= 10 for h in HEADLINES)
    assert "og:type" not in INDEX_PAGE
    error = refused(INDEX_PAGE, url="https://gazette.example/news/")
    assert error.reason == "index-page"


def test_a_japanese_page_of_headline_links_is_an_index_page() -> None:
    heads = (
        "北浜市の図書館が開館時間を延長へ",
        "県議会で補正予算案が可決される",
        "台風十号が接近、沿岸部で高潮警戒",
        "市立病院の新棟が来春に完成予定",
        "高校野球の県大会で北浜商が優勝",
    )
    items = "".join(f'<li><a href="/a/{i}">{heads[i % 5]}（{i}）</a></li>' for i in range(30))
    html = page("ニュース一覧", f"<main><h1>ニュース一覧</h1><ul>{items}</ul></main>", lang="ja")
    assert refused(html, url="https://www.kitahama-nippo.jp/news/").reason == "index-page"


def test_an_index_page_with_a_sign_in_prompt_in_its_header_is_still_an_index_page() -> None:
    """Section pages of subscription sites carry the same header as their articles."""
    header = '<header><a href="/">Gazette</a> <span>Already a subscriber? <a href="/login">Sign in</a></span></header>'
    html = INDEX_PAGE.replace("<body>", "<body>" + header)
    assert refused(html, url="https://gazette.example/news/").reason == "index-page"


def test_a_page_calling_itself_an_article_is_never_an_index_page() -> None:
    """The same list of links under ``og:type=article`` (a list article of links) is given."""
    html = INDEX_PAGE.replace("</title>", '</title><meta property="og:type" content="article">')
    article = returned(html, url="https://gazette.example/news/")
    assert HEADLINES[-1] in article.text


def test_a_product_grid_is_an_index_page() -> None:
    names = ("Oak chopping board", "Enamel mug", "Linen tea towel", "Copper kettle", "Ceramic bowl")
    cards = "".join(
        f'<div class="card"><a href="/p/{i}">{names[i % len(names)]} no. {i}</a>'
        f'<span class="price">£{10 + i}.99</span></div>'
        for i in range(40)
    )
    html = page(
        "Kitchen | Homeware shop",
        _NAV + f'<main><h1>Kitchen</h1><div class="grid">{cards}</div></main>' + _FOOTER,
    )
    error = refused(html, url="https://shop.example/kitchen")
    assert error.reason == "index-page"


# -- walls judged beside their own words --------------------------------------------------------------


def test_a_bot_challenge_page_is_refused() -> None:
    html = page(
        "Just a moment...",
        "<div><h1>gazette.example</h1><h2>Checking if the site connection is secure</h2>"
        "<p>gazette.example needs to review the security of your connection before proceeding.</p>"
        "<p>Ray ID: 8a1b2c3d4e5f</p></div>",
    )
    assert refused(html).reason == "bot-challenge"


def test_a_challenge_phrase_in_the_title_of_a_real_article_is_not_a_challenge() -> None:
    html = make_article_html("robot", "Are you a robot? Why sites keep asking", url=URL, words=150)
    article = returned(html)
    assert text_units(article.text) >= 400
    assert "robot residents" in article.text


BLOG_POST = (
    "Six loaves in a row came out of the oven looking like flat grey frisbees, and I had started to "
    "blame the flour, the oven and my grandmother's recipe card.",
    "The fix turned out to be boring. My kitchen sits at about sixteen degrees in February, so the "
    "starter was barely waking up. I moved the jar to the shelf above the fridge and fed it twice a day.",
    "Loaf seven rose so much it split along the side, and it tasted faintly of yoghurt.",
)


def test_a_short_blog_post_with_recaptcha_in_its_comment_form_is_returned() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BLOG_POST)
    comment_form = (
        '<div id="comments"><h3>Leave a comment</h3><form action="/wp-comments-post.php" method="post">'
        '<p><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>'
        '<p><label for="author">Name</label><input id="author" name="author"></p>'
        '<div class="g-recaptcha" data-sitekey="6Lc_abcdefghijkl"></div>'
        '<script src="https://www.google.com/recaptcha/api.js" async defer></script>'
        '<p><input type="submit" value="Post comment"></p></form></div>'
    )
    html = page(
        "The bread that finally rose – Crumb and Kettle",
        '<header><a href="/">Crumb and Kettle</a></header>'
        f"<article><h1>The bread that finally rose</h1>{paragraphs}</article>{comment_form}",
    )
    units = sum(text_units(p) for p in BLOG_POST)
    assert 300 <= units < 400  # under what a challenge-markup page could once hold
    article = returned(html, url="https://crumbandkettle.blog/2024/02/11/the-bread-that-finally-rose/")
    assert [squash(p) for p in article.text.split("\n\n")] == list(BLOG_POST)


CONSENT = (
    '<div class="consent"><h2>We value your privacy</h2>'
    "<p>We and our 842 partners store and access information on your device, such as cookies, and "
    "process personal data for personalised advertising and content measurement.</p>"
    "<p>You can accept all or manage your consent preferences at any time.</p>"
    "<button>Accept all</button><button>Reject all</button><button>Manage preferences</button></div>"
)


def test_a_consent_wall_without_an_article_is_refused() -> None:
    assert refused(page("Gazette", CONSENT)).reason == "consent-wall"


FOOTBRIDGE = (
    "The Millrace footbridge, which links the station car park to the riverside path, will reopen on "
    "Monday after six weeks of repairs to its corroded handrails, the borough council has said.",
    "A council spokesperson said the final cost of £186,000 was within budget and thanked residents "
    "for their patience during the detour. The path will be lit at night from next month.",
)


@pytest.mark.parametrize("banner_first", [True, False], ids=["banner-before", "banner-after"])
def test_a_short_article_behind_a_consent_banner_is_returned_without_the_banner(banner_first: bool) -> None:
    story = "<article><h1>Footbridge to reopen next week</h1>" + "".join(f"<p>{p}</p>" for p in FOOTBRIDGE)
    story += "</article>"
    html = page("Footbridge to reopen next week", CONSENT + story if banner_first else story + CONSENT)
    assert 250 <= sum(text_units(p) for p in FOOTBRIDGE) < 400  # ~300 letters
    article = returned(html)
    assert [squash(p) for p in article.text.split("\n\n")] == list(FOOTBRIDGE)
    for banner in ("We value your privacy", "842 partners", "consent preferences", "Accept all"):
        assert banner not in article.text


# -- paywall ------------------------------------------------------------------------------------------

TEASER = (
    "The port authority will open a public consultation next month on whether to bar cruise ships "
    "longer than 200 metres from the old harbour, after a summer of complaints.",
    "Under the draft proposal, larger vessels would anchor off Gull Point and carry passengers ashore by tender.",
)


def teaser_page(url: str, *, free: object = False) -> str:
    head = f'<link rel="canonical" href="{url}">' + json_ld(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Port weighs cruise ban",
            "isAccessibleForFree": free,
        }
    )
    body = "<article><h1>Port weighs cruise ban</h1>" + "".join(f"<p>{p}</p>" for p in TEASER) + "</article>"
    return page("Port weighs cruise ban", body, head=head)


def test_json_ld_not_accessible_for_free_marks_the_teaser_paywalled() -> None:
    html = teaser_page(URL)
    assert "Subscribe" not in html and "subscriber" not in html  # no prompt: only the JSON-LD says so
    article = returned(html)
    assert article.paywalled is True
    assert [squash(p) for p in article.text.split("\n\n")] == list(TEASER)
    assert article.to_dict()["paywalled"] is True
    assert Article.from_dict(article.to_dict()) == article


@pytest.mark.parametrize("free", [True, "True", None], ids=["true", "string-true", "absent"])
def test_a_page_not_marked_subscriber_only_is_not_paywalled(free: object) -> None:
    assert returned(teaser_page(URL, free=free)).paywalled is False


def test_a_string_false_is_read_as_not_free() -> None:
    assert returned(teaser_page(URL, free="False")).paywalled is True


def test_a_long_free_article_with_a_sign_in_prompt_in_its_header_is_not_paywalled() -> None:
    html = make_article_html("harbour", "Harbour plan approved", url=URL, words=600).replace(
        "<nav>",
        '<header><a href="/">Gazette</a> <span>Already a subscriber? <a href="/login">Sign in</a></span></header><nav>',
    )
    article = returned(html)
    assert text_units(article.text) >= 3000
    assert article.paywalled is False
    assert "Already a subscriber" not in article.text


def test_a_short_text_beside_a_paywall_prompt_is_a_paywalled_teaser() -> None:
    """No JSON-LD: the prompt beside a short text is what marks it."""
    body = (
        "<article><h1>Port weighs cruise ban</h1>"
        + "".join(f"<p>{p}</p>" for p in TEASER)
        + "<div><h3>Subscribe to continue reading</h3><p>Already a subscriber? Log in</p></div></article>"
    )
    article = returned(page("Port weighs cruise ban", body))
    assert article.paywalled is True
    assert "Subscribe to continue reading" not in article.text
    assert squash(TEASER[0]) in squash(article.text)


def test_a_one_sentence_teaser_beside_a_paywall_prompt_is_given_not_refused() -> None:
    """Under the size of an article, but a teaser holds a sentence or so: it is given, flagged."""
    sentence = "The port authority will consult residents next month on a cruise ship ban."
    assert 50 <= text_units(sentence) < 150
    body = (
        f"<article><h1>Port weighs cruise ban</h1><p>{sentence}</p>"
        "<div><h3>Subscribe to continue reading</h3><p>Already a subscriber? Log in</p></div></article>"
    )
    article = returned(page("Port weighs cruise ban", body))
    assert article.paywalled is True
    assert article.text == sentence


# -- the command line ---------------------------------------------------------------------------------


def run_clean(*args: str) -> Result:
    return CliRunner().invoke(main, ["clean", *args], catch_exceptions=False)


@pytest.fixture
def paywall_folder(tmp_path: Path) -> Path:
    """saved/free.html (a full article) and saved/locked.html (a JSON-LD subscriber-only teaser)."""
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "free.html").write_text(
        make_article_html("free", "Free story", url="https://gazette.example/free"), encoding="utf-8"
    )
    (folder / "locked.html").write_text(teaser_page("https://ledger.example/locked"), encoding="utf-8")
    return folder


def test_cli_json_output_says_paywalled(paywall_folder: Path) -> None:
    result = run_clean(str(paywall_folder / "locked.html"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["paywalled"] is True
    result = run_clean(str(paywall_folder / "free.html"), "--format", "json")
    assert json.loads(result.stdout)["paywalled"] is False


def test_cli_markdown_front_matter_says_paywalled(paywall_folder: Path) -> None:
    result = run_clean(str(paywall_folder / "locked.html"), "--format", "md")
    assert result.exit_code == 0, result.output
    front_matter = result.stdout.split("\n---\n")[0]
    assert result.stdout.startswith("---\n")
    assert "\npaywalled: true\n" in front_matter + "\n"
    free = run_clean(str(paywall_folder / "free.html"), "--format", "md").stdout.split("\n---\n")[0]
    assert "\npaywalled: false" in free


def test_cli_writes_a_paywalled_page_by_default_and_notes_it(paywall_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_clean(str(paywall_folder), "-o", str(out), "-j", "1", "--no-learn")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.txt")) == ["free.txt", "locked.txt"]
    assert json.loads((out / "locked.json").read_text(encoding="utf-8"))["paywalled"] is True
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "locked.html: paywalled" in notes[0], result.stderr
    assert "skipped" not in result.stderr.replace("skipped 0", "")
    assert "done 2, skipped 0, failed 0" in result.stderr


def test_cli_skip_paywalled_skips_the_teaser(paywall_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_clean(str(paywall_folder), "-o", str(out), "-j", "1", "--no-learn", "--skip-paywalled")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*")) == ["free.json", "free.txt"]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "locked.html" in skipped[0] and "paywalled" in skipped[0]
    assert "done 1, skipped 1, failed 0" in result.stderr


def test_cli_quiet_hides_the_paywall_note(paywall_folder: Path, tmp_path: Path) -> None:
    result = run_clean(str(paywall_folder), "-o", str(tmp_path / "out"), "-j", "1", "--no-learn", "-q")
    assert result.exit_code == 0, result.output
    assert "note:" not in result.stderr


# -- crawls -------------------------------------------------------------------------------------------

LOCKED, FREE = "/news/locked.html", "/news/free.html"


def serve_site(server: LocalServer) -> None:
    """robots.txt, a feed, a subscriber-only teaser and a free article."""
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.add("/feed.xml", respond(rss(server, [LOCKED, FREE]), content_type=FEED_TYPE))
    server.add(LOCKED, respond(teaser_page(server.url(LOCKED)), content_type=HTML))
    free = make_article_html("free", "Free story", url=server.url(FREE))
    server.add(FREE, respond(free, content_type=HTML))


def site_crawl(tmp_path: Path, server: LocalServer, **fields: object) -> CrawlConfig:
    """A crawl of the test server's feed."""
    return crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), **fields)


def written(out: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in out.rglob("*.txt"))


def test_crawl_writes_a_paywalled_teaser_by_default_and_counts_it(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        cfg = site_crawl(tmp_path, server)
        report = crawl(cfg)
        host = report.host(f"127.0.0.1:{server.port}")
        assert report.totals.new == 2 and report.totals.not_article == 0
        assert host.paywalled == 1 and report.totals.paywalled == 1
        assert written(cfg.out) == ["free", "locked"]
        locked = next(p for p in cfg.out.rglob("locked-*.json") if "raw" not in p.parts)
        assert json.loads(locked.read_text(encoding="utf-8"))["paywalled"] is True
        saved = json.loads(cfg.report_path.read_text(encoding="utf-8"))
        assert saved["totals"]["paywalled"] == 1


def test_crawl_skip_paywalled_does_not_write_the_teaser(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        cfg = site_crawl(tmp_path, server, skip_paywalled=True)
        report = crawl(cfg)
        assert report.totals.new == 1 and report.totals.not_article == 1 and not report.partial
        assert report.host(f"127.0.0.1:{server.port}").paywalled == 1
        assert written(cfg.out) == ["free"]
        with CrawlState.open(cfg.state_path) as state:
            record = state.get(server.url(LOCKED))
            assert record is not None and record.status == "not-article"
            assert state.get(server.url(FREE)).status == "written"  # type: ignore[union-attr]


def test_crawl_command_skip_paywalled(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        out = tmp_path / "out"
        args = ["crawl", "--feed", server.url("/feed.xml"), "--out", str(out), "--allow-private-networks"]
        args += ["--delay", "0", "-j", "0"]
        result = CliRunner().invoke(main, [*args, "--skip-paywalled"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "crawl: 1 new" in result.stderr and "1 not articles" in result.stderr
        assert "paywalled: 1 pages showed only a teaser" in result.stderr
        assert written(out) == ["free"]


def test_crawl_command_writes_the_teaser_without_the_flag(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        out = tmp_path / "out"
        args = ["crawl", "--feed", server.url("/feed.xml"), "--out", str(out), "--allow-private-networks"]
        result = CliRunner().invoke(main, [*args, "--delay", "0", "-j", "0"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "crawl: 2 new" in result.stderr
        assert "paywalled: 1 pages showed only a teaser" in result.stderr
        assert written(out) == ["free", "locked"]


def test_skip_paywalled_is_a_crawl_config_key() -> None:
    feeds = ["https://gazette.example/rss.xml"]
    assert build_config({"feeds": feeds, "skip_paywalled": True}).skip_paywalled is True
    assert build_config({"feeds": feeds}).skip_paywalled is False


def test_fetch_command_skip_paywalled(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        urls = [server.url(LOCKED), server.url(FREE)]
        base = ["fetch", *urls, "-o", str(tmp_path / "f"), "--allow-private-networks"]
        result = CliRunner().invoke(main, [*base, "--skip-paywalled"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "done 1, skipped 1, failed 0" in result.stderr
        assert any(line.startswith(f"skipped: {urls[0]}") for line in result.stderr.splitlines())
        assert written(tmp_path / "f") == ["free"]
        result = CliRunner().invoke(main, base, catch_exceptions=False)
        assert "done 2, skipped 0, failed 0" in result.stderr
        assert f"note: {urls[0]}: paywalled" in result.stderr


# -- review regressions ------------------------------------------------------------------------------

SIDEBAR = "".join(f'<li><a href="/news/{i}">Other headline number {i} about the city and its budget</a></li>' for i in range(14))


@pytest.mark.parametrize(
    ("lang", "paragraphs"),
    [
        (
            "hi",
            (
                "नगर परिषद ने सोमवार को स्कूलों के बजट और सड़कों की मरम्मत पर लंबी बहस के बाद नया बजट मंजूर कर दिया।",
                "महापौर ने कहा कि इस योजना से स्कूलों पर खर्च आठ प्रतिशत बढ़ेगा और संपत्ति कर पिछले साल के स्तर पर रहेगा।",
            ),
        ),
        (
            "th",
            (
                "สภาเมืองอนุมัติงบประมาณใหม่เมื่อวันจันทร์หลังจากการอภิปรายอันยาวนานเกี่ยวกับงบโรงเรียนและการซ่อมถนนทั่วเขต",
                "นายกเทศมนตรีกล่าวว่าแผนนี้จะเพิ่มการใช้จ่ายด้านโรงเรียนร้อยละแปดโดยคงภาษีทรัพย์สินไว้ที่ระดับเดิมของปีที่แล้ว",
            ),
        ),
        (
            "ar",
            (
                "وافق مجلس المدينة يوم الاثنين على ميزانية جديدة بعد نقاش طويل حول تمويل المدارس وإصلاح الطرق في المنطقة",
                "وقال رئيس البلدية إن الخطة سترفع الإنفاق على المدارس بنسبة ثمانية في المئة مع إبقاء ضرائب العقارات",
            ),
        ),
    ],
)
def test_short_articles_in_scripts_without_latin_full_stops_are_not_index_pages(
    lang: str, paragraphs: tuple[str, ...]
) -> None:
    """Danda, no sentence marks at all (Thai), Arabic without full stops: still prose."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = page("Budget", f"<main><article><h1>Budget</h1>{body}</article></main><aside><ul>{SIDEBAR}</ul></aside>", lang=lang)
    assert link_share(html) > 0.55
    article = returned(html)
    for paragraph in paragraphs:
        assert paragraph in article.text


def test_combining_marks_count_as_letters() -> None:
    """Devanagari vowel signs are combining marks, which Python's \\w leaves out."""
    assert text_units("किताब") == 5


@pytest.mark.parametrize(
    "title", ["500 jobs cut at Ford plant", "503 new cases reported", "403(b) plans: what savers need to know"]
)
def test_a_headline_starting_with_a_status_code_is_no_error_page(title: str) -> None:
    body = (
        f"<h1>{title}</h1><p>Ford will cut 500 jobs at its Valencia assembly plant by the end of the year, the company told unions on Tuesday.</p>"
        "<p>The carmaker said falling demand for its electric models in Europe had left the plant running below capacity.</p>"
    )
    assert "Valencia assembly plant" in returned(page(title, f"<article>{body}</article>")).text


@pytest.mark.parametrize("title", ["404", "Error 404 - Not Found", "500 Internal Server Error", "403 Forbidden"])
def test_status_code_titles_are_error_pages(title: str) -> None:
    body = "<h1>Sorry</h1><p>We could not find that page. Try the search box or go back to the home page.</p>"
    assert refused(page(title, body)).reason == "error-page"


def test_a_free_short_article_under_a_header_sign_in_prompt_is_not_paywalled() -> None:
    header = '<header>Already a subscriber? <a href="/login">Sign in</a></header>'
    body = (
        "<article><h1>Budget</h1><p>The city council approved a new budget on Monday after a long debate about school funding.</p>"
        "<p>The mayor said the plan would raise spending on schools by eight percent while keeping taxes level.</p></article>"
    )
    assert returned(page("Budget", header + body)).paywalled is False


def test_a_long_article_marked_not_free_is_the_article_not_a_teaser() -> None:
    """Metered sites mark every article isAccessibleForFree=false and serve it whole."""
    paragraph = "The council's budget hearing ran late into the evening as residents queued to speak about the plan. "
    body = "<article><h1>Budget</h1>" + "".join(f"<p>{i} {paragraph * 2}</p>" for i in range(12)) + "</article>"
    head = json_ld({"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": False})
    assert returned(page("Budget", body, head=head)).paywalled is False


def test_noscript_notices_about_scripts_or_the_browser_stay_out_of_the_text() -> None:
    notices = (
        "To view this video please enable JavaScript, and consider upgrading to a web browser that supports HTML5 video.",
        "Your browser does not support JavaScript! Some parts of this page will not work.",
    )
    body = "<article><h1>Budget</h1>" + "".join(f"<noscript>{n}</noscript>" for n in notices)
    body += "".join(f"<p>{i} The city council approved a new budget on Monday after a long debate about funding.</p>" for i in range(4))
    text = returned(page("Budget", body + "</article>")).text
    assert "city council approved" in text
    assert not any(notice[:30] in text for notice in notices)


def test_a_post_inside_noscript_after_hundreds_of_image_fallbacks_is_kept() -> None:
    gallery = "".join(f'<img data-src="/p{i}.jpg"><noscript><img src="/p{i}.jpg"></noscript>' for i in range(260))
    post = "".join(f"<p>{i} The walk follows the river past the old mill and up to the ridge above the town.</p>" for i in range(6))
    article = returned(page("A photo walk", f"<h1>A photo walk</h1>{gallery}<noscript>{post}</noscript>"))
    assert article.text.count("old mill") == 6


def test_a_noscript_post_whose_opening_is_quoted_elsewhere_is_kept() -> None:
    """Only a whole copy is a duplicate: a 'Popular posts' snippet of the opening is not."""
    paragraphs = [f"{i} The walk follows the river past the old mill and up to the ridge above the town." for i in range(6)]
    snippet = paragraphs[0][:100]
    body = f"<h1>A walk</h1><noscript>{''.join(f'<p>{p}</p>' for p in paragraphs)}</noscript><aside><h3>Popular posts</h3><p>{snippet}</p></aside>"
    assert returned(page("A walk", body)).text.count("old mill") >= 6


def test_a_paragraph_about_cookies_among_the_articles_sentences_stays() -> None:
    body = (
        "<article><h1>Retailer fined over cookie banner</h1>"
        "<p>Regulators fined the retailer 2 million euros on Tuesday in a case that consumer groups had pursued for years.</p>"
        "<p>Its banner hid the cookie settings behind a small link, which the regulator found to be misleading.</p>"
        "<p>Consumer groups welcomed the decision and said they had filed complaints against eleven other retailers.</p>"
        "<p>The retailer said it would appeal and redesign its privacy pages within three months of the ruling.</p></article>"
    )
    article = returned(page("Retailer fined", body))
    assert "Its banner hid the cookie settings behind a small link" in article.text
    assert not any(removal.by == "detector:cookie-notice" for removal in article.removed)


def test_no_article_error_survives_a_process_pool() -> None:
    import pickle

    error = refused(PAYWALL_ONLY)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is scraper.NoArticleError and again.reason == error.reason
    assert again.article is not None and again.article.title == error.article.title


def test_a_page_calling_itself_an_article_gives_even_a_one_sentence_text() -> None:
    """A photo story's caption is all there is: with article metadata it is given, not refused."""
    body = "<article><h1>Storm over the harbour</h1><p>Lightning over the north pier on Tuesday night, seen from the ferry slip.</p></article>"
    head = '<meta property="og:type" content="article">'
    assert "Lightning over the north pier" in returned(page("Storm over the harbour", body, head=head)).text
    assert refused(page("Storm over the harbour", body)).reason == "too-short"
