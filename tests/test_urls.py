"""URL normalisation: one spelling per article, so a crawl fetches each page once."""

from __future__ import annotations

import pytest

from scraper.web.urls import TRACKING_PARAMS, host_of, is_tracking_param, normalize_url, origin

NORMALISED = [
    # scheme and host lowercased, default port dropped, empty path becomes "/"
    ("HTTP://Example.COM", "http://example.com/"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("http://example.com:443/a", "http://example.com:443/a"),
    # fragments go; an emptied query goes
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/a?#x", "https://example.com/a"),
    ("https://example.com?x=1", "https://example.com/?x=1"),
    # IDNA hosts, with the UTS #46 mapping browsers use (ß stays ß, uppercase folds)
    ("https://Bücher.de/", "https://xn--bcher-kva.de/"),
    ("https://faß.de/", "https://xn--fa-hia.de/"),
    # percent-escapes: uppercase hex, unreserved decoded, reserved kept, the rest escaped
    ("https://example.com/%7euser/%41%62", "https://example.com/~user/Ab"),
    ("https://example.com/a%2fb%3d", "https://example.com/a%2Fb%3D"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/café", "https://example.com/caf%C3%A9"),
    ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    ("https://example.com/100%", "https://example.com/100%25"),
    ("https://example.com/?q=a%2bb+c&r=%26", "https://example.com/?q=a%2Bb+c&r=%26"),
    ("https://example.com/?q=naïve", "https://example.com/?q=na%C3%AFve"),
    # dot segments
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/a/b/..", "https://example.com/a/"),
    ("https://example.com/../../x", "https://example.com/x"),
    ("https://example.com/v1.2/file.name", "https://example.com/v1.2/file.name"),
    # tracking parameters (any case) go, others stay in their order
    ("https://example.com/a?utm_source=rss&b=2&UTM_Medium=x&a=1", "https://example.com/a?b=2&a=1"),
    ("https://example.com/a?utm_anything_new=1", "https://example.com/a"),
    ("https://example.com/a?fbclid=1&gclid=2&Msclkid=3&_ga=4&ref_src=tw", "https://example.com/a"),
    ("https://example.com/a?z=1&smid=nytcore&y=2", "https://example.com/a?z=1&y=2"),
    ("https://example.com/a?ref=home&utm=1&source=x", "https://example.com/a?ref=home&utm=1&source=x"),
    ("https://example.com/a?&&id=7&&", "https://example.com/a?id=7"),
    ("https://example.com/a?utm%5Fsource=x&id=7", "https://example.com/a?id=7"),
    # whitespace around and line breaks inside (hrefs wrapped over lines)
    ("  https://example.com/a\n/b\t ", "https://example.com/a/b"),
    # IPv6 literal, user info kept
    ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
    ("https://user:p%40ss@Example.com/", "https://user:p%40ss@example.com/"),
]


@pytest.mark.parametrize(("url", "expected"), NORMALISED)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), NORMALISED)
def test_normalising_twice_changes_nothing(url: str, expected: str) -> None:
    assert normalize_url(expected) == expected


RELATIVE = [
    ("../x y", "https://a.example/dir/sub/page.html", "https://a.example/dir/x%20y"),
    ("//cdn.example/img", "https://a.example/", "https://cdn.example/img"),
    ("?page=2", "https://a.example/list?page=1#top", "https://a.example/list?page=2"),
    ("/b", "http://a.example:8080/a", "http://a.example:8080/b"),
    ("#comments", "https://a.example/story", "https://a.example/story"),
    ("https://other.example/x", "https://a.example/", "https://other.example/x"),
]


@pytest.mark.parametrize(("url", "base", "expected"), RELATIVE)
def test_relative_urls_resolve_against_the_base(url: str, base: str, expected: str) -> None:
    assert normalize_url(url, base) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mailto:desk@example.com",
        "javascript:void(0)",
        "JavaScript:alert(1)",
        "tel:+441234",
        "data:text/html,hello",
        "ftp://example.com/file",
        "/relative/without/base",
        "http://[::1",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http:",
        "http:///path-only",
        "http://exa mple.com/",
        "https://☃.net/",  # IDNA 2008 refuses symbols; httpx could not fetch it either
        "",
    ],
)
def test_non_web_or_unparseable_urls_give_none(url: str) -> None:
    assert normalize_url(url) is None


def test_a_relative_url_against_a_non_web_base_gives_none() -> None:
    assert normalize_url("page", "file:///tmp/index.html") is None


def test_tracking_parameters_are_named_data() -> None:
    assert {"fbclid", "gclid", "mc_eid", "ns_fee", "ref_src"} <= TRACKING_PARAMS
    assert is_tracking_param("UTM_CAMPAIGN")
    assert not is_tracking_param("ref")
    assert not is_tracking_param("id")


def test_host_of() -> None:
    assert host_of("https://News.Example.com:8443/a") == "news.example.com"
    assert host_of("https://bücher.de/") == "xn--bcher-kva.de"
    assert host_of("/relative") == ""
    assert host_of("http://[::1") == ""


def test_origin_spells_out_the_port() -> None:
    assert origin("HTTP://A.example/x") == "http://a.example:80"
    assert origin("https://a.example:8443/") == "https://a.example:8443"
    assert origin("http://[::1]:8000/") == "http://[::1]:8000"
