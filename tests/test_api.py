"""The public API: exports, input types, errors, the Article value."""

from __future__ import annotations
import __future__

import importlib
import inspect
import json
import pickle
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import scraper
from scraper import Article, Removal

PARAGRAPHS = [
    "The river burst its banks on Tuesday night, flooding the lower town for the first time in a decade.",
    "Residents were moved to the school hall while volunteers filled sandbags along the high street.",
    "The mayor said the new flood barrier, finished last spring, had held back the worst of the water.",
    "Insurers expect claims to run into the millions once the damage to shops has been assessed.",
]


def page(*, extra_body: str = "", head: str = "", charset: str = "utf-8") -> str:
    paragraphs = "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}"><title>Flood | Gazette</title>'
        f"{head}</head><body><main><article><h1>Flood</h1><div class='css-1x2y3z'>{paragraphs}"
        f"{extra_body}</div></article></main></body></html>"
    )


def test_all_is_the_public_surface() -> None:
    assert sorted(scraper.__all__) == sorted(
        [
            "Article",
            "ConfigError",
            "CrawlConfig",
            "CrawlReport",
            "ExtractionTimeout",
            "FetchError",
            "FetchSettings",
            "Flag",
            "InputError",
            "LockHeld",
            "NoArticleError",
            "Page",
            "Politeness",
            "Removal",
            "RuleError",
            "ScraperError",
            "clean",
            "crawl",
            "fetch",
            "load_config",
            "scrape",
        ]
    )
    for name in scraper.__all__:
        assert hasattr(scraper, name)


def test_all_lists_every_public_name_of_the_package() -> None:
    public = {
        name
        for name in dir(scraper)
        if not name.startswith("_")
        and not isinstance(getattr(scraper, name), types.ModuleType | __future__._Feature)
        and name != "TYPE_CHECKING"
    }
    assert public == set(scraper.__all__)


def test_what_the_readme_tells_users_to_import_is_exported() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bscraper\.([A-Za-z_]+(?:\.[A-Za-z_]+)*)", readme))
    assert named, "the README names no scraper.* API"
    for dotted in named:
        module_name, _, attribute = ("scraper." + dotted).rpartition(".")
        try:
            owner = importlib.import_module(module_name)
        except ModuleNotFoundError:
            pytest.fail(f"README names scraper.{dotted}, but {module_name} is no module")
        assert hasattr(owner, attribute), f"README names scraper.{dotted}, which does not exist"
        exported = getattr(owner, "__all__", None)
        if exported is not None and not isinstance(getattr(owner, attribute), types.ModuleType):
            assert attribute in exported, f"README names scraper.{dotted}, which {module_name} does not export"


def test_importing_the_package_for_clean_loads_no_fetch_or_crawl_stack() -> None:
    probe = (
        "import sys, scraper\n"
        "try:\n    scraper.clean('<html><body><p>Hello there.</p></body></html>', url='https://a.example/x')\n"
        "except scraper.NoArticleError:\n    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {'httpx', 'feedparser', 'tenacity', 'protego'}"
        " or m.startswith(('scraper.crawler', 'scraper.web.client', 'scraper.web.session', 'scraper.cli')))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == []


def _sample_error(cls: type[scraper.ScraperError]) -> scraper.ScraperError:
    values = {"path": "rules/x.toml", "line": 3, "reason": "too-short", "article": None, "url": "https://a.example/",
              "status": 503, "retryable": True, "retry_after": 2.5, "pid": 42}
    keywords = [
        parameter.name
        for parameter in inspect.signature(cls.__init__).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    return cls(f"{cls.__name__} went wrong", **{name: values[name] for name in keywords})


def _error_classes() -> set[type[scraper.ScraperError]]:
    for module in pkgutil.walk_packages(scraper.__path__, "scraper."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, todo = set(), [scraper.ScraperError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_pickles_with_its_fields() -> None:
    classes = _error_classes()
    assert {scraper.FetchError, scraper.LockHeld, scraper.RuleError, scraper.NoArticleError} <= classes
    for cls in classes:
        error = _sample_error(cls)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is cls
        assert str(copy) == str(error)
        assert copy.__dict__ == error.__dict__


def test_error_tree_has_one_root() -> None:
    for error in (scraper.InputError, scraper.RuleError, scraper.NoArticleError, scraper.ExtractionTimeout):
        assert issubclass(error, scraper.ScraperError)


def test_clean_str_and_bytes_agree() -> None:
    html = page()
    from_str = scraper.clean(html, url="https://gazette.example/flood")
    from_bytes = scraper.clean(html.encode("utf-8"), url="https://gazette.example/flood")
    assert from_str.text == from_bytes.text
    assert from_str.text.split("\n\n") == PARAGRAPHS
    assert from_str.url == "https://gazette.example/flood"
    assert from_str.word_count == sum(len(p.split()) for p in PARAGRAPHS)
    assert len(from_str.text_sha256) == 64
    assert from_str.versions["trafilatura"]


def test_clean_rejects_other_types() -> None:
    with pytest.raises(scraper.InputError, match="str, bytes or a Page"):
        scraper.clean(12345)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty"),
        ("<html><body></body></html>", "empty"),
        ("<html><body><p>Just a line.</p></body></html>", "too-short"),
    ],
)
def test_pages_without_an_article_raise_with_a_reason(html: str, reason: str) -> None:
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html)
    assert caught.value.reason == reason


def test_binary_input_is_no_article() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(png)
    assert caught.value.reason == "binary"


def test_index_page_is_no_article() -> None:
    cards = "".join(
        f'<div class="c-{i}"><a href="/news/story-{i}"><h3>Headline number {i} about the town</h3></a>'
        f"<p>Short teaser {i}.</p></div>"
        for i in range(30)
    )
    html = f'<html><head><meta property="og:type" content="website"></head><body><main>{cards}</main></body></html>'
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html, url="https://gazette.example/")
    assert caught.value.reason in {"index-page", "too-short"}


def test_article_round_trips_through_dict_and_json() -> None:
    article = scraper.clean(page(), url="https://gazette.example/flood")
    data = json.loads(json.dumps(article.to_dict()))
    assert isinstance(data["authors"], list)
    assert isinstance(data["removed"], list)
    assert Article.from_dict(data) == article


def test_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown Article fields: bogus"):
        Article.from_dict({"text": "x", "bogus": 1})


def test_removed_records_detector_and_text() -> None:
    promo = (
        '<div class="x9"><h3>Sign up for our daily newsletter</h3><p>The best stories, every morning.</p>'
        '<form><input type="email" placeholder="Your email"><button>Sign up</button></form></div>'
    )
    article = scraper.clean(page(extra_body=promo))
    assert "newsletter" not in article.text
    assert article.text.split("\n\n") == PARAGRAPHS
    removal = next(r for r in article.removed if r.by == "detector:signup-form")
    assert isinstance(removal, Removal)
    assert "Sign up for our daily newsletter" in removal.text
    assert removal.kind == "element"


def test_metadata_fields_are_filled_from_the_page() -> None:
    head = (
        '<link rel="canonical" href="https://gazette.example/2024/05/flood">'
        '<meta property="og:site_name" content="The Gazette">'
        '<meta property="og:description" content="The river burst its banks.">'
        '<meta property="article:published_time" content="2024-05-07T08:00:00Z">'
        '<meta name="author" content="Ann Baxter">'
    )
    article = scraper.clean(page(head=head))
    assert article.canonical_url == "https://gazette.example/2024/05/flood"
    assert article.url == "https://gazette.example/2024/05/flood"
    assert article.sitename == "The Gazette"
    assert article.published.startswith("2024-05-07")
    assert article.authors == ("Ann Baxter",)
    assert article.language == "en"
    assert article.description == "The river burst its banks."


PACKAGE = Path(scraper.__file__).parent


def test_no_module_is_over_600_lines() -> None:
    """Small modules of one purpose each: a module that grows past this wants splitting."""
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}


def test_the_top_level_holds_the_api_the_types_and_the_subpackages() -> None:
    modules = {path.name for path in PACKAGE.glob("*.py")}
    assert modules == {"__init__.py", "__main__.py", "article.py", "errors.py", "batch.py"}
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        assert (folder / "__init__.py").is_file(), f"{folder.name}/ is not a subpackage"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": 5}, "url must be a string or None, not int 5"),
        ({"timeout": -1}, "timeout must be None (no limit) or seconds, 0 or more, not -1"),
        ({"timeout": float("nan")}, "not nan"),
        ({"timeout": float("inf")}, "not inf"),
        ({"timeout": "3"}, "not '3'"),
    ],
)
def test_wrong_arguments_are_input_errors_saying_which(arguments: dict, message: str) -> None:
    with pytest.raises(scraper.InputError, match=re.escape(message)):
        scraper.clean(page(), **arguments)
