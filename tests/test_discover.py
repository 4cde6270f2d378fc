"""Discovery: feeds, sitemaps and start pages become candidate article URLs; a Scope filters them.

Every document is inline; nothing here touches the network or files other than its own tmp_path.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import feedparser
import pytest

from scraper.crawler.discover import (
    MAX_SITEMAP_BYTES,
    NON_ARTICLE_SUFFIXES,
    Link,
    Scope,
    Sitemap,
    extract_links,
    iso_date,
    parse_feed,
    parse_sitemap,
    sniff_kind,
)
from scraper.errors import InputError

FEED_URL = "https://news.example/feed/"
SITEMAP_URL = "https://news.example/sitemap.xml"
PAGE_URL = "https://news.example/section/index.html"


@pytest.fixture(autouse=True)
def _feedparser_never_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if feedparser is ever handed something it would download."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"feedparser tried to fetch {args[0]!r}")

    monkeypatch.setattr(feedparser.http, "get", refuse)


def urls(links: list[Link]) -> list[str]:
    return [link.url for link in links]


# --- feeds -------------------------------------------------------------------------------


RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>https://news.example/</link>
  <item><title>  River   bursts its banks </title><link>https://news.example/2024/river?utm_source=rss</link>
    <pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate></item>
  <item><title>Council budget</title><link>/2024/budget</link><pubDate>Wed, 11 Jun 2003 09:30:00 GMT</pubDate></item>
  <item><title>River again</title><link>https://news.example/2024/river#comments</link></item>
  <item><title>Only a guid</title><guid isPermaLink="true">https://news.example/2024/guid</guid></item>
  <item><title>No link at all</title><guid isPermaLink="false">tag:news.example,2024:42</guid></item>
</channel></rss>"""


def test_rss2_entries_in_order_normalised_and_deduplicated() -> None:
    links = parse_feed(RSS2, FEED_URL)
    assert links == [
        Link("https://news.example/2024/river", "2003-06-10T02:00:00Z", "River bursts its banks"),
        Link("https://news.example/2024/budget", "2003-06-11T09:30:00Z", "Council budget"),
        Link("https://news.example/2024/guid", None, "Only a guid"),
    ]


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:x</id><updated>2024-05-01T00:00:00Z</updated>
  <entry><title type="html">Trains &lt;em&gt;late&lt;/em&gt; again</title><id>urn:1</id>
    <link rel="enclosure" href="https://cdn.example/podcast.mp3"/>
    <link rel="alternate" type="text/html" href="https://blog.example/trains"/>
    <published>2024-04-30T08:00:00+02:00</published><updated>2024-05-01T10:15:00+02:00</updated></entry>
  <entry><title>Ferry</title><id>urn:2</id><link href="ferry"/><published>2024-04-29T12:00:00Z</published></entry>
</feed>"""


def test_atom_prefers_the_alternate_link_and_the_updated_date() -> None:
    links = parse_feed(ATOM, "https://blog.example/atom.xml")
    assert links == [
        Link("https://blog.example/trains", "2024-05-01T08:15:00Z", "Trains late again"),
        Link("https://blog.example/ferry", "2024-04-29T12:00:00Z", "Ferry"),
    ]


RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://old.example/"><title>Old</title><link>https://old.example/</link></channel>
  <item rdf:about="https://old.example/one"><title>One</title><link>https://old.example/one</link>
    <dc:date>2024-02-01T08:00:00Z</dc:date></item>
  <item rdf:about="https://old.example/two"><title>Two</title><link>https://old.example/two</link></item>
</rdf:RDF>"""


def test_rdf_feed() -> None:
    links = parse_feed(RDF, "https://old.example/index.rdf")
    assert links == [
        Link("https://old.example/one", "2024-02-01T08:00:00Z", "One"),
        Link("https://old.example/two", None, "Two"),
    ]


def test_a_broken_feed_that_still_has_entries_is_accepted() -> None:
    # An undefined HTML entity and a truncated end: feedparser flags it bozo but reads the items.
    broken = (
        b"<rss version='2.0'><channel><title>T&nbsp;</title>"
        b"<item><title>First</title><link>https://news.example/first</link></item>"
        b"<item><title>Second</title><link>https://news.example/second</link></item>"
    )
    assert urls(parse_feed(broken, FEED_URL)) == ["https://news.example/first", "https://news.example/second"]


def test_a_valid_feed_without_entries_gives_an_empty_list() -> None:
    assert parse_feed(b"<rss version='2.0'><channel><title>Quiet</title></channel></rss>", FEED_URL) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><head><title>Home</title></head><body><a href='/a'>A</a></body></html>",
        b"garbage \x00\x01\x02 not xml at all",
        b"",
        b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://a.example/</loc></url></urlset>",
    ],
)
def test_a_body_that_is_not_a_feed_raises_input_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(InputError, match=re.escape(FEED_URL)) as caught:
        parse_feed(body, FEED_URL)
    assert "not an RSS, Atom or RDF feed" in str(caught.value)


def test_a_body_naming_a_file_or_url_is_parsed_as_content_never_opened(tmp_path: Path) -> None:
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(RSS2)
    with pytest.raises(InputError):
        parse_feed(str(feed_file).encode(), FEED_URL)
    with pytest.raises(InputError):
        parse_feed(b"https://news.example/feed.xml", FEED_URL)


# --- sitemaps ----------------------------------------------------------------------------

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <!-- generated -->
  <url><loc> https://news.example/a </loc><lastmod>2024-05-01T10:00:00+02:00</lastmod>
    <image:image><image:loc>https://cdn.example/a.jpg</image:loc><image:title>Photo</image:title></image:image></url>
  <url><loc>https://news.example/b?x=1&amp;utm_medium=sitemap</loc><lastmod>2024-05-02</lastmod></url>
  <url><loc>https://news.example/a</loc></url>
  <url><loc>https://other.example/c</loc><lastmod>not a date</lastmod></url>
  <url><lastmod>2024-05-03</lastmod></url>
</urlset>"""


def test_urlset_with_lastmod() -> None:
    sitemap = parse_sitemap(URLSET, SITEMAP_URL)
    assert sitemap.sitemaps == []
    assert sitemap.pages == [
        Link("https://news.example/a", "2024-05-01T08:00:00Z"),
        Link("https://news.example/b?x=1", "2024-05-02"),
        Link("https://other.example/c", None),
    ]


def test_sitemap_index_lists_child_sitemaps_with_lastmod() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://news.example/sitemap-2024-05.xml.gz</loc><lastmod>2024-05-31T23:00:00Z</lastmod></sitemap>
      <sitemap><loc>/sitemap-news.xml</loc></sitemap>
    </sitemapindex>"""
    assert parse_sitemap(body, SITEMAP_URL) == Sitemap(
        pages=[],
        sitemaps=[
            Link("https://news.example/sitemap-2024-05.xml.gz", "2024-05-31T23:00:00Z"),
            Link("https://news.example/sitemap-news.xml", None),
        ],
    )


NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/flood</loc>
    <news:news><news:publication><news:name>News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-06-01T07:30:00+01:00</news:publication_date>
      <news:title>Flood  warning
        issued</news:title></news:news></url>
  <url><loc>https://news.example/bridge</loc><lastmod>2024-06-02T00:00:00Z</lastmod>
    <news:news><news:publication_date>2024-06-01</news:publication_date><news:title>Bridge</news:title></news:news></url>
</urlset>"""


def test_google_news_sitemap_gives_publication_date_and_title() -> None:
    assert parse_sitemap(NEWS, SITEMAP_URL).pages == [
        Link("https://news.example/flood", "2024-06-01T06:30:00Z", "Flood warning issued"),
        Link("https://news.example/bridge", "2024-06-02T00:00:00Z", "Bridge"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<urlset><url><loc>https://news.example/a</loc><lastmod>2024-01-02</lastmod></url></urlset>",
        b"<urlset xmlns='http://www.google.com/schemas/sitemap/0.84'><url><loc>https://news.example/a</loc>"
        b"<lastmod>2024-01-02</lastmod></url></urlset>",
        b"<s:urlset xmlns:s='urn:made-up'><s:url><s:loc>https://news.example/a</s:loc>"
        b"<s:lastmod>2024-01-02</s:lastmod></s:url></s:urlset>",
    ],
    ids=["no-namespace", "old-namespace", "prefixed-made-up-namespace"],
)
def test_sitemaps_are_read_whatever_their_namespace(body: bytes) -> None:
    assert parse_sitemap(body, SITEMAP_URL).pages == [Link("https://news.example/a", "2024-01-02")]


def test_sloppy_sitemap_xml_is_recovered() -> None:
    body = (
        b"\xef\xbb\xbf  <urlset><url><loc>https://news.example/?a=1&b=2</loc></url>"
        b"<url><loc>https://news.example/unclosed</loc>"
    )
    assert urls(parse_sitemap(body, SITEMAP_URL).pages) == [
        "https://news.example/?a=1&b=2",
        "https://news.example/unclosed",
    ]


def test_gzip_sitemap_is_detected_by_its_magic_bytes() -> None:
    compressed = gzip.compress(URLSET)
    assert parse_sitemap(compressed, SITEMAP_URL + ".gz") == parse_sitemap(URLSET, SITEMAP_URL)


def test_multi_member_gzip_is_read_whole() -> None:
    half = len(URLSET) // 2
    compressed = gzip.compress(URLSET[:half]) + gzip.compress(URLSET[half:])
    assert parse_sitemap(compressed, SITEMAP_URL).pages == parse_sitemap(URLSET, SITEMAP_URL).pages


def test_gzip_bomb_raises_input_error_at_the_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (4 * 1024 * 1024))
    with pytest.raises(InputError, match="inflates to more than 1000000 bytes"):
        parse_sitemap(bomb, SITEMAP_URL, max_bytes=1_000_000)


def test_default_cap_is_the_sitemap_protocol_limit() -> None:
    assert MAX_SITEMAP_BYTES == 50 * 1024 * 1024
    bomb = gzip.compress(b"<urlset>" + b"\0" * (MAX_SITEMAP_BYTES + 1))
    assert len(bomb) < 100_000
    with pytest.raises(InputError, match=re.escape(SITEMAP_URL)):
        parse_sitemap(bomb, SITEMAP_URL)


def test_corrupt_gzip_raises_input_error() -> None:
    corrupt = gzip.compress(URLSET)[:12] + b"\xff" * 40
    with pytest.raises(InputError, match="corrupt gzip"):
        parse_sitemap(corrupt, SITEMAP_URL)


def test_truncated_gzip_keeps_what_arrived() -> None:
    compressed = gzip.compress(URLSET)
    pages = parse_sitemap(compressed[: len(compressed) - 40], SITEMAP_URL).pages
    assert pages[0] == Link("https://news.example/a", "2024-05-01T08:00:00Z")


def test_plain_text_sitemap() -> None:
    body = (
        b"https://news.example/one\r\n\r\n  https://news.example/two?utm_source=txt  \n"
        b"# not a url\nhttps://news.example/one\nftp://news.example/file\n"
    )
    assert parse_sitemap(body, "https://news.example/sitemap.txt") == Sitemap(
        pages=[Link("https://news.example/one"), Link("https://news.example/two")], sitemaps=[]
    )


def test_xml_external_entity_is_neither_expanded_nor_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
    <urlset><url><loc>https://news.example/a</loc><news:news xmlns:news="n"><news:title>&xxe;</news:title>
    </news:news></url><url><loc>https://news.example/&xxe;b</loc></url></urlset>""".encode()
    sitemap = parse_sitemap(body, SITEMAP_URL)
    assert "TOP-SECRET-VALUE" not in repr(sitemap)
    assert sitemap.pages == [Link("https://news.example/a"), Link("https://news.example/b")]


def test_entity_expansion_bomb_is_not_expanded() -> None:
    levels = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10)
    )  # 10**9 "lol"s if expanded
    body = f'<?xml version="1.0"?><!DOCTYPE urlset [{levels}]><urlset><url><loc>https://news.example/&l9;</loc></url></urlset>'
    assert urls(parse_sitemap(body.encode(), SITEMAP_URL).pages) == ["https://news.example/"]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"<!doctype html><html><body><p>Not found</p></body></html>", "<html>"),
        (RSS2, "<rss>"),
        (b"< not xml >", "unreadable XML"),
    ],
)
def test_a_body_that_is_not_a_sitemap_raises_input_error(body: bytes, found: str) -> None:
    with pytest.raises(InputError, match=re.escape(SITEMAP_URL)) as caught:
        parse_sitemap(body, SITEMAP_URL)
    assert found in str(caught.value)


@pytest.mark.parametrize("body", [b"", b"  \n", b"just some words\nand more"])
def test_empty_or_wordy_text_is_not_a_sitemap(body: bytes) -> None:
    with pytest.raises(InputError, match=re.escape(SITEMAP_URL)):
        parse_sitemap(body, SITEMAP_URL)


# --- links in HTML ----------------------------------------------------------------------


def test_links_resolve_against_the_page_url_in_document_order() -> None:
    html = """<html><body>
      <a href="/2024/story-one?utm_campaign=home"><img src="t.jpg"></a>
      <a href="../2024/story-one#comments">  Story
         <b>one</b> </a>
      <a href="story-two" rel="nofollow">Two</a>
      <a href="#top">Top</a><a href="">Self</a>
      <a href="javascript:void(0)">Menu</a><a href="mailto:desk@news.example">Mail</a>
      <a href="tel:123">Call</a><a>No href</a>
      <a href="https://Other.Example:443/x" title="Elsewhere"></a>
    </body></html>"""
    assert extract_links(html, "https://news.example/section/index.html") == [
        Link("https://news.example/2024/story-one", None, "Story one"),
        Link("https://news.example/section/story-two", None, "Two"),
        Link("https://other.example/x", None, "Elsewhere"),
    ]


def test_base_href_is_honoured() -> None:
    html = """<html><head><base href="https://cdn.news.example/mirror/"></head>
      <body><a href="a.html">A</a><a href="/b">B</a><a href="https://news.example/c">C</a></body></html>"""
    assert urls(extract_links(html, PAGE_URL)) == [
        "https://cdn.news.example/mirror/a.html",
        "https://cdn.news.example/b",
        "https://news.example/c",
    ]


def test_relative_base_href_resolves_against_the_page_and_a_bad_one_is_ignored() -> None:
    relative = '<base href="/archive/"><a href="x">X</a>'
    assert urls(extract_links(relative, PAGE_URL)) == ["https://news.example/archive/x"]
    bad = '<base href="javascript:alert(1)"><a href="x">X</a>'
    assert urls(extract_links(bad, PAGE_URL)) == ["https://news.example/section/x"]


def test_a_link_without_text_has_no_title() -> None:
    assert extract_links('<a href="/x"> <img src="x.png"> </a>', PAGE_URL) == [Link("https://news.example/x")]


# --- scope -------------------------------------------------------------------------------


def test_scope_hosts_without_subdomains() -> None:
    scope = Scope.build(hosts=["News.Example"])
    assert scope.accepts("https://news.example/a")
    assert scope.accepts("http://news.example:8080/a")
    assert not scope.accepts("https://www.news.example/a")
    assert not scope.accepts("https://othernews.example/a")
    assert not scope.accepts("https://evil.example/?u=https://news.example/")


def test_scope_hosts_with_subdomains() -> None:
    scope = Scope.build(hosts=["news.example"], include_subdomains=True)
    assert scope.accepts("https://news.example/a")
    assert scope.accepts("https://www.news.example/a")
    assert scope.accepts("https://a.b.news.example/a")
    assert not scope.accepts("https://fakenews.example/a")


def test_scope_hosts_may_be_given_as_urls_or_unicode() -> None:
    scope = Scope.build(hosts=["https://Blog.Example:8443/feed", "bücher.de", "trailing.example."])
    assert scope.hosts == frozenset({"blog.example", "xn--bcher-kva.de", "trailing.example"})
    assert scope.accepts("https://xn--bcher-kva.de/a")
    assert scope.accepts("https://bücher.de/a")


def test_empty_hosts_allow_any_web_url() -> None:
    scope = Scope.build()
    assert scope.accepts("https://anything.example/a")
    assert not scope.accepts("ftp://anything.example/a")
    assert not scope.accepts("/relative")
    assert not scope.accepts("http://[::1")


def test_scope_allow_and_deny_patterns_search_the_full_url() -> None:
    scope = Scope.build(allow=[r"/20\d\d/", r"\?story="], deny=[r"/2019/", r"[?&]print=1"])
    assert scope.accepts("https://news.example/2024/river")
    assert scope.accepts("https://news.example/view?story=7")
    assert not scope.accepts("https://news.example/about")
    assert not scope.accepts("https://news.example/2019/old")
    assert not scope.accepts("https://news.example/2024/river?print=1")


def test_deny_without_allow_lets_everything_else_through() -> None:
    scope = Scope.build(deny=["/tag/"])
    assert scope.accepts("https://news.example/anything")
    assert not scope.accepts("https://news.example/tag/river")


def test_scope_depth() -> None:
    scope = Scope.build(max_depth=1)
    assert scope.accepts("https://news.example/a")
    assert scope.accepts("https://news.example/a", depth=1)
    assert not scope.accepts("https://news.example/a", depth=2)
    assert not Scope.build(max_depth=0).accepts("https://news.example/a", depth=1)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/photo.JPG",
        "https://news.example/report.pdf",
        "https://news.example/video.mp4?autoplay=1",
        "https://news.example/static/app.js",
        "https://news.example/static/site.css",
        "https://news.example/files/archive.zip",
        "https://news.example/img/pic%2Epng",
    ],
)
def test_non_article_resources_are_always_refused(url: str) -> None:
    assert not Scope.build(allow=[".*"]).accepts(url)


def test_non_article_suffixes_do_not_catch_articles_or_sitemaps() -> None:
    assert {".jpg", ".png", ".gif", ".pdf", ".mp4", ".zip", ".css", ".js"} <= NON_ARTICLE_SUFFIXES
    scope = Scope.build()
    for url in (
        "https://news.example/story.html",
        "https://news.example/a.json-ld-guide",
        "https://news.example/s.xml",
    ):
        assert scope.accepts(url), url


@pytest.mark.parametrize(("kind", "pattern"), [("allow", "(unclosed"), ("deny", "[a-")])
def test_a_bad_pattern_raises_value_error_naming_it(kind: str, pattern: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"invalid {kind} pattern {pattern!r}")):
        Scope.build(**{kind: ["fine", pattern]})


@pytest.mark.parametrize("host", ["", "exa mple.com", "*.example.com"])
def test_a_bad_host_raises_value_error_naming_it(host: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(host))):
        Scope.build(hosts=[host])


def test_a_negative_depth_is_refused() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Scope.build(max_depth=-1)


# --- sniffing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (RSS2, "text/html", "feed"),
        (ATOM, None, "feed"),
        (RDF, "application/xml", "feed"),
        (b"<?xml version='1.0'?>\n<!-- <html> -->\n<!DOCTYPE rss>\n<rss version='2.0'>", None, "feed"),
        ("<?xml version='1.0' encoding='utf-16'?><feed>".encode("utf-16"), None, "feed"),
        (URLSET, "application/rss+xml", "sitemap"),
        (b"\xef\xbb\xbf<sitemapindex>", "text/xml", "sitemap"),
        (gzip.compress(URLSET), "application/octet-stream", "sitemap"),
        (b"https://news.example/one\nhttps://news.example/two\n", "text/plain", "sitemap"),
        (b"<!doctype html><html><body>", "application/rss+xml", "html"),
        (b"<p>fragment</p>", None, "html"),
        (b"", "application/atom+xml; charset=utf-8", "feed"),
        (b"", None, "html"),
        (b"just text", "text/plain", "html"),
    ],
)
def test_sniff_kind(body: bytes, content_type: str | None, kind: str) -> None:
    assert sniff_kind(body, content_type) == kind


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-05-01", "2024-05-01"),
        ("2024-05", "2024-05"),
        ("2024", "2024"),
        ("2024-05-01T10:00+02:00", "2024-05-01T08:00:00Z"),
        ("2024-05-01T10:00:30.123Z", "2024-05-01T10:00:30Z"),
        ("2024-05-01T10:00:30", "2024-05-01T10:00:30"),
        ("2024-05-01 10:00:30+00:00", "2024-05-01T10:00:30Z"),
        ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"),
        (" 2024-05-01 ", "2024-05-01"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_date(raw: str | None, iso: str | None) -> None:
    assert iso_date(raw) == iso


def test_links_of_a_hostile_page_are_read_from_its_bounded_form() -> None:
    """The crawl reads links in its own process: absurd nesting is flattened first, links before it kept."""
    page = '<html><body><a href="/news/first">First story</a>' + "<div>" * 100_000 + "deep</body></html>"
    assert [link.url for link in extract_links(page, "https://a.example/")] == ["https://a.example/news/first"]
