"""Dates as pages and feeds write them, read into ISO 8601.

The one date parser of the project: JSON-LD and meta values, text for readers ("May 3, 2024",
"3. Mai 2024", "03.05.2024", "2024/05/03"), Unix timestamps and RFC 2822 (feeds, HTTP). Where on a
page a date is looked for is :mod:`.page_dates`' business; crawl discovery reads feed and sitemap
dates with :func:`rfc822_datetime` from here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scraper.extract.metadata.common import DIGIT

ISO_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T\s](?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d))?(?:[.,]\d+)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][01]\d(?::?[0-5]\d)?)?)?"
)
SLASH_DATE_YMD = re.compile(r"\b(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)\b")
# Day and month in digits: "03.05.2024" (day first), "05/03/2024" (month first in the US), "03-05-2024".
NUMERIC_DATE = re.compile(r"\b(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)\d\d)\b")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january januar janvier enero gennaio januari janeiro jän jänner ene gen janv",
            "feb february februar février fevrier febrero febbraio februari fevereiro fév fev févr",
            "mar march märz maerz mars marzo maart março mär marz",
            "apr april avril abril aprile avr abr",
            "may mai mayo maggio mei maio mag",
            "jun june juni juin junio giugno junho giu",
            "jul july juli juillet julio luglio julho juil lug",
            "aug august août aout agosto augustus ago",
            "sep sept september septembre septiembre settembre setembro set",
            "oct october oktober octobre octubre ottobre outubro okt ott out",
            "nov november novembre noviembre novembro",
            "dec december dezember décembre decembre diciembre dicembre dezembro dez déc dic",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,10})\.?"
TEXT_DATE_MDY = re.compile(_MONTH_WORD + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b")
SHORT_DOTTED_DATE = re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d\d)(?![\d.])")  # "25.04.24"
TEXT_DATE_YMD = re.compile(r"\b(?P<y>(?:19|20)\d\d)\s+" + _MONTH_WORD + r"\s+(?P<d>[0-3]?\d)\b")
TEXT_DATE_DMY = re.compile(
    r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?"
    + _MONTH_WORD
    + r",?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b"
)
# Month names and weekdays as regular-expression alternations (bylines are cut at them).
MONTH_ALTERNATION = "|".join(sorted((m for m in MONTHS if len(m) >= 3), key=len, reverse=True))
WEEKDAYS = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)

MIN_YEAR = 1995


def _valid_year(year: int) -> bool:
    return MIN_YEAR <= year <= datetime.now(UTC).year + 1


def iso_day(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` when the numbers make a real day of a plausible year (1995 to next year)."""
    if not _valid_year(year):
        return None
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _format_tz(tz: str | None) -> str:
    if not tz:
        return ""
    if tz in ("Z", "UTC", "GMT"):
        return "+00:00"
    sign, digits = tz[0], tz[1:].replace(":", "")
    digits = digits.ljust(4, "0")
    return f"{sign}{digits[:2]}:{digits[2:4]}"


def normalise_date(value: Any, month_first: bool = False) -> str | None:
    """An ISO 8601 date (``YYYY-MM-DD``) or date-time (``YYYY-MM-DDTHH:MM:SS[+HH:MM]``), or None.

    Keeps the precision the page gives: a date stays a date, a time keeps its offset.
    ``month_first`` reads an ambiguous "05/03/2024" as May 3 (as US pages write it).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_timestamp(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 120:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return _from_timestamp(int(text) / (1000 if len(text) == 13 else 1))
    match = ISO_DATE.search(text)
    if match and not (len(text) > 8 and match.start() > 0 and text[match.start() - 1].isdigit()):
        day = iso_day(int(match["y"]), int(match["m"]), int(match["d"]))
        if day:
            if match["H"] is None:
                return day
            hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
            if hour < 24:
                return f"{day}T{hour:02d}:{minute:02d}:{second:02d}{_format_tz(match['tz'])}"
            return day
    if "," in text and text[:3].isalpha() and DIGIT.search(text):
        stamp = rfc822_datetime(text)
        if stamp is not None and _valid_year(stamp.year):
            return stamp.replace(microsecond=0).isoformat()
    return text_date(text, month_first)


def rfc822_datetime(text: str) -> datetime | None:
    """An RFC 2822 date as feeds and HTTP write it ("Fri, 03 May 2024 15:47:42 GMT"), or None."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _from_timestamp(seconds: float) -> str | None:
    try:
        stamp = datetime.fromtimestamp(seconds, tz=timezone(timedelta(0)))
    except (OverflowError, OSError, ValueError):
        return None
    return stamp.replace(microsecond=0).isoformat() if _valid_year(stamp.year) else None


def text_date(text: str, month_first: bool = False) -> str | None:
    """A day written in words or digits: "May 3, 2024", "3. Mai 2024", "03.05.2024", "2024/05/03"."""
    for pattern in (TEXT_DATE_MDY, TEXT_DATE_DMY, TEXT_DATE_YMD):
        for match in pattern.finditer(text):
            month = MONTHS.get(match["mon"].lower().rstrip("."))
            if month and (day := iso_day(int(match["y"]), month, int(match["d"]))):
                return day
    match = SLASH_DATE_YMD.search(text)
    if match and (day := iso_day(int(match["y"]), int(match["m"]), int(match["d"]))):
        return day
    match = NUMERIC_DATE.search(text)
    if match:
        year, first, second = int(match["y"]), int(match["a"]), int(match["b"])
        orders = ((second, first), (first, second))  # (month, day): day first unless told otherwise
        if month_first and match["sep"] != ".":
            orders = orders[::-1]
        for month, number in orders:
            if day := iso_day(year, month, number):
                return day
    match = SHORT_DOTTED_DATE.search(text)
    if match and (day := iso_day(2000 + int(match["y"]), int(match["m"]), int(match["d"]))):
        return day
    return None


_DATE_IN_TEXT = (
    TEXT_DATE_MDY,
    TEXT_DATE_DMY,
    TEXT_DATE_YMD,
    ISO_DATE,
    SLASH_DATE_YMD,
    NUMERIC_DATE,
    SHORT_DOTTED_DATE,
)
_UPDATED_LABEL = re.compile(
    r"(?:updat|modif|revis|aktualisiert|geändert|mis à jour|actualiz|aggiornat|bijgewerkt|edited)"
    r"\w*\W{0,3}(?:on|am|le|el|:)?\s*$",
    re.IGNORECASE,
)


def dates_in_text(text: str, month_first: bool) -> list[tuple[int, str, bool]]:
    """Every day named in ``text``: (position, ISO date, whether labelled as an update)."""
    found: dict[int, tuple[int, str, bool]] = {}
    for pattern in _DATE_IN_TEXT:
        for match in pattern.finditer(text):
            if any(start <= match.start() < start + 12 for start in found):
                continue
            date = text_date(match[0], month_first) if pattern is not ISO_DATE else normalise_date(match[0])
            if date:
                before = text[max(0, match.start() - 30) : match.start()]
                found[match.start()] = (match.start(), date[:10], bool(_UPDATED_LABEL.search(before)))
    return sorted(found.values())


def first_unlabelled(dates: list[tuple[int, str, bool]]) -> str | None:
    """The first of :func:`dates_in_text`'s days not labelled as an update, or None."""
    return next((date for _, date, updated in dates if not updated), None)
