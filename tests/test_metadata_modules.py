"""The date helpers the metadata modules share, and with crawl discovery: one reading of a date."""

from __future__ import annotations

import pytest

from scraper.crawler.discover import iso_date
from scraper.extract.metadata.dates import (
    dates_in_text,
    first_unlabelled,
    iso_day,
    normalise_date,
    rfc822_datetime,
)


@pytest.mark.parametrize(
    ("numbers", "day"),
    [
        ((2024, 2, 29), "2024-02-29"),
        ((2023, 2, 29), None),
        ((2024, 13, 1), None),
        ((2024, 5, 0), None),
        ((1994, 5, 3), None),
        ((1995, 1, 1), "1995-01-01"),
    ],
)
def test_iso_day_is_a_real_day_of_a_plausible_year(numbers: tuple[int, int, int], day: str | None) -> None:
    assert iso_day(*numbers) == day


def test_pages_and_feeds_read_an_rfc_822_date_alike() -> None:
    raw = "Fri, 03 May 2024 15:47:42 GMT"
    stamp = rfc822_datetime(raw)
    assert stamp is not None and stamp.isoformat() == "2024-05-03T15:47:42+00:00"
    assert normalise_date(raw) == "2024-05-03T15:47:42+00:00"
    assert iso_date(raw) == "2024-05-03T15:47:42Z"


@pytest.mark.parametrize("raw", ["", "yesterday", "Fri, 99 Foo 2024"])
def test_no_rfc_822_date_is_none(raw: str) -> None:
    assert rfc822_datetime(raw) is None


def test_a_day_labelled_as_an_update_yields_to_a_plain_one() -> None:
    dates = dates_in_text("Updated: May 4, 2024 | Published May 3, 2024", month_first=False)
    assert [(day, updated) for _, day, updated in dates] == [("2024-05-04", True), ("2024-05-03", False)]
    assert first_unlabelled(dates) == "2024-05-03"
    assert first_unlabelled(dates[:1]) is None
