"""People's names out of author strings: one cleaning for every source of authors.

JSON-LD, metas and bylines on the page all give strings like "By Jane Doe, Staff Writer | May 3,
2024". Whatever their source, they are cleaned the same way here: "By", "Von", "Par", "Por" ...
prefixes, roles ("Staff Writer"), dates, labels, photo credits and credentials ("PhD") dropped,
lists split on ``,``, ``;``, "and", "und", "et", "y" ...; kept only when they look like a name (no
URL, no e-mail, not "Staff", a few words, capitalised when read from the page). The publication's
own name (site name, publisher, host) is dropped unless it reads as a person's (a personal blog); a
desk of the publication ("The Investopedia Team") is kept. Order is the page's, duplicates removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scraper.extract.metadata.common import DASHES, DIGIT, QUOTES, URLISH, clean, fold, host_label, word_set
from scraper.extract.metadata.dates import MONTH_ALTERNATION, WEEKDAYS

# Words of roles: a byline is cut before them ("Jane Doe Senior Reporter" -> "Jane Doe").
ROLE_WORDS = word_set(
    """
    staff writer writers editor editors reporter reporters correspondent correspondents contributor
    contributors contributing columnist journalist journalists photographer photographers senior chief
    managing associate executive deputy head founder co-founder ceo cto expert specialist consultant
    analyst former freelance researcher producer host anchor intern fellow director manager
    redakteur redakteurin korrespondent korrespondentin rédacteur rédactrice redactor redattore
    last updated update published posted reviewed fact-checked fact checked medically sponsored
    dietitian nutritionist physician doctor nurse therapist attorney lawyer professor
    member members moderator
    """
)
# Words that are no name on their own: a byline made only of these (and roles) is dropped.
GENERIC_WORDS = ROLE_WORDS | word_set(
    """
    the a an our your by team desk news newsroom admin administrator webmaster editorial guest anonymous
    unknown sponsored content partner author authors autor autorin autoren auteur redaktion rédaction
    redacción redazione agency agencies press release online digital media site blog magazine home
    wire staffs board opinion user nachrichtenagentur nachrichten topic original poster dealer seller
    vendor authorized
    """
)
# Words that never appear in a name: links and widgets next to the byline.
NEVER_NAME_WORDS = word_set(
    """
    view profile posts follow following followers share email e-mail twitter facebook linkedin
    instagram subscribe newsletter read min mins minutes comments comment reply login sign more
    about bio biography articles stories contact see image images photo photos foto fotos bild bilder
    credit credits getty istock istockphoto shutterstock alamy picture pictures illustration
    folgen abonnieren teilen weiterlesen mehr suivre partager seguir compartir
    """
)
# Words of organisations: a byline equal to the site's name is the publication unless it reads as
# a person ("Sam Bossley" on sam.bossley.com), which these words rule out.
ORG_WORDS = word_set(
    """
    news media group inc inc. llc ltd ltd. gmbh ag sa times post daily press journal magazine blog network
    tv radio online digital security labs lab studio studios agency company co co. corp corp. team staff
    editors foundation institute university college association society center centre bank insurance
    health clinic services solutions systems software technologies tech store shop official club review
    report guide world today weekly herald tribune gazette observer express mail telegraph chronicle
    channel zeitung nachrichten verlag redaktion the of and &
    """
)
# A date inside a byline ("Jane Doe, May 3, 2024", "Von Max Muster | 03.05.2024"): a split point.
DATE_IN_BYLINE = re.compile(
    rf"(?:\b(?:{WEEKDAYS})\b\.?,?\s*)?"
    rf"(?:\b(?:{MONTH_ALTERNATION})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+)?\b(?:{MONTH_ALTERNATION})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?"
    rf"|\b\d{{4}}-\d\d-\d\d\S*|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b"
    rf"|\b(?:{WEEKDAYS})\b)",
    re.IGNORECASE,
)
# "Last updated on", "Published:", "Stand:" between a name and a date.
BYLINE_LABEL = re.compile(
    r"\b(?:last\s+)?(?:update[sd]?|published|posted|modified|reviewed|aktualisiert|veröffentlicht|stand|"
    r"mis\s+à\s+jour|publié|actualizado|publicado)\b(?:\s+(?:on|am|le|el))?\s*:?",
    re.IGNORECASE,
)
DETERMINERS = word_set("the a an our your")
# Words that end a sentence fragment, never a name ("Nicole Burke As founder of ..." cut at a role).
TRAILING_WORDS = word_set("as in on at for with from to by is was and or the a an who")
MONTH_OR_DAY = re.compile(rf"^(?:{MONTH_ALTERNATION}|{WEEKDAYS})\.?$", re.IGNORECASE)
# Standalone words that join names in a byline list.
NAME_JOIN = re.compile(
    r"\s*(?:[,;|/•·]|&|\+|\s(?:and|und|et|y|e|og|och|en|i|și|и|with|mit|avec|con)\s)\s*",
    re.IGNORECASE,
)
BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|reported|compiled|edited|reviewed|text|words|story|interview|"
    r"photos?|fotos?|video|verfasst|geschrieben|ein\s+\w+)\s+)?"
    r"(?:by|von|par|por|door|di|af|av|från|przez|от|from)\b[:\s]*",
    re.IGNORECASE,
)
LABEL_PREFIX = re.compile(
    r"^(?:authors?|autor(?:in|en)?|auteurs?|autore|text|texte|redakteur(?:in)?|reporter|"
    r"written\s+by|posted\s+by|about\s+the\s+author)\b\s*[:|]?\s*",
    re.IGNORECASE,
)
CREDENTIAL = re.compile(
    r"^(?:(?i:ph\.?\s?d\.?|m\.?d\.?|d\.?o\.?|jr\.?|sr\.?|mba|msc?|bsc?|rdn?|ldn?|rn|np|pa-c|"
    r"cpt|cscs|cdn|cde|mph|drph|pharmd|dds|dmd|facp|fand|lcsw|lpc|lmft|psyd|esq\.?|cfp|cpa)|"
    r"[A-Z]{2,6}(?:-[A-Z0-9]+)?(?:\s\d+)?)$",
)
HONORIFIC = re.compile(r"^(?:dr|prof|mr|mrs|ms|mx|sir|dame)\.?\s+(?=\S)", re.IGNORECASE)
PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
BARE_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"(?:https?:)?//\S+|www\.\S+", re.IGNORECASE)
EMAIL = re.compile(r"\S+@\S+\.\w+")
HANDLE = re.compile(r"(?:^|\s)@\w+")
USERNAME = re.compile(r"[a-z]\.[a-z]|_")
NAME_PARTICLES = word_set(
    "van von der den de da di do dos das du le la del della bin ibn al el ten ter zu y e of"
)
_WORD_CHARS = re.compile(r"[^\W_]+")

MAX_AUTHOR_CHARS = 60
MAX_BYLINE_CHARS = 200


def _name_words(name: str) -> list[str]:
    return [w.casefold().strip(".,:;()" + QUOTES) for w in name.split()]


def _clean_name(part: str, strict: bool, single: bool = True) -> str | None:
    """One name out of one piece of a byline, or None when it is no person's (or desk's) name.

    ``strict`` (for visible text) wants capitalised words; ``single`` allows a one-word name.
    """
    part = part.strip(" \t:·•|()[].,»«›‹" + DASHES + QUOTES)
    part = LABEL_PREFIX.sub("", BYLINE_PREFIX.sub("", part)).strip()
    if ":" in part:  # "design: Scott McDaniel": a label, then the name
        part = part.rsplit(":", 1)[1].strip()
    # "Jane Doe - Reporter", "Jane Doe (Reuters)", "Jane Doe 3 min read": the name comes first.
    part = re.split(rf"\s[{DASHES}]\s|\s\d|\s?\(", part, maxsplit=1)[0].strip(" .,:;")
    if not part or len(part) > MAX_AUTHOR_CHARS or CREDENTIAL.match(part) or MONTH_OR_DAY.match(part):
        return None
    if URLISH.search(part) or EMAIL.search(part) or DIGIT.search(part):
        return None
    words = part.split()
    lowered = _name_words(part)
    if any(w in NEVER_NAME_WORDS for w in lowered):
        return None
    # Cut at a role: "Keith Barry Senior Autos Reporter" -> "Keith Barry".
    for index, word in enumerate(lowered):
        if word in ROLE_WORDS and index >= 2:
            if lowered[0] not in DETERMINERS:  # "The Currency editors" is a desk, not a person
                words, lowered = words[:index], lowered[:index]
            break
    if all(w in GENERIC_WORDS or w in NAME_PARTICLES for w in lowered) or lowered[0] in ROLE_WORDS:
        return None
    if len(words) > (4 if strict else 6):
        return None
    # "NB Nicole Burke": an avatar's initials before the name; "Nicole Burke As": a sentence after it.
    if strict and len(words) >= 3 and words[0] == "".join(w[:1] for w in words[1 : 1 + len(words[0])]):
        words, lowered = words[1:], lowered[1:]
    while strict and len(words) > 1 and lowered[-1] in TRAILING_WORDS:
        words, lowered = words[:-1], lowered[:-1]
    # "Brian Truitt USA TODAY": a capitalised name, then an outlet in capitals.
    if strict and len(words) >= 3 and not words[0].isupper():
        for index in range(2, len(words)):
            if all(w.isupper() and len(w) > 1 for w in words[index:]):
                words, lowered = words[:index], lowered[:index]
                break
    name = " ".join(words)
    if strict:
        if len(words) == 1 and (not single or USERNAME.search(name) or not name[:1].isupper()):
            return None
        for word, low in zip(words, lowered, strict=True):
            first = word.lstrip("(" + QUOTES)[:1]
            if low not in NAME_PARTICLES and first.isalpha() and first.islower():
                return None
    elif " " not in name and USERNAME.search(name):
        return None
    return name


def split_names(text: str, strict: bool, single: bool = True) -> list[str]:
    """Names in one author string: prefixes, roles, credentials, dates and handles dropped."""
    text = clean(text) or ""
    if not text or len(text) > MAX_BYLINE_CHARS:
        return []
    text = HANDLE.sub(" ", EMAIL.sub(" | ", URL_IN_TEXT.sub(" | ", PARENTHESES.sub(" ", text))))
    text = BYLINE_LABEL.sub(" | ", DATE_IN_BYLINE.sub(" | ", text))
    text = LABEL_PREFIX.sub("", BYLINE_PREFIX.sub("", text.strip()))
    # "Doe, Jane; Roe, John": surname first, one name per semicolon.
    pieces = text.split(";")
    if len(pieces) > 1 and all(piece.count(",") == 1 for piece in pieces):
        text = ";".join(" ".join(reversed(piece.split(","))) for piece in pieces)
    names = []
    for part in NAME_JOIN.split(text):
        if name := _clean_name(part, strict, single):
            names.append(name)
    return names


def meta_names(values: Iterable[str]) -> list[str]:
    """Names from author metas; a value listing a bare domain ("example.de, Berlin") is an imprint."""
    names: list[str] = []
    for value in values:
        parts = value.split(",")
        if len(parts) > 1 and any(BARE_DOMAIN.match(part.strip()) for part in parts):
            continue
        names.extend(split_names(value, strict=False))
    return names


def _person_like(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 4 and not any(w in ORG_WORDS for w in _name_words(name))


def publication_words(*names: str | None) -> list[frozenset[str]]:
    """Word sets of the publication's names (site name, publisher, host) to tell bylines from it."""
    found = []
    for name in names:
        if not name:
            continue
        if "." in name and " " not in name:  # a host: its main label ("hessenschau" of hessenschau.de)
            name = host_label(name)
        words = frozenset(_WORD_CHARS.findall(name.casefold()))
        if words:
            found.append(words)
    return found


def is_publication(name: str, publication: list[frozenset[str]], loose: bool = False) -> bool:
    """Whether a byline is the publication's name; ``loose`` also takes a part of it ("VnExpress"
    of "Báo VnExpress"), for bylines typed as an organisation. A desk of the publication
    ("The Investopedia Team", "Redaktion hessenschau.de") is a byline and stays.
    """
    words = frozenset(_WORD_CHARS.findall(name.casefold()))
    return bool(words) and any(words == site or (loose and words <= site) for site in publication)


def dedupe_names(names: Iterable[str], publication: list[frozenset[str]]) -> tuple[str, ...]:
    """Names in order, each once; the publication's own name only when it reads as a person's."""
    kept: list[str] = []
    seen: set[str] = set()
    for name in names:
        key = fold(HONORIFIC.sub("", name))
        if not key or key in seen:
            continue
        if is_publication(name, publication) and not _person_like(name):
            continue
        seen.add(key)
        kept.append(name)
    # A bare first name or a shorter form of a name already kept adds nothing.
    folded = [fold(n) for n in kept]
    return tuple(
        name
        for name, key in zip(kept, folded, strict=True)
        if not any(other != key and " " not in key and key in other.split(" ") for other in folded)
    )
