"""Vocabulary of boilerplate, as named data: what promos, related lists and share bars say.

Detectors in :mod:`scraper.boilerplate` combine these with structure (forms, link density,
repeated cards), so a word alone never removes article text. English, German, French and
Spanish are covered; add a language by extending the phrase lists (regex fragments).
"""

from __future__ import annotations

import re


def _any_of(phrases: list[str]) -> str:
    return "(?:" + "|".join(phrases) + ")"


def _whole(phrases: list[str]) -> re.Pattern[str]:
    """A pattern that matches a whole short text made of one of the phrases (punctuation aside)."""
    return re.compile(r"^\W*" + _any_of(phrases) + r"\W*$", re.IGNORECASE)


def _within(phrases: list[str]) -> re.Pattern[str]:
    """A pattern that finds one of the phrases anywhere in a text."""
    return re.compile(_any_of(phrases), re.IGNORECASE)


# Words that make a short block a call to action (newsletter, subscription, registration).
CTA_TEXT = _within(
    [
        r"newsletter",
        r"sign[\s-]?up",
        r"subscri(?:be|ption|ber)",
        r"\binbox\b",
        r"daily e-?mail",
        r"weekly e-?mail",
        r"e-?mail address",
        r"\bregister\b",
        r"join (?:us|now|for free)",
        r"get (?:the|our) .{0,40}(?:e-?mail|briefing|digest)",
        r"abonnier",
        r"anmelden",
        r"registrier",
        r"s'abonner",
        r"abonnez",
        r"inscri(?:vez|ption|re)",
        r"suscr[ií]b",
        r"suscripci[oó]n",
        r"bolet[ií]n",
        r"reg[ií]strate",
        # Paywall offers are calls to action too.
        r"free (?:articles?|stories)",
        r"unlimited (?:digital )?access",
        r"cancel (?:at )?any ?time",
        r"already (?:a )?(?:subscriber|member)",
        r"subscriber[- ]only|subscriber exclusive|for subscribers",
        r"\blog ?in\b|\bsign ?in\b",
        r"(?:per|a|/) ?month\b",
        r"kostenlos testen|jetzt testen|abonnent|\babo\b",
        r"déjà abonné|offre d'essai",
        r"ya eres suscriptor|prueba gratis",
    ]
)
# Whole-text labels of buttons and links that ask the reader to sign up.
CTA_BUTTON = _whole(
    [
        r"sign(?:[\s-]?up| me up)(?: now| for free| today)?",
        r"subscribe(?: now| today| for free)?",
        r"join(?: now| free| us)?",
        r"register(?: now| for free)?",
        r"get (?:the|our) newsletter",
        r"try (?:it )?(?:for )?free",
        r"start (?:your )?free trial",
        r"(?:jetzt )?abonnieren",
        r"(?:jetzt )?anmelden",
        r"registrieren",
        r"s'abonner",
        r"je m'abonne",
        r"abonnez-vous",
        r"s'inscrire",
        r"inscrivez-vous",
        r"suscr[ií]bete",
        r"suscribirse",
        r"reg[ií]strate",
    ]
)
# Headings that introduce lists of other stories.
RELATED_HEADING = _whole(
    [
        r"related(?: (?:stories|articles|posts|content|coverage|reading|topics|links|news))?",
        r"more (?:from|on|about|in|stories|news|to (?:read|explore)|like this)\b.{0,40}",
        r"latest(?: (?:news|stories|articles|videos|posts|headlines))?",
        r"most (?:read|popular|viewed|shared|commented)",
        r"trending(?: now| stories)?",
        r"popular(?: now| stories| posts)?",
        r"(?:more )?top (?:stories|news|headlines)",
        r"editor'?s'? picks?",
        r"recommended(?: for you| reading| stories)?",
        r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)",
        r"read (?:next|more|this next)",
        r"further reading",
        r"also (?:read|on)\b.{0,40}",
        r"what to read next",
        r"don'?t miss",
        r"in case you missed it",
        r"recent (?:posts|stories|articles)",
        r"mehr (?:zum thema|aus|von|dazu|news|artikel)\b.{0,40}",
        r"meistgelesene?",
        r"das könnte sie auch interessieren",
        r"lesen sie (?:auch|mehr)",
        r"weitere (?:artikel|nachrichten|themen)",
        r"empfehlungen",
        r"zum thema",
        r"(?:à )?lire aussi",
        r"sur le même sujet",
        r"les plus lus",
        r"dans la même rubrique",
        r"(?:te|le) puede interesar",
        r"tambi[eé]n te puede interesar",
        r"noticias relacionadas",
        r"lo más (?:leído|visto)",
        r"m[aá]s (?:le[ií]das|noticias)",
    ]
)
# Share endpoints of the social networks: a link to one of these is a share button.
SHARE_ENDPOINTS = [
    "facebook.com/sharer",
    "facebook.com/share.php",
    "facebook.com/dialog/share",
    "twitter.com/intent",
    "twitter.com/share",
    "x.com/intent",
    "x.com/share",
    "linkedin.com/share",
    "linkedin.com/sharearticle",
    "pinterest.com/pin/create",
    "reddit.com/submit",
    "api.whatsapp.com/send",
    "wa.me/?",
    "whatsapp://send",
    "t.me/share",
    "telegram.me/share",
    "bsky.app/intent",
    "threads.net/intent",
    "mailto:?",
    "news.ycombinator.com/submitlink",
    "flipboard.com/bookmarklet",
    "xing.com/spi/shares",
]
# A few substrings that every endpoint above contains: one cheap scan, then an exact check.
SHARE_LINK_SEED = ", ".join(
    f'a[href*="{part}" i]'
    for part in ("share", "intent", "submit", "send", "wa.me", "pin/create", "mailto:?", "bookmarklet")
)
# Whole texts of the buttons in a share bar.
SHARE_TEXT = _whole(
    [
        r"share(?: this| on| via| article| story| page)?.{0,20}",
        r"tweet",
        r"e-?mail",
        r"copy(?: the)? link",
        r"link copied",
        r"print",
        r"teilen",
        r"drucken",
        r"partager",
        r"compartir",
        r"imprimer",
        r"imprimir",
        r"facebook|twitter|x|linkedin|whatsapp|pinterest|reddit|telegram|flipboard|bluesky|threads|xing",
        r"\d+",
        r"comments?",
    ]
)
# Fields that only a sign-up or log-in form has.
FORM_FIELD_SELECTOR = (
    "input[type=email i], input[name*=email i], input[placeholder*=mail i], input[type=password i]"
)
# Whole texts of ad slots' labels and "continue below the ad" markers.
AD_LABEL = _whole(
    [
        r"advertisements?",
        r"advertising",
        r"advert",
        r"ad",
        r"sponsored(?: content)?",
        r"paid (?:content|post)",
        r"anzeige",
        r"werbung",
        r"publicit[ée]",
        r"publicidad",
        r"pubblicit[àa]",
        r"(?:the )?(?:story|article) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?",
        r"continue reading (?:below|the main story)",
        r"scroll (?:down )?to continue(?: reading| with content)?",
    ]
)
# Words that the ad labels contain, for a cheap first pass over the page in C.
AD_LABEL_SEEDS = ("advert", "sponsored", "anzeige", "werbung", "publicit", "pubblicit", "continue")
COOKIE_TEXT = _within(
    [
        r"(?:we|this (?:site|website)) uses? cookies",
        r"use of cookies",
        r"cookie (?:policy|settings|preferences|consent)",
        r"accept (?:all )?cookies",
        r"wir verwenden cookies",
        r"verwendet cookies",
        r"cookie-einstellungen",
        r"utilis(?:e|ons) des cookies",
        r"accepter les cookies",
        r"utilizamos cookies",
        r"usamos cookies",
        r"aceptar (?:las )?cookies",
    ]
)
# Paths of author profile pages (for author-bio boxes).
AUTHOR_PATHS = ["/author/", "/authors/", "/autor/", "/autoren/", "/auteur/", "/profile/", "/people/"]
AUTHOR_LINK_SELECTOR = ", ".join(f'a[href*="{path}" i]' for path in AUTHOR_PATHS)
# Headings of author boxes.
AUTHOR_BOX_HEADING = _whole(
    [
        r"about the authors?",
        r"about the writer",
        r"the authors?",
        r"author bio(?:graphy)?",
        r"über (?:den|die) autor(?:in|en)?",
        r"zu[mr] autor(?:in)?",
        r"à propos de l'auteur(?:e)?",
        r"l'auteur(?:e)?",
        r"sobre (?:el|la) autor(?:a)?",
    ]
)
AUTHOR_BOX_SEEDS = ("author", "autor", "auteur")
AUTHOR_BIO_TEXT = _within(
    [
        r"\b(?:is|was|has been)\s+(?:a|an|the|our)\s+(?:[\w'-]+\s+){0,6}"
        r"(?:writer|reporter|editor|correspondent|journalist|columnist|contributor|author|critic|producer|analyst)",
        r"\bist (?:redakteur|korrespondent|autor|reporter)",
        r"\best (?:journaliste|rédact|correspondant)",
        r"\bes (?:periodista|redactor|corresponsal)",
    ]
)
