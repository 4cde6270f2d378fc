"""Bytes are decoded as a browser would: BOM, declared charset, then detection."""

from __future__ import annotations

import codecs

import scraper

PARAGRAPHS = [
    "The river burst its banks on Tuesday night, flooding the lower town for the first time in a decade.",
    "Residents were moved to the school hall while volunteers filled sandbags along the high street.",
]
TEXT = "Le café de la gare a rouvert ses portes à l’aube, et les habitués sont revenus dès l’ouverture. "
BODY = "".join(f"<p>{TEXT}{p}</p>" for p in PARAGRAPHS)


def doc(meta: str = "") -> str:
    return f"<html><head>{meta}<title>Café</title></head><body><article>{BODY}</article></body></html>"


def test_windows_1252_declared_only_in_meta() -> None:
    html = doc('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    article = scraper.clean(html.encode("cp1252"))
    assert "café de la gare" in article.text
    assert "l’aube" in article.text


def test_iso_8859_1_label_means_windows_1252() -> None:
    html = doc('<meta charset="iso-8859-1">')
    assert "l’aube" in scraper.clean(html.encode("cp1252")).text


def test_utf8_page_with_a_stale_latin1_meta_is_read_as_utf8() -> None:
    html = doc('<meta charset="iso-8859-1">')
    assert "café de la gare" in scraper.clean(html.encode("utf-8")).text


def test_utf8_bom() -> None:
    assert "café" in scraper.clean(codecs.BOM_UTF8 + doc().encode("utf-8")).text


def test_utf16_bom() -> None:
    assert "café" in scraper.clean(codecs.BOM_UTF16_LE + doc().encode("utf-16-le")).text


def test_undeclared_legacy_encoding_is_detected() -> None:
    article = scraper.clean(doc().encode("cp1252"))
    assert "café de la gare" in article.text


def test_utf8_with_a_few_stray_bytes_keeps_the_declared_utf8() -> None:
    raw = doc('<meta charset="utf-8">').encode("utf-8").replace(b"gare", b"gare\x93", 1)
    article = scraper.clean(raw)
    assert "café de la gare" in article.text


def test_a_fetched_page_is_decoded_by_its_content_type_header() -> None:
    # cp1252 bytes with no <meta>: only the HTTP header says what they are.
    page = scraper.Page(
        url="https://gare.example/a",
        final_url="https://gare.example/cafe",
        status=200,
        headers={"Content-Type": "text/html; charset=windows-1252"},
        body=doc().encode("cp1252"),
    )
    article = scraper.clean(page)
    assert "l’aube" in article.text
    assert article.url == "https://gare.example/cafe"


def test_a_stray_nul_byte_does_not_make_a_page_binary() -> None:
    # One NUL (a CMS padding a field) in the first 4 KiB used to refuse the whole page as binary.
    raw = doc('<meta charset="utf-8">').encode("utf-8").replace(b"<title>", b"<title>\x00", 1)
    raw = raw.replace(b"gare", b"ga\x00re\x01", 1)
    article = scraper.clean(raw)
    assert "café de la gare" in article.text
    assert "\x00" not in article.text


def test_random_and_compressed_bytes_are_still_binary() -> None:
    import gzip
    import random

    import pytest

    from scraper.extract.decode import looks_binary

    samples = [random.Random(seed).randbytes(4096) for seed in range(50)]
    samples.append(gzip.compress(random.Random(7).randbytes(8192), mtime=0)[2:])  # headerless deflate
    assert all(looks_binary(sample) for sample in samples)
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(b"<html><body><p>" + samples[0] + b"</p></body></html>")
    assert caught.value.reason == "binary"
