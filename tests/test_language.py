"""The language of an article: detected in its text, compared with the page's declaration, and
``--language`` keeping only some languages in ``scraper clean``, ``scraper fetch`` and ``scraper crawl``.

The pages are written here (a German, a French, an English and a Norwegian local news story, and
short briefs); fetches and crawls go to a server on 127.0.0.1, never the internet.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import crawl_config
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, rss

import scraper
from scraper.article import Article
from scraper.cli.main import main
from scraper.crawler.config import build_config, load_config
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.errors import ConfigError

GERMAN = (
    "Neue Fährverbindung über den See startet im Frühjahr",
    (
        "Die Gemeinde am Nordufer des Sees bekommt im kommenden Frühjahr eine neue Fährverbindung. Der"
        " Gemeinderat stimmte am Dienstagabend mit großer Mehrheit für den Plan, der seit fast drei Jahren"
        " diskutiert wurde.",
        "Nach Angaben der Verwaltung soll die Fähre zwischen April und Oktober stündlich fahren. Pendler, die"
        " bisher einen Umweg von mehr als vierzig Minuten über die Landstraße nehmen mussten, sparen damit"
        " viel Zeit.",
        "Die Bürgermeisterin sagte, die Kosten für den neuen Anleger würden zum größten Teil vom Land"
        " getragen. Kritiker im Rat bemängelten dagegen, dass die Fahrpreise noch nicht feststehen und die"
        " Parkplätze am Hafen schon heute nicht ausreichen.",
        "Ein Gutachten soll bis zum Sommer klären, wie viele Fahrgäste die Fähre tatsächlich nutzen werden."
        " Erst danach will der Rat über den Fahrplan für den Winter entscheiden.",
    ),
)
FRENCH = (
    "La médiathèque rouvre ses portes après deux ans de travaux",
    (
        "Après deux ans de travaux, la médiathèque du centre-ville rouvrira ses portes samedi matin. Le"
        " bâtiment, construit dans les années soixante-dix, a été entièrement rénové et agrandi d'une"
        " nouvelle aile consacrée à la jeunesse.",
        "Selon la mairie, le chantier a coûté près de quatre millions d'euros, dont la moitié a été financée"
        " par la région. Les horaires d'ouverture seront élargis le mercredi et le dimanche après-midi, une"
        " demande ancienne des familles du quartier.",
        "La directrice de l'établissement explique que les collections ont été triées pendant la fermeture"
        " et que plusieurs milliers de nouveaux livres ont été achetés. Une salle de travail silencieuse et"
        " un atelier numérique accueilleront aussi les étudiants.",
        "Pour fêter la réouverture, des lectures et des concerts gratuits sont prévus tout le week-end.",
    ),
)
ENGLISH = (
    "Harbour bridge repairs to close the east road for six weeks",
    (
        "Repairs to the old harbour bridge will close the east road for six weeks from the start of next"
        " month, the county council said on Thursday. Engineers found cracks in two of the supporting beams"
        " during a routine inspection in the autumn.",
        "Buses will be diverted through the town centre, adding about ten minutes to each journey, and a"
        " temporary footbridge will let people walk across the river while the work goes on.",
        "Shop owners near the bridge said they were worried about losing customers in the busiest weeks"
        " before the summer. The council promised to keep the car park on the quay open and to put up signs"
        " showing the way around the works.",
        "A public meeting about the plans will be held at the library next Tuesday evening.",
    ),
)
NORWEGIAN = (
    "Den gamle skolen blir kulturhus",
    (
        "Kommunen har bestemt at den gamle skolen i sentrum skal bygges om til et kulturhus med bibliotek,"
        " kino og øvingsrom for korps og kor. Arbeidet skal etter planen starte neste høst og ta omtrent to"
        " år.",
        "Ordføreren sier at bygget har stått tomt altfor lenge, og at mange innbyggere har ønsket seg et sted"
        " der barn og voksne kan møtes på kveldstid. Prisen er anslått til rundt åtti millioner kroner.",
        "Et flertall i kommunestyret stemte for forslaget, mens noen representanter mente at pengene heller"
        " burde brukes på veier og eldreomsorg.",
    ),
)
# One sentence: an article (the page says so), but too short to tell its language from.
BRIEF = "The library opens again on Saturday morning after two years of repairs."


def story(title: str, paragraphs: tuple[str, ...], lang: str | None) -> str:
    """A news page with a nav, the story in ``<article>``, and a footer; ``lang`` as declared."""
    declared = f' lang="{lang}"' if lang else ""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f'<!doctype html><html{declared}><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:type" content="article"></head><body>'
        '<nav><a href="/">Start</a> <a href="/news">News</a></nav>'
        f"<article><h1>{title}</h1>{body}</article><footer>© Lokalzeitung</footer></body></html>"
    )


def brief(lang: str | None) -> str:
    return story("Library reopens", (BRIEF,), lang)


def clean(html: str) -> Article:
    return scraper.clean(html, url="https://news.example/story")


# -- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "lang"), [(GERMAN, "de"), (FRENCH, "fr"), (ENGLISH, "en")])
def test_the_language_of_the_text_is_detected_beside_the_declared_one(
    page: tuple[str, tuple[str, ...]], lang: str
) -> None:
    article = clean(story(*page, lang))
    assert article.language == lang
    assert article.detected_language == lang
    assert article.detected_language_probability is not None
    assert 0.9 < article.detected_language_probability <= 1.0
    assert not any("declares language" in warning for warning in article.warnings)


def test_a_page_that_declares_nothing_still_gets_its_language_detected() -> None:
    article = clean(story(*FRENCH, None))
    assert article.language is None
    assert article.detected_language == "fr"


def test_a_declared_language_the_text_contradicts_is_a_warning() -> None:
    article = clean(story(*GERMAN, "en"))  # a template's default lang on a German story
    assert (article.language, article.detected_language) == ("en", "de")
    warnings = [warning for warning in article.warnings if "declares language" in warning]
    assert len(warnings) == 1
    assert "'en'" in warnings[0] and "'de'" in warnings[0]


def test_an_old_or_macrolanguage_code_is_no_contradiction() -> None:
    # Bokmål declared as nb reads as Norwegian (no, or its member nn on some texts).
    article = clean(story(*NORWEGIAN, "nb"))
    assert article.language == "nb" and article.detected_language in ("no", "nn")
    assert not any("declares language" in warning for warning in article.warnings)


def test_a_text_too_short_to_tell_has_no_detected_language() -> None:
    article = clean(brief("de"))  # kept as an article: the page calls itself one
    assert article.text == BRIEF
    assert article.detected_language is None and article.detected_language_probability is None
    assert article.language == "de"
    assert not any("declares language" in warning for warning in article.warnings)


def test_an_unreadable_language_model_turns_detection_off_and_cleaning_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # py3langid unpacks its model through a temporary file: with no writable temporary folder
    # the model cannot be read, and pages must still be cleaned.
    from py3langid.langid import LanguageIdentifier

    from scraper.extract import language

    def unreadable(*_: object, **__: object) -> None:
        raise PermissionError("[Errno 13] Permission denied: '/tmp'")

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(unreadable))
    language.load_model.cache_clear()
    try:
        with pytest.warns(UserWarning, match="language detection is off"):
            article = clean(story(*GERMAN, "de"))
        assert article.text.startswith("Die Gemeinde am Nordufer")
        assert article.language == "de" and article.detected_language is None
    finally:
        language.load_model.cache_clear()


def test_a_refused_page_carries_its_detection_too() -> None:
    html = story("Sport", ("Ergebnisse:",), "de").replace('<meta property="og:type" content="article">', "")
    with pytest.raises(scraper.NoArticleError) as caught:
        clean(html)
    assert caught.value.article is not None and caught.value.article.detected_language is None


def test_the_new_fields_round_trip_through_a_dict() -> None:
    article = clean(story(*GERMAN, "de"))
    data = article.to_dict()
    assert data["detected_language"] == "de"
    assert isinstance(data["detected_language_probability"], float)
    assert Article.from_dict(data) == article


# -- outputs -----------------------------------------------------------------------------------------


def run_clean(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["clean", *args], catch_exceptions=False, env=env)


def test_every_format_carries_both_languages(tmp_path: Path) -> None:
    page = tmp_path / "de.html"
    page.write_text(story(*GERMAN, "en"), encoding="utf-8")
    as_json = json.loads(run_clean(str(page), "--format", "json").stdout)
    assert (as_json["language"], as_json["detected_language"]) == ("en", "de")
    assert as_json["detected_language_probability"] > 0.9
    assert any("declares language" in warning for warning in as_json["warnings"])

    front = yaml.safe_load(run_clean(str(page), "--format", "md").stdout.split("\n---\n")[0].lstrip("-\n"))
    assert (front["language"], front["detected_language"]) == ("en", "de")
    assert front["detected_language_probability"] == as_json["detected_language_probability"]

    record = json.loads(run_clean(str(page), "--format", "jsonl").stdout)
    assert record["metadata"]["detected_language"] == "de"
    assert record["metadata"]["detected_language_probability"] == as_json["detected_language_probability"]

    out = tmp_path / "out"
    assert run_clean(str(page), "-o", str(out)).exit_code == 0
    sidecar = json.loads((out / "de.json").read_text(encoding="utf-8"))
    assert sidecar["detected_language"] == "de"


# -- scraper clean --language --------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """saved/ with a German, French and English story, and two briefs too short to detect: one
    declared English, one declaring nothing."""
    folder = tmp_path / "saved"
    folder.mkdir()
    pages = {
        "de": story(*GERMAN, "de"),
        "fr": story(*FRENCH, "fr"),
        "en": story(*ENGLISH, "en"),
        "brief-en": brief("en"),
        "brief-unknown": brief(None),
    }
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    return folder


def skipped_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skipped:")]


def test_clean_language_keeps_only_those_languages(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_clean(str(saved), "-o", str(out), "-j", "1", "--no-learn", "--language", "de,fr")
    assert result.exit_code == 0, result.output
    # The detected language decides; a brief too short to detect goes by its declaration, and one
    # whose language is unknown is kept.
    assert sorted(p.stem for p in out.glob("*.txt")) == ["brief-unknown", "de", "fr"]
    skipped = skipped_lines(result)
    assert len(skipped) == 2, result.stderr
    english = next(line for line in skipped if "/en.html" in line)
    assert "'en' (detected), not one of de, fr (language)" in english
    short = next(line for line in skipped if "brief-en.html" in line)
    assert "'en' (declared)" in short and short.endswith("(language)")
    assert "done 3, skipped 2, failed 0" in result.stderr


def test_clean_language_is_repeatable_case_blind_and_read_from_the_environment(
    saved: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_clean(
        str(saved), "-o", str(out), "-j", "1", "--no-learn", "--language", "EN", "--language", "de"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in out.glob("*.txt")) == ["brief-en", "brief-unknown", "de", "en"]
    env_out = tmp_path / "env"
    result = run_clean(
        str(saved), "-o", str(env_out), "-j", "1", "--no-learn", env={"SCRAPER_CLEAN_LANGUAGES": "fr"}
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in env_out.glob("*.txt")) == ["brief-unknown", "fr"]


def test_clean_without_language_keeps_everything(saved: Path, tmp_path: Path) -> None:
    result = run_clean(str(saved), "-o", str(tmp_path / "out"), "-j", "1", "--no-learn")
    assert result.exit_code == 0, result.output
    assert "done 5, skipped 0, failed 0" in result.stderr


def test_clean_language_in_worker_processes(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_clean(str(saved), "-o", str(out), "-j", "2", "--no-learn", "--language", "fr")
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in out.glob("*.txt")) == ["brief-unknown", "fr"]
    assert "done 2, skipped 3, failed 0" in result.stderr


@pytest.mark.parametrize("value", ["pt-BR", "german", "d", "de;fr"])
def test_a_bad_language_code_is_a_usage_error(saved: Path, value: str) -> None:
    result = run_clean(str(saved / "de.html"), "--language", value)
    assert result.exit_code == 2
    assert "is not a language code" in result.stderr and "--language" in result.stderr


# -- scraper fetch and scraper crawl ---------------------------------------------------------------------

PATHS = {"de": "/news/faehre.html", "fr": "/news/mediatheque.html", "en": "/news/bridge.html"}
PAGES = {"de": GERMAN, "fr": FRENCH, "en": ENGLISH}


def serve(server: LocalServer) -> None:
    """robots.txt, a feed of the three stories, and the stories."""
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.add("/feed.xml", respond(rss(server, list(PATHS.values())), content_type=FEED_TYPE))
    for lang, path in PATHS.items():
        server.add(path, respond(story(*PAGES[lang], lang), content_type=HTML))


def written(out: Path) -> list[str]:
    """The articles written under ``out`` (raw pages aside), by the slug of their URL."""
    return sorted(p.name.split("-")[0] for p in out.rglob("*.txt") if "raw" not in p.parts)


def test_fetch_language_skips_the_other_languages(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve(server)
        urls = [server.url(path) for path in PATHS.values()]
        out = tmp_path / "out"
        args = [
            "fetch",
            *urls,
            "-o",
            str(out),
            "--allow-private-networks",
            "--delay",
            "0",
            "--language",
            "de",
        ]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "done 1, skipped 2, failed 0" in result.stderr
        skipped = skipped_lines(result)
        assert any(
            line.startswith(f"skipped: {server.url(PATHS['fr'])}: its language is 'fr'") for line in skipped
        )
        assert written(out) == ["faehre"]


def test_crawl_language_records_the_others_as_not_articles(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve(server)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), languages=("de", "fr"))
        report = crawl(cfg)
        assert report.totals.new == 2 and report.totals.not_article == 1 and not report.partial
        assert written(cfg.out) == ["faehre", "mediatheque"]
        with CrawlState.open(cfg.state_path) as state:
            record = state.get(server.url(PATHS["en"]))
            assert record is not None and record.status == "not-article"
            assert record.last_error is not None and "'en' (detected)" in record.last_error


def test_crawl_command_language_flag(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve(server)
        out = tmp_path / "out"
        args = ["crawl", "--feed", server.url("/feed.xml"), "--out", str(out), "--allow-private-networks"]
        args += ["--delay", "0", "-j", "0", "--language", "en"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "crawl: 1 new" in result.stderr and "2 not articles" in result.stderr
        assert written(out) == ["bridge"]


def test_languages_is_a_crawl_config_key(tmp_path: Path) -> None:
    feeds = ["https://gazette.example/rss.xml"]
    assert build_config({"feeds": feeds, "languages": ["DE", "fr", "de"]}).languages == ("de", "fr")
    assert build_config({"feeds": feeds}).languages == ()
    config_file = tmp_path / "sites.toml"
    config_file.write_text(
        'feeds = ["https://gazette.example/rss.xml"]\nlanguages = ["fr"]\n', encoding="utf-8"
    )
    assert load_config(config_file).languages == ("fr",)
    assert load_config(config_file, languages=("de",)).languages == ("de",)  # a flag wins


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["pt-BR"], "is not a language code"),
        ("de", "must be a list of language codes"),
        ([3], "a language must be"),
    ],
)
def test_a_bad_languages_key_is_a_config_error(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config({"feeds": ["https://gazette.example/rss.xml"], "languages": value})
