"""Pages that hold no article are recognised and say why, and articles about such things are not."""

from __future__ import annotations

import pytest

import scraper

FILLER = "".join(
    f"<p>Paragraph {i} of a real article about the harbour, its ferries and the people who work there.</p>"
    for i in range(8)
)


def page(title: str, body: str, head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (page("Just a moment...", "<h1>Checking if the site connection is secure</h1>"), "bot-challenge"),
        (
            page(
                "gazette.example",
                '<div id="cf"><script src="/cdn-cgi/challenge-platform/h/b/orchestrate"></script></div>',
            ),
            "bot-challenge",
        ),
        (
            page(
                "Gazette",
                "<noscript>You need to enable JavaScript to run this app.</noscript><div id=root></div>",
            ),
            "javascript-required",
        ),
        (
            page(
                "Gazette",
                "<div><h2>We value your privacy</h2><p>We and our 842 partners store and access information on your device.</p>"
                "<button>Accept all</button><button>Manage preferences</button></div>",
            ),
            "consent-wall",
        ),
        (
            page(
                "Council votes on ferry terminal | Gazette",
                "<article><h1>Council votes on ferry terminal</h1><p>The council voted on Wednesday.</p>"
                "<div><h3>Subscribe to continue reading</h3><p>Already a subscriber? Log in</p></div></article>",
            ),
            "paywall",
        ),
        (
            page(
                "Page not found | Gazette",
                "<main><h1>Page not found</h1><p>Sorry, the page you are looking for does not exist. It may have "
                "been moved or deleted. Try the search box or go back to the home page to find the latest news, "
                "sport, weather and opinion from across the region.</p></main>",
            ),
            "error-page",
        ),
        (
            page(
                "404 | Gazette",
                "<h1>Oops!</h1><p>We could not find that page. Try searching for it below.</p>",
            ),
            "error-page",
        ),
    ],
)
def test_non_article_pages_say_why(html: str, reason: str) -> None:
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html, url="https://gazette.example/x")
    assert caught.value.reason == reason


def test_articles_about_captchas_cookies_paywalls_and_404s_are_articles() -> None:
    body = (
        "<article><h1>Why websites ask if you are a robot</h1>"
        "<p>Are you a robot? Sites ask because bots scrape them, and the captcha is the cheapest check.</p>"
        "<p>Cookie banners say we value your privacy, and a paywall may ask you to subscribe to continue reading.</p>"
        "<p>A page not found error, the famous 404, is what you get when a link is broken.</p>"
        f"{FILLER}</article>"
    )
    article = scraper.clean(
        page("Why websites ask if you are a robot", body), url="https://gazette.example/robots"
    )
    assert "the captcha is the cheapest check" in article.text


def test_json_ld_article_body_stands_in_for_an_empty_dom() -> None:
    text = " ".join(f"Sentence {i} of the article that only the structured data carries." for i in range(30))
    head = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":"Structured only","articleBody":"{text}"}}</script>'
    )
    html = page("Structured only", "<div id=app><h1>Structured only</h1></div>", head=head)
    article = scraper.clean(html, url="https://gazette.example/structured")
    assert "Sentence 29 of the article" in article.text
    assert any("JSON-LD" in warning for warning in article.warnings)


def test_squash_skips_the_split_only_for_texts_folded_already() -> None:
    from scraper.extract.pagekind import squash

    for text in ("", " ", "Plain Text", "two  spaces", " lead", "trail ", "tab\there", "nbsp\xa0here"):
        assert squash(text) == " ".join(text.split()).casefold()
    for text in ("line\u2028sep", "wide\u3000space", "\x1cfs", "ÉCOLE ß", "soft\xadhyphen", "a\x85b"):
        assert squash(text) == " ".join(text.split()).casefold()
    # Why the short cut is exact: a printable text holds no whitespace but the space.
    spaces = [char for char in map(chr, range(0x110000)) if char.isspace()]
    assert [char for char in spaces if char.isprintable()] == [" "]
