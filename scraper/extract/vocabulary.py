"""Vocabulary of boilerplate, as named data: what promos, related lists and share bars say.

Detectors in :mod:`scraper.extract.detectors` combine these with structure (forms, link density,
repeated cards), so a word alone never removes article text. English, German, French and
Spanish are covered; add a language by extending the phrase lists (regex fragments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrases:
    """A case-insensitive phrase pattern, run case-sensitively on casefolded text.

    Python's ``re`` is four to five times slower with ``IGNORECASE`` on a long alternation
    than without it; casefolding the text first (a C loop) gives the same answers faster.
    The phrase fragments are written in lowercase, so this is exact.
    """

    pattern: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text.casefold())

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.match(text.casefold())


def _phrases(source: str) -> Phrases:
    if any(char.isupper() for char in re.sub(r"\\[A-Za-z]", "", source)) or "ß" in source:
        raise ValueError(f"phrase patterns are written in casefolded form: {source[:60]!r}")
    return Phrases(re.compile(source))


def _any_of(phrases: list[str]) -> str:
    return "(?:" + "|".join(phrases) + ")"


def _whole(phrases: list[str]) -> Phrases:
    """A pattern that matches a whole short text made of one of the phrases (punctuation aside)."""
    return _phrases(r"^\W*" + _any_of(phrases) + r"\W*$")


def _within(phrases: list[str]) -> Phrases:
    """A pattern that finds one of the phrases anywhere in a text."""
    return _phrases(_any_of(phrases))


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
# Sentences that ask the reader to do something for the publication rather than inform them:
# subscribe, follow, donate, write in, install the app. A short paragraph that opens with one of
# these, or is wholly emphasised and contains one, is a promo.
PROMO_OPENING = _phrases(
    r"^\W*(?:to (?:sign up|subscribe)|sign up|subscribe|follow|join|"
    r"get (?:our|the|breaking|the latest)|download|install|"
    r"don(?:'|’)t miss|never miss|click|tap|support|donate|become a (?:member|subscriber|supporter)|"
    r"(?:want|like) (?:more|to)|(?:enjoy|enjoyed|liked) (?:this|reading)|got a (?:story|tip)|"
    r"have (?:a|you got a) (?:story|tip)|get in touch|email us|send us|"
    r"abonnieren|folgen sie|folgst du|melden sie sich|jetzt (?:abonnieren|anmelden|folgen)|"
    r"abonnez-vous|suivez-nous|inscrivez-vous|suscr[ií]bete|s[ií]guenos|[uú]nete)\b"
)
PROMO_TEXT = _within(
    [
        r"newsletter",
        r"sign[\s-]?up",
        r"subscri(?:be|ption)",
        r"follow us",
        r"on (?:whatsapp|telegram|instagram|facebook|twitter|x|tiktok|google news)\b",
        r"(?:our|the) app\b",
        r"get in touch",
        r"e-?mail(?:ing)? us",
        r"donat(?:e|ion)",
        r"support (?:our|independent) journalism",
        r"abonnier",
        r"folg(?:en sie|st du)",
        r"spende",
        r"abonnez",
        r"suivez",
        r"suscr[ií]b",
        r"s[ií]guenos",
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
        r"auch interessant",
        r"ähnliche(?: artikel| themen| beiträge)?",
        r"noticias? relacionadas?",
        r"les også|les mer",
        r"l[äæ]s (?:også|också|mer)",
        r"lees (?:ook|meer)",
        r"leggi anche",
        r"czytaj (?:też|także|więcej)",
        r"ler (?:também|mais)",
        r"citește și",
        r"(?:up next|next up|keep reading|see also|other stories|more articles)",
        r"(?:from around the web|around the web|(?:sponsored|promoted|partner) (?:stories|content|links))",
        r"(?:weiterführende links|neue(?:ste)? (?:nachrichten|artikel|beiträge)|aktuelle nachrichten)",
        r"(?:à lire (?:également|aussi)|les plus partagés|nos (?:derniers )?articles)",
        r"(?:te recomendamos|art[ií]culos relacionados)",
        r"(?:potrebbe interessarti|articoli correlati|i più letti)",
        r"(?:meest gelezen|gerelateerde artikelen)",
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

# -- pages that are not articles ---------------------------------------------------------------
# Titles and texts of bot challenges and "are you human" interstitials.
BOT_CHALLENGE = _within(
    [
        r"just a moment\.\.\.",
        r"attention required! \| cloudflare",
        r"checking (?:if the site connection is secure|your browser)",
        r"verify(?:ing)? (?:that )?you are (?:a )?human",
        r"are you a robot\?",
        r"please complete the security check",
        r"pardon our interruption",
        r"ddos protection by",
        r"access to this page has been denied",
        r"request unsuccessful\. incapsula",
        r"bitte bestätigen sie, dass sie ein mensch sind",
        r"vérifi(?:ez|cation) que vous (?:êtes|n'êtes pas) (?:un humain|un robot)",
    ]
)
# Markup that only challenge pages carry.
BOT_CHALLENGE_MARKUP = ("/cdn-cgi/challenge-platform", "cf-browser-verification", "g-recaptcha", "h-captcha")
# App shells that render nothing without scripts.
JAVASCRIPT_REQUIRED = _within(
    [
        r"(?:please )?enable javascript(?: and cookies)? to (?:continue|run this app|view|use)",
        r"you need to enable javascript",
        r"this (?:site|page|app) requires javascript",
        r"javascript is (?:disabled|required)",
        r"bitte aktivieren sie javascript",
        r"veuillez activer (?:le )?javascript",
        r"(?:por favor,? )?(?:habilita|activa) javascript",
    ]
)
# Consent walls: the page is a privacy/consent prompt and little else.
CONSENT_WALL = _within(
    [
        r"we value your privacy",
        r"(?:manage|customi[sz]e) (?:your )?(?:consent|privacy|cookie) (?:preferences|settings|choices)",
        r"(?:accept|agree|reject) (?:all|and continue)",
        r"we and our (?:\d+ )?(?:partners|vendors)",
        r"wir und unsere partner",
        r"zustimmen und weiter",
        r"nous et nos partenaires",
        r"nosotros y nuestros socios",
    ]
)
# Paywall prompts that stand where the article is cut (not the "Already a subscriber?" of a site
# header, which free articles carry too).
_PAYWALL_PROMPTS = [
    r"subscribe to (?:continue|keep) reading",
    r"(?:this|the) (?:article|story|content) is (?:only )?(?:available|reserved|exclusive)"
    r" (?:to|for) (?:subscribers|members)",
    r"(?:you(?:'|’)ve|you have) (?:read|reached) (?:all of )?your (?:\d+ )?free articles",
    r"to read the full (?:article|story)",
    r"(?:dieser artikel|weiterlesen) (?:ist )?(?:nur )?(?:für|mit) (?:abonnenten|abo)",
    r"réservé aux abonnés",
    r"(?:contenido|artículo) (?:exclusivo )?para suscriptores",
]
PAYWALL_PROMPT = _within(_PAYWALL_PROMPTS)
# Paywall prompts (for pages that hold nothing but the prompt and a teaser).
PAYWALL = _within([*_PAYWALL_PROMPTS, r"already (?:a )?subscriber\?"])
# Titles and headings of error pages served with status 200.
ERROR_PAGE = _whole(
    [
        # A status code alone or with error words: "404", "Error 404 - Not Found", "500 Internal
        # Server Error"; not a headline that starts with a number ("500 jobs cut at Ford plant").
        r"(?:(?:http )?error:? )?(?:40[034]|50[0-4])(?:\W{0,3}(?:error|not found|page not found|forbidden"
        r"|internal server error|service unavailable|bad gateway|gateway timeout|seite nicht gefunden"
        r"|page introuvable|p[aá]gina no encontrada)\b.{0,40})?",
        r"(?:oops!? )?(?:this )?page (?:not found|cannot be found|could not be found|doesn(?:'|’)t exist)",
        r"(?:the )?page you (?:requested|are looking for|were looking for)"
        r" (?:could not be found|does not exist|was not found|cannot be found)",
        r"not found",
        r"internal server error",
        r"service (?:temporarily )?unavailable",
        r"seite nicht gefunden",
        r"(?:die )?seite (?:wurde )?nicht gefunden",
        r"page (?:introuvable|non trouvée)",
        r"p[aá]gina no encontrada",
    ]
)
