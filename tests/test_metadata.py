"""Metadata extraction: each signal, the order of trust between them, and odd pages."""

from __future__ import annotations

import dataclasses

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import Metadata, extract_metadata, normalise_date


def meta(html: str, url: str | None = "https://example.com/news/story") -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url)


def page(head: str = "", body: str = "", lang: str | None = None) -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"<!doctype html><html{lang_attr}><head>{head}</head><body>{body}</body></html>"


def ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


# --------------------------------------------------------------------------------------------
# The value
# --------------------------------------------------------------------------------------------


def test_metadata_is_frozen_with_empty_defaults() -> None:
    empty = Metadata()
    assert empty.title is None and empty.authors == () and empty.tags == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        empty.title = "x"  # type: ignore[misc]


def test_empty_page_gives_empty_metadata() -> None:
    assert meta("", url=None) == Metadata()
    assert meta("<html></html>", url=None).title is None


# --------------------------------------------------------------------------------------------
# JSON-LD
# --------------------------------------------------------------------------------------------

NEWS_ARTICLE = """{
  "@context": "https://schema.org",
  "@type": "NewsArticle",
  "headline": "Council approves new bridge",
  "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
  "datePublished": "2024-05-03T15:47:42.389Z",
  "dateModified": "2024-05-04T08:00:00+02:00",
  "publisher": {"@type": "NewsMediaOrganization", "name": "The Daily Example"},
  "inLanguage": "en-GB",
  "keywords": "bridges, council, transport",
  "image": {"@type": "ImageObject", "url": "/img/bridge.jpg"},
  "description": "The council voted 7-2.",
  "articleBody": "The council voted on Tuesday to build a bridge."
}"""


def test_json_ld_article_fields() -> None:
    result = meta(page(ld(NEWS_ARTICLE)))
    assert result.title == "Council approves new bridge"
    assert result.authors == ("Jane Doe", "John Roe")
    assert result.published == "2024-05-03T15:47:42+00:00"
    assert result.modified == "2024-05-04T08:00:00+02:00"
    assert result.sitename == "The Daily Example"
    assert result.language == "en"
    assert result.tags == ("bridges", "council", "transport")
    assert result.image == "https://example.com/img/bridge.jpg"
    assert result.description == "The council voted 7-2."
    assert result.json_ld_body == "The council voted on Tuesday to build a bridge."
    assert result.page_type == "NewsArticle"


def test_json_ld_graph_with_id_references() -> None:
    graph = """{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "@id": "https://blog.example/#website", "name": "Example Blog"},
      {"@type": "WebPage", "@id": "https://blog.example/post/#webpage", "name": "Post | Example Blog"},
      {"@type": "BlogPosting", "headline": "How we moved to Rust",
       "author": {"@id": "https://blog.example/#/schema/person/1"},
       "datePublished": "2023-11-02T09:00:00+01:00",
       "publisher": {"@id": "https://blog.example/#organization"}},
      {"@type": "Person", "@id": "https://blog.example/#/schema/person/1", "name": "Ada Byron"},
      {"@type": "Organization", "@id": "https://blog.example/#organization", "name": "Example Blog Inc"}
    ]}"""
    result = meta(page(ld(graph)), url="https://blog.example/post/")
    assert result.title == "How we moved to Rust"
    assert result.authors == ("Ada Byron",)
    assert result.published == "2023-11-02T09:00:00+01:00"
    assert result.sitename == "Example Blog Inc"
    assert result.page_type == "BlogPosting"


def test_json_ld_top_level_list_and_type_array() -> None:
    data = """[{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": []},
      {"@context": "https://schema.org", "@type": ["NewsArticle", "ReportageNewsArticle"],
       "headline": "Floods in the valley", "author": "Max Muster", "datePublished": "2024-02-01"}]"""
    result = meta(page(ld(data)))
    assert result.title == "Floods in the valley"
    assert result.authors == ("Max Muster",)
    assert result.published_date == "2024-02-01"
    assert result.page_type == "NewsArticle"


@pytest.mark.parametrize(
    ("author_json", "expected"),
    [
        ('"Jane Doe"', ("Jane Doe",)),
        ('"Jane Doe, John Roe"', ("Jane Doe", "John Roe")),
        ('["Jane Doe", "John Roe"]', ("Jane Doe", "John Roe")),
        ('{"@type": "Person", "name": "Jane Doe"}', ("Jane Doe",)),
        ('{"@type": "Person", "givenName": "Jane", "familyName": "Doe"}', ("Jane Doe",)),
        ('{"@type": "Person", "name": ["Jane Doe"]}', ("Jane Doe",)),
        (
            '[{"name": "Jane Doe", "url": "https://example.com/jane"}, {"name": "https://x.com/jr"}]',
            ("Jane Doe",),
        ),
        ('"https://example.com/authors/jane-doe"', ()),
        ('"jane@example.com"', ()),
        ('{"@type": "Organization", "name": "The Daily Example"}', ()),
    ],
)
def test_json_ld_author_shapes(author_json: str, expected: tuple[str, ...]) -> None:
    data = (
        '{"@context": "https://schema.org", "@type": "Article", "headline": "A story",'
        f' "author": {author_json}, "publisher": {{"@type": "Organization", "name": "The Daily Example"}}}}'
    )
    assert meta(page(ld(data))).authors == expected


def test_json_ld_html_entities_and_tags_are_decoded() -> None:
    data = """{"@type": "Article", "headline": "Tom &amp; Jerry&#8217;s <em>big</em> day",
      "author": {"@type": "Person", "name": "Ren&eacute;e O&#39;Hara"},
      "articleBody": "<p>First &amp; second.</p>"}"""
    result = meta(page(ld(data)))
    assert result.title == "Tom & Jerry\u2019s big day"
    assert result.authors == ("Ren\u00e9e O'Hara",)
    assert result.json_ld_body == "First & second."


def test_malformed_json_ld_is_read_tolerantly() -> None:
    trailing_comma = '{"@type": "NewsArticle", "headline": "Trailing commas", "datePublished": "2024-01-05",}'
    result = meta(page(ld(trailing_comma)))
    assert result.title == "Trailing commas"
    assert result.published_date == "2024-01-05"


def test_broken_json_ld_falls_back_to_regular_expressions() -> None:
    broken = """{"@type": "NewsArticle", "headline": "Still found", "datePublished": "2024-03-09T10:00:00Z",
      "author": {"@type": "Person", "name": "Jane Doe"}, "articleBody": "unterminated """
    result = meta(page(ld(broken)))
    assert result.title == "Still found"
    assert result.published == "2024-03-09T10:00:00+00:00"
    assert result.authors == ("Jane Doe",)
    assert result.page_type == "NewsArticle"


@pytest.mark.parametrize(
    "garbage",
    ["", "null", "42", '"text"', "[[[]]]", "{", '{"@graph": "nope"}', '{"@type": 5, "author": {"name": 7}}'],
)
def test_odd_json_ld_never_raises(garbage: str) -> None:
    result = meta(page(ld(garbage) + "<title>Fallback</title>"))
    assert result.title == "Fallback"


def test_json_ld_article_matching_the_page_url_wins() -> None:
    teaser = '{"@type": "NewsArticle", "headline": "Other story", "url": "https://example.com/news/other"}'
    own = '{"@type": "NewsArticle", "headline": "This story", "url": "https://example.com/news/story"}'
    assert meta(page(ld(teaser) + ld(own))).title == "This story"


def test_live_blog_and_liveblogposting_type() -> None:
    data = '{"@type": "LiveBlogPosting", "headline": "Election night live", "datePublished": "2024-11-05"}'
    result = meta(page(ld(data)))
    assert result.page_type == "LiveBlogPosting"
    assert result.published_date == "2024-11-05"


# --------------------------------------------------------------------------------------------
# OpenGraph and standard metas
# --------------------------------------------------------------------------------------------


def test_opengraph_fields() -> None:
    head = """
      <meta property="og:title" content="Markets rally on rate cut">
      <meta property="og:site_name" content="Finance Daily">
      <meta property="og:description" content="Stocks rose.">
      <meta property="og:image" content="//cdn.example.com/a.jpg">
      <meta property="og:url" content="https://example.com/markets/rally">
      <meta property="og:type" content="article">
      <meta property="og:locale" content="de_DE">
      <meta property="article:published_time" content="2024-06-01T10:00:00+02:00">
      <meta property="article:modified_time" content="2024-06-01T12:30:00+02:00">
      <meta property="article:author" content="https://facebook.com/someone">
      <meta property="article:tag" content="Markets"><meta property="article:tag" content="Rates">
    """
    result = meta(page(head), url=None)
    assert result.title == "Markets rally on rate cut"
    assert result.sitename == "Finance Daily"
    assert result.description == "Stocks rose."
    assert result.image == "https://cdn.example.com/a.jpg"
    assert result.canonical_url == "https://example.com/markets/rally"
    assert result.page_type == "article"
    assert result.language == "de"
    assert result.published == "2024-06-01T10:00:00+02:00"
    assert result.modified == "2024-06-01T12:30:00+02:00"
    assert result.authors == ()  # a profile URL is no name
    assert result.tags == ("Markets", "Rates")


@pytest.mark.parametrize(
    ("head", "authors"),
    [
        ('<meta name="author" content="Jane Doe">', ("Jane Doe",)),
        ('<meta name="parsely-author" content="Jane Doe">', ("Jane Doe",)),
        ('<meta name="sailthru.author" content="Jane Doe, John Roe">', ("Jane Doe", "John Roe")),
        ('<meta name="DC.creator" content="Jane Doe">', ("Jane Doe",)),
        ('<meta name="citation_author" content="Doe, Jane; Roe, John">', ("Jane Doe", "John Roe")),
        ('<meta property="article:author" content="Jane Doe">', ("Jane Doe",)),
        ('<meta name="author" content="Staff">', ()),
    ],
)
def test_author_metas(head: str, authors: tuple[str, ...]) -> None:
    assert meta(page(head)).authors == authors


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ('<meta name="parsely-pub-date" content="2024-04-02T08:00:00Z">', "2024-04-02T08:00:00+00:00"),
        ('<meta name="sailthru.date" content="2024-04-02 08:00:00">', "2024-04-02T08:00:00"),
        ('<meta name="DC.date.issued" content="2024-04-02">', "2024-04-02"),
        ('<meta name="citation_publication_date" content="2024/04/02">', "2024-04-02"),
        ('<meta name="date" content="2024-04-02">', "2024-04-02"),
        ('<meta name="pubdate" content="20240402">', "2024-04-02"),
        ('<meta name="publish-date" content="April 2, 2024">', "2024-04-02"),
        ('<meta name="article.created" content="2024-04-02T08:00:00+0200">', "2024-04-02T08:00:00+02:00"),
    ],
)
def test_date_metas(head: str, published: str) -> None:
    result = meta(page(head))
    assert result.published_date == published[:10]
    # A day, or a time without an offset, names no moment: only its day is kept.
    has_offset = len(published) > len("2024-04-02T08:00:00")
    assert result.published == (published if has_offset else None)


def test_keywords_and_news_keywords() -> None:
    assert meta(page('<meta name="keywords" content="a, b,  c, a">')).tags == ("a", "b", "c")
    head = '<meta name="news_keywords" content="x; y"><meta name="keywords" content="z">'
    assert meta(page(head)).tags == ("x", "y")


def test_description_meta() -> None:
    assert (
        meta(page('<meta name="description" content="  A short summary. ">')).description
        == "A short summary."
    )


# --------------------------------------------------------------------------------------------
# Microdata, <time>, bylines
# --------------------------------------------------------------------------------------------


def test_microdata_article() -> None:
    body = """<article itemscope itemtype="https://schema.org/NewsArticle">
      <h1 itemprop="headline">Microdata headline</h1>
      <span itemprop="author" itemscope itemtype="https://schema.org/Person">
        By <span itemprop="name">Jane Doe</span></span>
      <time itemprop="datePublished" datetime="2023-09-14T07:30:00-04:00">Sept. 14</time>
      <p>Text.</p></article>"""
    result = meta(page("<title>Microdata headline - Example</title>", body))
    assert result.title == "Microdata headline"
    assert result.authors == ("Jane Doe",)
    assert result.published == "2023-09-14T07:30:00-04:00"


def test_time_with_pubdate_and_time_in_article() -> None:
    body = '<article><h1>T</h1><time pubdate datetime="2022-12-24">Dec 24</time></article>'
    assert meta(page("", body)).published_date == "2022-12-24"
    body = '<nav><time datetime="2020-01-01">x</time></nav><article><time datetime="2022-12-25T10:00">y</time></article>'
    result = meta(page("", body))
    assert (result.published, result.published_date) == (None, "2022-12-25")  # no offset: the day only


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Von Max Mustermann und Erika Musterfrau", ("Max Mustermann", "Erika Musterfrau")),
        ("Par Jean Dupont et Marie Curie", ("Jean Dupont", "Marie Curie")),
        ("Por Juan García y Ana López", ("Juan García", "Ana López")),
        ("By Jane Doe, John Roe and Ann Poe", ("Jane Doe", "John Roe", "Ann Poe")),
        ("By Jane Doe, Staff Writer", ("Jane Doe",)),
        ("By Jane Doe Senior Reporter", ("Jane Doe",)),
        ("By Jane Doe | May 3, 2024", ("Jane Doe",)),
        ("Jane Doe, PhD, RD", ("Jane Doe",)),
        ("Von Max Muster | 03.05.2024, 10:15 Uhr", ("Max Muster",)),
        ("Written by Jane Doe Updated 3 May 2024", ("Jane Doe",)),
        ("JD Jane Doe", ("Jane Doe",)),
        ("Jane Doe Last update: July 16, 2025", ("Jane Doe",)),
    ],
)
def test_byline_splitting(byline: str, authors: tuple[str, ...]) -> None:
    body = f'<article><h1>Headline</h1><div class="byline">{byline}</div><p>Body text.</p></article>'
    assert meta(page("", body)).authors == authors


def test_rel_author_links_of_one_byline() -> None:
    body = """<article><h1>Headline</h1><p class="meta">By <a rel="author" href="/a/jd">Jane Doe</a>
      and <a rel="author" href="/a/jr">John Roe</a></p></article>
      <aside class="related"><a rel="author" href="/a/x">Other Person</a></aside>"""
    assert meta(page("", body)).authors == ("Jane Doe", "John Roe")


def test_author_class_skips_bios_and_comments() -> None:
    body = """<div class="comments"><span class="author">Commenter Name</span></div>
      <article><h1>Headline</h1><div class="author-bio">Jane writes about food and travel.</div>
      <span class="author-name">Jane Doe</span></article>"""
    assert meta(page("", body)).authors == ("Jane Doe",)


def test_author_filters() -> None:
    head = (
        '<meta name="author" content="https://example.com/jane, jane@example.com, Jane Doe, Jane Doe,'
        ' Admin, A very long string that is certainly not the name of any person at all">'
    )
    assert meta(page(head)).authors == ("Jane Doe",)


def test_author_equal_to_sitename_is_dropped_unless_a_person() -> None:
    head = '<meta property="og:site_name" content="Example News"><meta name="author" content="Example News">'
    assert meta(page(head)).authors == ()
    head = '<meta property="og:site_name" content="Sam Bossley"><meta name="author" content="Sam Bossley">'
    assert meta(page(head)).authors == ("Sam Bossley",)


def test_by_line_next_to_the_headline() -> None:
    body = """<div class="hero"><h1>Headline here</h1>
      <p>By <a href="/people/jane">Jane Doe</a> and <a href="/people/john">John Roe</a> · March 3, 2024</p>
      </div><p>Body text that is long enough.</p>"""
    result = meta(page("", body))
    assert result.authors == ("Jane Doe", "John Roe")
    assert result.published_date == "2024-03-03"


def test_written_by_label_then_name() -> None:
    body = "<header><h1>Headline here</h1><span>Written by</span><span>Jane Doe</span></header>"
    assert meta(page("", body)).authors == ("Jane Doe",)


def test_author_page_links() -> None:
    body = '<article><h1>Headline</h1><p><a href="https://example.com/author/jane-doe/">Jane Doe</a></p></article>'
    assert meta(page("", body)).authors == ("Jane Doe",)


def test_one_word_names_only_from_marked_name_elements() -> None:
    loose = (
        '<article><h1>H</h1><div class="byline">Sponsored</div><div class="byline">Abbruch</div></article>'
    )
    assert meta(page("", loose)).authors == ()
    marked = '<article><h1>H</h1><span class="author-name">Kristen</span></article>'
    assert meta(page("", marked)).authors == ("Kristen",)


def test_outlet_in_capitals_and_labels_cut_from_bylines() -> None:
    body = '<article><h1>H</h1><div class="byline">Brian Truitt USA TODAY</div></article>'
    assert meta(page("", body)).authors == ("Brian Truitt",)
    body = '<article><h1>H</h1><div class="byline">Jane Doe Last updated on May 2, 2024</div></article>'
    assert meta(page("", body)).authors == ("Jane Doe",)


def test_image_credits_in_author_metas_dropped() -> None:
    head = (
        '<meta name="author" content="Emma Mackenzie">'
        '<meta name="author" content="(Image: Getty Images/iStockphoto)">'
    )
    assert meta(page(head)).authors == ("Emma Mackenzie",)


def test_imprint_in_author_meta_is_no_byline() -> None:
    head = '<meta name="author" content="example.de, Frankfurt, Germany">'
    body = '<article><h1>H</h1><span class="author-name">Roman Warschauer</span></article>'
    assert meta(page(head, body)).authors == ("Roman Warschauer",)


def test_publication_typed_author_dropped_but_desk_kept() -> None:
    org = (
        '{"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", "name": "VnExpress"},'
        ' "publisher": {"@type": "Organization", "name": "B\u00e1o VnExpress"}}'
    )
    body = '<article><h1>H</h1><span class="author-name">L\u00ea Ph\u01b0\u01a1ng</span></article>'
    assert meta(page(ld(org), body)).authors == ("L\u00ea Ph\u01b0\u01a1ng",)
    desk = '<meta property="og:site_name" content="Investopedia"><meta name="author" content="The Investopedia Team">'
    assert meta(page(desk)).authors == ("The Investopedia Team",)


def test_site_name_from_host_is_the_publication() -> None:
    head = '<meta name="author" content="Kaspersky">'
    assert meta(page(head), url="https://www.kaspersky.com/blog/x").authors == ()


def test_byline_in_the_articles_own_footer_counts() -> None:
    body = """<article><h1>H</h1><p>Text.</p><footer class="article-footer">
      <span class="author-name">Jane Doe</span><span class="post-date">August 12, 2025</span></footer></article>
      <footer class="site-footer"><span class="author">Site Owner</span></footer>"""
    result = meta(page("", body))
    assert result.authors == ("Jane Doe",)
    assert result.published_date == "2025-08-12"


def test_promoted_is_not_promo() -> None:
    body = (
        '<article class="node node--promoted"><h1>H</h1><span class="author-name">Jane Doe</span></article>'
    )
    assert meta(page("", body)).authors == ("Jane Doe",)


# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Council approves bridge | The Daily Example",
        "Council approves bridge - The Daily Example",
        "Council approves bridge \u2014 The Daily Example",
        "Council approves bridge :: The Daily Example",
        "The Daily Example | Council approves bridge",
    ],
)
def test_site_suffix_removed_from_title(title: str) -> None:
    head = f'<title>{title}</title><meta property="og:site_name" content="The Daily Example">'
    assert meta(page(head)).title == "Council approves bridge"


def test_short_suffix_removed_without_known_sitename() -> None:
    assert meta(page("<title>Council approves the new bridge | Examplia</title>")).title == (
        "Council approves the new bridge"
    )


def test_title_agreeing_with_h1_preferred() -> None:
    head = (
        '<title>SEO words | Site</title><meta property="og:title" content="Council approves bridge | Site">'
    )
    body = "<h1>Council approves bridge</h1>"
    assert meta(page(head, body)).title == "Council approves bridge"


def test_h1_when_no_structured_title() -> None:
    body = "<header><a>Logo</a></header><h1> The only\n headline </h1>"
    assert meta(page("", body), url=None).title == "The only headline"


def test_json_ld_headline_beats_og_title_without_agreement() -> None:
    head = (
        ld('{"@type": "NewsArticle", "headline": "JSON headline"}')
        + '<meta property="og:title" content="OG">'
    )
    assert meta(page(head)).title == "JSON headline"


def test_twitter_title_used() -> None:
    assert meta(page('<meta name="twitter:title" content="Tweetable title">')).title == "Tweetable title"


def test_blog_name_in_h1_and_post_title_in_h2() -> None:
    body = "<h1>Antoyo's Blog</h1><h2>rustc_codegen_gcc: Progress Report #39</h2><p>Text</p>"
    assert meta(page("<title>rustc_codegen_gcc: Progress Report #39</title>", body)).title == (
        "rustc_codegen_gcc: Progress Report #39"
    )
    head = "<title>RogerBW's Blog: Advent of Code 2025 week 2</title>"
    body = "<h1>RogerBW's Blog</h1><h1>Day 7</h1>"
    assert meta(
        page(head + '<meta property="og:title" content="Advent of Code 2025 week 2">', body)
    ).title == ("Advent of Code 2025 week 2")


def test_cut_json_ld_headline_completed_from_og_title() -> None:
    whole = "Fix It Friday: Struggling With How To Arrange Your Living Room? We Help 4 Readers (Including One Trick)"
    cut = whole[:90]
    head = (
        ld(f'{{"@type": "Article", "headline": "{cut}"}}')
        + f'<meta property="og:title" content="{whole} - Site">'
    )
    assert meta(page(head)).title == whole


def test_h1_that_the_structured_title_extends() -> None:
    head = '<meta property="og:title" content="Houston Restaurants to Visit This Month, December 2025">'
    assert meta(page(head, "<h1>Houston Restaurants to Visit This Month</h1>")).title == (
        "Houston Restaurants to Visit This Month"
    )


def test_colon_is_not_taken_for_a_site_suffix() -> None:
    assert meta(page("<title>The Best VPN Services of 2026: 50+ VPNs Tested</title>")).title == (
        "The Best VPN Services of 2026: 50+ VPNs Tested"
    )


# --------------------------------------------------------------------------------------------
# URLs, language
# --------------------------------------------------------------------------------------------


def test_relative_canonical_made_absolute() -> None:
    head = '<link rel="canonical" href="/news/story-123">'
    assert meta(page(head), url="https://example.com/news/story-123?utm=x").canonical_url == (
        "https://example.com/news/story-123"
    )


def test_canonical_before_og_url_and_protocol_relative() -> None:
    head = '<meta property="og:url" content="https://example.com/og"><link rel="canonical" href="//example.com/c">'
    assert meta(page(head), url=None).canonical_url == "https://example.com/c"


def test_relative_canonical_without_base_falls_back_to_og_url() -> None:
    head = '<link rel="canonical" href="/c"><meta property="og:url" content="https://example.com/og">'
    assert meta(page(head), url=None).canonical_url == "https://example.com/c"
    assert meta(page('<link rel="canonical" href="/c">'), url=None).canonical_url is None


@pytest.mark.parametrize(
    ("html", "language"),
    [
        (page("", "<p>x</p>", lang="en-US"), "en"),
        (page("", "<p>x</p>", lang="DE"), "de"),
        (page('<meta property="og:locale" content="fr_FR">'), "fr"),
        (page('<meta http-equiv="content-language" content="es-ES">'), "es"),
        (page(ld('{"@type": "Article", "inLanguage": "pt-BR"}')), "pt"),
        (page(ld('{"@type": "Article", "inLanguage": {"@type": "Language", "alternateName": "it"}}')), "it"),
        (page("", "<p>x</p>", lang="not a language"), None),
    ],
)
def test_language(html: str, language: str | None) -> None:
    assert meta(html).language == language


def test_html_lang_beats_og_locale() -> None:
    assert meta(page('<meta property="og:locale" content="fr_FR">', lang="de-AT")).language == "de"


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-03", "2024-05-03"),
        ("2024-05-03T15:47:42.389Z", "2024-05-03T15:47:42+00:00"),
        ("2024-05-03 15:47:42", "2024-05-03T15:47:42"),
        ("2024-05-03T15:47+0530", "2024-05-03T15:47:00+05:30"),
        ("20240503", "2024-05-03"),
        ("Fri, 03 May 2024 15:47:42 GMT", "2024-05-03T15:47:42+00:00"),
        ("May 3, 2024", "2024-05-03"),
        ("3. Mai 2024", "2024-05-03"),
        ("3 de mayo de 2024", "2024-05-03"),
        ("03.05.2024", "2024-05-03"),
        ("1714751262", "2024-05-03T15:47:42+00:00"),
        ("2024-13-45", None),
        ("1850-01-01", None),
        ("soon", None),
        ("", None),
    ],
)
def test_normalise_date(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


def test_json_ld_date_beats_meta_date() -> None:
    head = ld('{"@type": "Article", "datePublished": "2024-01-02"}') + (
        '<meta property="article:published_time" content="2024-09-09">'
    )
    assert meta(page(head)).published_date == "2024-01-02"


def test_date_shown_next_to_headline() -> None:
    body = '<div class="hero"><h1>Headline</h1><p>Posted on March 7, 2023</p></div><p>Body</p>'
    assert meta(page("", body)).published_date == "2023-03-07"


def test_published_preferred_over_updated_next_to_headline() -> None:
    body = "<header><h1>Headline</h1><p>Updated June 1, 2024</p><p>Published 2 May 2023</p></header>"
    assert meta(page("", body)).published_date == "2023-05-02"


def test_date_from_url_path() -> None:
    assert meta(page(), url="https://blog.example/2021/07/14/a-post/").published_date == "2021-07-14"


def test_human_written_json_ld_date_yields_to_the_visible_date() -> None:
    head = ld('{"@type": "Article", "headline": "H", "datePublished": "Jun 24, 2025"}')
    body = '<h1>H</h1><div class="post-date">August 25, 2024</div>'
    assert meta(page(head, body)).published_date == "2024-08-25"


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en-US", "03/09/2026", "2026-03-09"),
        ("en", "03-09-2026", "2026-03-09"),
        ("en-GB", "03/09/2026", "2026-09-03"),
        ("de", "03.09.2026", "2026-09-03"),
        ("en-US", "25/09/2025", "2025-09-25"),
        ("en-US", "Thu, 09/25/2025 - 11:38", "2025-09-25"),
    ],
)
def test_day_and_month_order_follows_the_page(lang: str, value: str, expected: str) -> None:
    head = f'<meta property="article:published_time" content="{value}">'
    assert meta(page(head, lang=lang)).published_date == expected


def test_year_month_day_in_words() -> None:
    assert (
        meta(page('<meta name="citation_publication_date" content="2023 Jan 7">')).published_date
        == "2023-01-07"
    )


def test_date_in_url_followed_by_words() -> None:
    url = "https://blog.example/articles/2025-12-15+Rust+GCC+backend"
    assert meta(page(), url=url).published_date == "2025-12-15"


def test_date_next_to_the_byline() -> None:
    body = """<h1>Headline</h1><div class="nav">x</div><p>Intro paragraph.</p>
      <div class="resource-author-details"><p class="author-name">Luke Kim</p><small>December 17, 2025</small></div>"""
    assert meta(page("", body)).published_date == "2025-12-17"


def test_date_class_with_trailing_tags() -> None:
    body = (
        '<h1>H</h1><p>x</p><div class="meta date-section-header">Posted on April 13, 2023 Tags: a, b, c</div>'
    )
    assert meta(page("", body)).published_date == "2023-04-13"


def test_modified_date_is_the_last_resort_for_published() -> None:
    head = '<meta property="article:modified_time" content="2023-06-12T10:39:42+00:00">'
    result = meta(page(head))
    assert result.published == "2023-06-12T10:39:42+00:00"
    assert result.modified == "2023-06-12T10:39:42+00:00"


# --------------------------------------------------------------------------------------------
# Never raises
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><meta content></head></html>",
        "<meta name='author'><meta property='og:title' content=''>",
        "<div class='byline'></div><time datetime='garbage'></time>",
        "<link rel=canonical href='javascript:alert(1)'><link rel=canonical>",
        page(
            ld(
                '{"@type": "Article", "author": {"@id": "#nobody"}, "image": [null, 3], "keywords": [1, null]}'
            )
        ),
        page(ld('{"@type": "Article", "author": "{\\"name\\": \\"Jane Doe\\"}"}')),
        "\x00\ufffd<h1>\ud7ff</h1>",
    ],
)
def test_odd_pages_never_raise(html: str) -> None:
    assert isinstance(meta(html), Metadata)


def test_malformed_urls_are_no_urls() -> None:
    head = '<link rel="canonical" href="http://[::1/x"><meta property="og:image" content="http://[bad">'
    result = extract_metadata(LexborHTMLParser(page(head, "<h1>Title here</h1>")), "http://[::1")
    assert result.title == "Title here"
    assert result.canonical_url is None


def test_a_bug_inside_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import scraper.extract.metadata as metadata

    def broken(tree: LexborHTMLParser, url: str | None) -> Metadata:
        raise RuntimeError("boom")

    monkeypatch.setattr(metadata, "_extract", broken)
    assert meta(page("<title>T</title>")) == Metadata()
    assert "metadata extraction failed" in caplog.text


def test_json_ld_body_keeps_paragraphs() -> None:
    data = '{"@type": "Article", "articleBody": "<p>One &amp; two.</p><p>Three<br>four</p>"}'
    assert meta(page(ld(data))).json_ld_body == "One & two.\n\nThree\n\nfour"


def test_publication_from_a_country_code_host() -> None:
    assert meta(page('<meta name="author" content="BBC">'), url="https://www.bbc.co.uk/news/x").authors == ()


def test_charset_in_content_language_is_no_language() -> None:
    assert meta(page('<meta http-equiv="content-language" content="utf-8">')).language is None


def test_teasers_next_to_the_headline_are_not_its_date() -> None:
    body = (
        '<div class="top"><h1>Headline</h1><div class="related-stories">Other story, May 1, 2020</div>'
        "<p>Posted June 2, 2021</p></div>"
    )
    assert meta(page("", body)).published_date == "2021-06-02"


# --------------------------------------------------------------------------------------------
# JSON-LD repair takes linear time, whatever the page holds
# --------------------------------------------------------------------------------------------

PATHOLOGICAL_JSON_LD = {
    "newlines": "{" + "\n" * 200_000 + "}x",  # ^\s*//.*$ with MULTILINE took ~35 s on this
    "unclosed-comments": "{" + "/* " * 70_000 + "x",  # /\*.*?\*/ rescanned the rest at every opener
    "comment-lines": "{" + "\n //" * 50_000 + "\n}x",
    "commas-and-spaces": "{" + ", " * 100_000,
    "unclosed-strings": "{" + '"a\\' * 60_000,
    "headline-keys": "{" + '"headline": "' * 15_000,
    "author-keys": "{" + '"author": {' * 15_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL_JSON_LD))
def test_broken_json_ld_is_read_in_linear_time(name: str) -> None:
    import time

    from scraper.extract.metadata.jsonld import parse_json

    text = PATHOLOGICAL_JSON_LD[name]
    started = time.perf_counter()
    parse_json(text)
    meta(page(ld(text) + "<title>T</title>"))
    assert time.perf_counter() - started < 3  # well under 0.2 s here; generous for a busy machine


def test_json_ld_repair_keeps_strings_and_drops_comments_and_trailing_commas() -> None:
    from scraper.extract.metadata.jsonld import parse_json

    text = (
        '// a comment line\n{"@type": "NewsArticle", "headline": "A // b, } /* c */", /* note */\n'
        '"keywords": ["x", "y", /* last */ ], "url": "https://example.com/a",}'
    )
    assert parse_json(text) == [
        {
            "@type": "NewsArticle",
            "headline": "A // b, } /* c */",
            "keywords": ["x", "y"],
            "url": "https://example.com/a",
        }
    ]
