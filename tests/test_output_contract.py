"""The output contract (docs/output.md): every JSON the tool writes validates against the schema
shipped in the package, ``Article.from_dict`` reads each of them back, and dates are either full
timestamps with an offset or days, each in its own field."""

from __future__ import annotations

import json
from dataclasses import fields
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import scraper
from scraper import Article
from scraper.article import Block
from scraper.cli.main import main
from scraper.extract.model.pages import LABELS
from scraper.io.formats import FRONT_MATTER_KEYS, JSONL_NAME

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FORMATS = ("txt", "md", "json", "jsonl")
DATE_ONLY_SAMPLE = "samples/algarvegazette.com/cafe-terrace-ruling.html"  # says "21 August 2012"
PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the council's report on the harbour wall, which engineers inspected on"
    " Tuesday morning after the winter storms had loosened several of its granite blocks.</p>"
    for n in range(6)
)


def schema() -> dict[str, Any]:
    """The schema as an installed package ships it (CI tests a wheel install)."""
    return json.loads(files("scraper.io").joinpath("article.schema.json").read_text(encoding="utf-8"))


def validator(shape: str | None = None) -> Any:
    """The whole schema, or one document shape of it (``$defs/<shape>``)."""
    whole = schema()
    target = whole if shape is None else {"$ref": f"#/$defs/{shape}", "$defs": whole["$defs"]}
    return jsonschema.Draft202012Validator(target)


def assert_valid(document: Any, shape: str) -> None:
    for check in (validator(shape), validator()):
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in check.iter_errors(document)
        ]
        assert not errors, errors


def page(head: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>Harbour wall repaired</title>{head}</head>"
        f"<body><article><h1>Harbour wall repaired</h1>{PARAGRAPHS}</article></body></html>"
    )


def front_matter(markdown: str) -> dict[str, Any]:
    head, _, _ = markdown.partition("\n---\n")
    return yaml.safe_load(head.removeprefix("---\n"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled samples cleaned into one folder per format, as a user would."""
    root = tmp_path_factory.mktemp("contract")
    for fmt in FORMATS:
        args = ["clean", str(SAMPLES), "-o", str(root / fmt), "--format", fmt, "-j", "1", "-q"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return {fmt: root / fmt for fmt in FORMATS}


def documents(written: dict[str, Path], fmt: str) -> dict[str, tuple[dict[str, Any], str | None]]:
    """Each written article by its input path: its JSON document and, beside it, its text
    (the txt format's .txt, the md body) or None."""
    out: dict[str, tuple[dict[str, Any], str | None]] = {}
    folder = written[fmt]
    if fmt == "jsonl":
        for line in (folder / JSONL_NAME).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out[record["metadata"]["input"]] = (record, None)
    elif fmt == "md":
        for path in folder.rglob("*.md"):
            markdown = path.read_text(encoding="utf-8")
            data = front_matter(markdown)
            out[data["source"]] = (data, markdown.partition("\n---\n\n")[2])
    else:
        for path in folder.rglob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            text = path.with_suffix(".txt").read_text(encoding="utf-8") if fmt == "txt" else None
            out[data["source"]] = (data, text)
    return {Path(source).relative_to(SAMPLES.parent).as_posix(): doc for source, doc in out.items()}


# -- the schema ----------------------------------------------------------------------------------


def test_the_schema_is_valid_and_ships_inside_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_the_schema_lists_exactly_the_fields_an_article_has() -> None:
    """A new Article field (or block field, or page kind) cannot ship without its schema entry."""
    defs = schema()["$defs"]
    produced = set(Article(text="x").to_dict())
    assert set(defs["article_fields"]["properties"]) == produced
    assert set(defs["metadata"]["required"]) == produced - {"text"}
    assert set(defs["block"]["properties"]) == {f.name for f in fields(Block)}
    assert set(defs["md_front_matter"]["propertyNames"]["enum"]) == {*FRONT_MATTER_KEYS, "source"}
    assert set(defs["md_front_matter"]["required"]) == {*FRONT_MATTER_KEYS, "source"}
    assert defs["article_fields"]["properties"]["page_kind"]["enum"] == [*LABELS, None]


def test_the_schema_refuses_a_day_in_a_timestamp_field_and_unknown_keys() -> None:
    good = {**scraper.clean(page("")).to_dict(), "source": "x.html"}
    assert validator("json_file").is_valid(good)
    assert not validator("json_file").is_valid({**good, "published": "2025-01-02"})
    assert not validator("json_file").is_valid({**good, "published": "2025-01-02T10:00:00"})  # no offset
    assert not validator("json_file").is_valid({**good, "published_date": "2025-01-02T10:00:00+00:00"})
    assert not validator("json_file").is_valid({**good, "surprise": 1})
    assert not validator("md_front_matter").is_valid({**good, "text": "x"})


# -- every format validates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "shape"),
    [
        ("json", "json_file"),
        ("txt", "txt_metadata_file"),
        ("md", "md_front_matter"),
        ("jsonl", "jsonl_record"),
    ],
)
def test_every_format_validates_against_the_shipped_schema(
    written: dict[str, Path], fmt: str, shape: str
) -> None:
    docs = documents(written, fmt)
    assert len(docs) >= 15, sorted(docs)  # every sample page but the index page
    for document, _ in docs.values():
        assert_valid(document, shape)


def test_library_articles_validate_too() -> None:
    for head in ("", '<meta property="article:published_time" content="2025-01-02">'):
        assert_valid(scraper.clean(page(head)).to_dict(), "article")


# -- from_dict reads everything the tool writes --------------------------------------------------


def test_from_dict_inverts_to_dict() -> None:
    for path in sorted(SAMPLES.glob("*/*.html"))[:6]:
        try:
            article = scraper.clean(path.read_bytes())
        except scraper.NoArticleError:
            continue
        assert Article.from_dict(article.to_dict()) == article
        assert Article.from_dict(json.loads(json.dumps(article.to_dict()))) == article


def test_from_dict_reads_every_format_back_to_the_same_article(written: dict[str, Path]) -> None:
    by_format = {fmt: documents(written, fmt) for fmt in FORMATS}
    for source, (data, _) in by_format["json"].items():
        article = Article.from_dict(data)
        assert article.to_dict() == {key: value for key, value in data.items() if key != "source"}
        record, _ = by_format["jsonl"][source]
        assert Article.from_dict(record) == article
        sidecar, text = by_format["txt"][source]
        assert text is not None
        assert Article.from_dict(sidecar, text=text.rstrip("\n")) == article
        front, body = by_format["md"][source]
        from_md = Article.from_dict(front, text=body).to_dict()
        assert {key: from_md[key] for key in FRONT_MATTER_KEYS if key != "source"} == {
            key: data[key] for key in FRONT_MATTER_KEYS if key != "source"
        }


def test_from_dict_says_what_is_missing_or_unknown() -> None:
    data = scraper.clean(page("")).to_dict()
    with pytest.raises(ValueError, match="unknown Article fields: surprise"):
        Article.from_dict({**data, "surprise": 1})
    sidecar = {key: value for key, value in data.items() if key != "text"}
    with pytest.raises(ValueError, match="pass the text"):
        Article.from_dict(sidecar)
    record = {"id": "x", "text": "t", "source": "s", "added": "a", "created": None, "metadata": sidecar}
    assert Article.from_dict(record).text == "t"
    with pytest.raises(ValueError, match="unknown jsonl record keys: extra"):
        Article.from_dict({**record, "extra": 1})
    with pytest.raises(ValueError, match="unknown Article fields: surprise"):
        Article.from_dict({**record, "metadata": {**sidecar, "surprise": 1}})


def test_from_dict_reads_a_day_written_in_published_by_earlier_versions() -> None:
    article = Article.from_dict({"text": "x", "published": "2024-03-05", "modified": "2024-03-06T10:00:00"})
    assert (article.published, article.published_date) == (None, "2024-03-05")
    assert (article.modified, article.modified_date) == (None, "2024-03-06")


# -- dates: one kind of value per field ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "published", "published_date"),
    [
        ("2025-01-02", None, "2025-01-02"),  # a day only
        ("2025-01-02T10:00:00", None, "2025-01-02"),  # a time without offset: no moment, the day kept
        ("2025-01-02T23:30:00-05:00", "2025-01-02T23:30:00-05:00", "2025-01-02"),  # the page's day, not UTC's
        ("2025-01-02T10:00:00Z", "2025-01-02T10:00:00+00:00", "2025-01-02"),
    ],
)
def test_dates_from_the_page(value: str, published: str | None, published_date: str) -> None:
    article = scraper.clean(page(f'<meta property="article:published_time" content="{value}">'))
    assert (article.published, article.published_date) == (published, published_date)
    assert (article.modified, article.modified_date) == (None, None)


def test_a_date_only_page_in_every_format(written: dict[str, Path]) -> None:
    docs = {fmt: documents(written, fmt)[DATE_ONLY_SAMPLE][0] for fmt in FORMATS}
    for fmt in ("json", "txt", "md"):
        assert (docs[fmt]["published"], docs[fmt]["published_date"]) == (None, "2012-08-21"), fmt
    record = docs["jsonl"]
    assert record["created"] is None
    assert (record["metadata"]["published"], record["metadata"]["published_date"]) == (None, "2012-08-21")


def test_a_timestamp_page_in_every_format(written: dict[str, Path]) -> None:
    source = "samples/elpais.com/escuela-rural-teruel.html"
    docs = {fmt: documents(written, fmt)[source][0] for fmt in FORMATS}
    for fmt in ("json", "txt", "md"):
        assert docs[fmt]["published"] == "2024-09-12T05:40:12+02:00", fmt
        assert docs[fmt]["published_date"] == "2024-09-12", fmt
    assert docs["jsonl"]["created"] == "2024-09-12T05:40:12+02:00"


def test_an_article_refuses_a_day_in_a_timestamp_field() -> None:
    with pytest.raises(ValueError, match="published_date"):
        Article(text="x", published="2025-01-02")
    with pytest.raises(ValueError, match="modified_date must be a day"):
        Article(text="x", modified_date="2 Jan 2025")
    assert Article(text="x", published="2025-01-02T10:00:00+01:00").published_date == "2025-01-02"


def test_duckdb_types_each_date_field_once(written: dict[str, Path]) -> None:
    duckdb = pytest.importorskip("duckdb")
    jsonl = (written["jsonl"] / JSONL_NAME).as_posix()
    query = (
        "select created, added, metadata.published, metadata.modified, metadata.published_date,"
        f" metadata.modified_date from read_json_auto('{jsonl}')"
    )
    types = {name: kind for name, kind, *_ in duckdb.connect().sql(f"describe {query}").fetchall()}
    assert types == {
        "created": "TIMESTAMP WITH TIME ZONE",
        "added": "TIMESTAMP WITH TIME ZONE",
        "published": "TIMESTAMP WITH TIME ZONE",
        "modified": "TIMESTAMP WITH TIME ZONE",
        "published_date": "DATE",
        "modified_date": "DATE",
    }
