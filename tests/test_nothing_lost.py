"""Nothing of the article is lost: hand-written pages whose article text must come out whole.

Each page under ``tests/pages/nothing_lost/`` is a case where a detector, a wall check or a site
rule has reason to take too much: a short brief in a link-heavy page, Japanese text with no
spaces, a list article made of link headings, an empty ``#maincontent`` that a site rule selects,
a reCAPTCHA in a comment form, a cookie banner, a post inside ``<noscript>``, an unclosed
``<noscript>``, a paywall teaser and quoted tweets. Every paragraph written for a page is checked,
whole, in ``article.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import scraper
from scraper.cli.main import main

PAGES_DIR = Path(__file__).resolve().parent / "pages" / "nothing_lost"


@dataclass(frozen=True)
class Case:
    name: str
    url: str
    paragraphs: tuple[str, ...]  # every piece of article text on the page, each must be in the text
    absent: tuple[str, ...] = ()  # boilerplate that must not be

    @property
    def path(self) -> Path:
        return PAGES_DIR / f"{self.name}.html"


CASES = (
    Case(
        "link_heavy_brief",
        "https://www.valeherald.co.uk/news/kelsby/kelsby-ferry-route-suspended-engine-fault-4471920",
        (
            "Sailings on the Kelsby to Marrow Island ferry route have been suspended until at least Thursday after an engine fault left the MV Corrin drifting outside the harbour mouth for almost three hours on Monday evening, the operator said.",
            "The 140 passengers on board were brought back to Kelsby by two tugs shortly before 10pm. Islands Ferry Company said nobody was hurt and that engineers from the manufacturer were travelling from Rotterdam to inspect the vessel's port-side gearbox.",
            "Islanders who rely on the crossing for hospital appointments have been told a chartered passenger boat will run twice a day from Tuesday, but it cannot carry vehicles or freight. The council's transport committee is due to discuss the route's resilience at a meeting next month.",
        ),
    ),
    Case(
        "cjk_short_article",
        "https://www.kitahama-nippo.jp/articles/20240612/k00m040123000c.html",
        (
            "北浜市は十二日、市立中央図書館の開館時間を来月一日から平日は午後九時まで延長すると発表した。これまでは午後七時に閉館していたが、仕事帰りの会社員や学生から夜間の利用を求める声が多く寄せられていたという。市によると、県内の公立図書館で平日に午後九時まで開館するのは初めてとなる。",
            "延長される時間帯には、貸し出しと返却の窓口に加えて、二階の学習室と郷土資料室も利用できる。一方、児童書コーナーは安全面を考慮して従来通り午後七時で閉める。人件費の増加分として、市は年間およそ二千四百万円を見込んでおり、今月の市議会に補正予算案を提出する方針だ。",
            "中央図書館の昨年度の来館者数は約三十八万人で、十年前と比べて二割ほど減っている。市の担当者は「閉館時間が早いため、平日に来られない人が多かった。夜間の開館で新しい利用者を掘り起こしたい」と話している。同館では二〇一九年にも土曜日の閉館を一時間遅らせたが、その際は土曜の来館者が一割ほど増えたといい、市は今回も一定の効果があるとみている。",
            "市は今後、地区図書館四館についても利用状況を調べたうえで、開館時間の見直しを検討する。電子書籍の貸し出しサービスも秋をめどに始める予定で、利用者カードを持っていれば自宅から二十四時間借りられるようにするという。",
            "市民からは歓迎の声が上がっている。中央図書館で資格試験の勉強をしていた市内の会社員の男性（三十四）は「平日は閉館に間に合わないことが多く、週末しか使えなかった。夜も開いていれば仕事帰りに寄れるので助かる」と話した。一方、夜間の帰り道を心配する声もあり、市は図書館周辺の街灯を増やすことも検討している。",
        ),
    ),
    Case(
        "list_article",
        "https://slowpourjournal.com/best-independent-coffee-roasters-pacific-northwest/",
        (
            "I spent most of last autumn driving between Eugene and Bellingham with a notebook, a hand grinder and far too many paper cups. The rule was simple: a roaster made this list only if it roasts on site, sells to people who walk in off the street, and would still be worth the detour if you never bought a bag to take home. Here are the ten that kept pulling me back.",
            "1. Ember & Anvil, Eugene",
            "Ember & Anvil roasts in the engine bay of a 1920s fire station, and the old brass pole still stands beside the cooling tray. Their washed Ethiopian is bright without being sour, and the baristas will happily pull it as a single espresso if you ask.",
            "2. Tidewater Coffee Co., Astoria",
            "From the front window you can watch bar pilots heading out over the river mouth. Tidewater keeps its roasts on the lighter side and rotates a single-origin filter every week, which gives regulars a reason to come back on Mondays.",
            "3. Little Kiln Roasters, Portland",
            "Half pottery studio, half roastery, Little Kiln serves every drink in a cup thrown by the owner's sister. The house blend is chocolatey and forgiving, exactly what you want at seven in the morning.",
            "4. Cedar Row, Olympia",
            "Cedar Row is the quietest shop on this list, with no music and a long communal table made from a single fallen cedar. They publish the roast date and the farm's payment price on every bag, which is rarer than it should be.",
            "5. Northbound Cargo Roast, Tacoma",
            "Northbound started as a cargo-bike cart outside the ferry terminal and now roasts in a shipping container behind the farmers market. Look for the Guatemalan natural, which tastes a little like dried cherries.",
            "6. Basalt Bean, Bend",
            "After a morning on the trails, Basalt Bean's cold brew on nitro is almost a meal. The roaster runs free cupping sessions on the first Saturday of every month, and they fill up fast.",
            "7. Fern Hollow Roastery, Hood River",
            "Fern Hollow took over an apple packing shed on the edge of the orchards. Their decaf is processed with mountain water, and it is the only decaf I have ordered twice on purpose.",
            "8. Lantern Street Coffee, Seattle",
            "In a city full of coffee, Lantern Street stands out for teaching. Their weekend home-roasting class uses popcorn poppers, and you leave with a bag of beans you burnt yourself.",
            "9. Saltbox Roasting, Port Townsend",
            "Saltbox shares a Victorian storefront with a used bookshop, and the smell drifts between the two all afternoon. Order the cortado and take it upstairs to the reading nook above the harbour.",
            "10. Far Shore Coffee, Bellingham",
            "Far Shore closes the list because it was my last stop and my favourite cup of the whole trip. Their Kenyan was juicy and sharp, and they roast it in small batches on a restored 1960s German machine.",
            "Five more worth a detour",
            "These did not quite make the top ten, but I would stop at any of them again:",
            "Quarry Hill Coffee in Salem – a tiny roaster behind a bicycle shop that does a lovely honey-processed Costa Rican.",
            "Gull and Grind on the Long Beach Peninsula – worth it for the oyster-shell parking lot and a properly hot drip coffee.",
            "Two Rivers Roasting Company in Walla Walla – they share equipment with a winery and it somehow shows in the fruitier roasts.",
            "Moss and Mortar in Corvallis – a student favourite with the cheapest good espresso I found anywhere.",
            "High Desert Beanworks in Sisters – the owner roasts only on Tuesdays, so plan your visit for a Wednesday.",
            "Opening hours change with the seasons in most of these towns, so check before you drive. If I missed your favourite roaster, tell me in the comments and I will add it to next year's route.",
        ),
    ),
    Case(
        "guardian_2019_layout",
        "https://www.theguardian.com/world/2019/nov/05/some-slug",
        (
            "On a dusty track outside the village of São Brás, Joaquim Rosado lowers a weighted tape measure into a stone shaft that nobody has drawn water from since the 1970s. When it goes slack at eleven metres, he writes the figure in a battered exercise book and photographs the rim with his phone.",
            "Rosado, a 71-year-old former geography teacher, is one of about 300 volunteers who have spent the past two summers searching the Alentejo for wells that fell out of use when piped water reached the region's farms and hamlets. So far they have located and measured more than 1,200, most of them missing from any official register.",
            'The project began after a hydrologist at the University of Évora, Dr Helena Cabrita, realised that regional planners were modelling groundwater with data from fewer than a hundred monitoring boreholes. "We had a picture of the aquifer drawn with a very thick pencil," she said. "Every old well is a window into it that already exists, and nobody had to pay to dig it."',
            "Volunteers record the depth to water, the condition of the lining and any sign of contamination, then send a sample bottle by post to the university's laboratory. The results are published on an open map, which farmers have started to consult before deciding whether to sink new boreholes of their own.",
            "The findings have not all been welcome. In several parishes the water table has dropped by three to five metres since the wells were abandoned, a decline Cabrita attributes partly to the spread of intensive olive and almond plantations irrigated from deep wells. Growers' associations say the sector uses water more efficiently than the cereal farming it replaced.",
            "Portugal's environment agency said it welcomed citizen data and was discussing how the volunteers' measurements could be added to the national monitoring network. A formal agreement is expected next spring, although officials cautioned that the old wells would need to be surveyed to a common standard first.",
            'For Rosado, the work has become a way of reading the landscape he grew up in. "My grandmother walked two kilometres to a well like this one every morning," he said, closing the lid of his toolbox. "Now I come to ask it how much water is left."',
        ),
    ),
    Case(
        "recaptcha_comment_form",
        "https://crumbandkettle.blog/2024/02/11/the-bread-that-finally-rose/",
        (
            "Six loaves in a row came out of the oven looking like flat grey frisbees, and I had started to blame the flour, the oven and, privately, my grandmother's recipe card.",
            "The fix turned out to be boring. My kitchen sits at about sixteen degrees in February, so the starter was barely waking up. I moved the jar to the shelf above the fridge, switched to a smaller jar so I could actually see the bubbles, and fed it twice a day for a week.",
            "Loaf seven rose so much it split along the side. It was not pretty, but the crumb was open and it tasted faintly of yoghurt, which I am told is the point.",
        ),
    ),
    Case(
        "cookie_banner_short_article",
        "https://www.ashcombechronicle.com/news/riverside-footbridge-reopen-next-week-a118204",
        (
            "The Millrace footbridge, which links the station car park to the riverside path, will reopen on Monday after six weeks of repairs to its corroded handrails and deck plates, the borough council has said.",
            "Pedestrians and cyclists have faced a detour of almost a mile through the town centre since the crossing was closed in February. Contractors replaced forty metres of railing and resurfaced the ramp at the eastern end.",
            "A council spokesperson said the final cost of £186,000 was within budget and thanked residents for their patience.",
        ),
        absent=("We and our 842 partners",),
    ),
    Case(
        "blogger_noscript",
        "https://hedgerowjournal.blogspot.com/2023/10/counting-hedgehogs-in-back-gardens.html",
        (
            "For three weeks in September I borrowed a footprint tunnel from the county wildlife trust and moved it around the back gardens on our lane. It is a simple thing: a triangular plastic tube with an ink pad in the middle and a sheet of paper at each end, baited with a spoonful of meaty cat food.",
            "Seven of the nine gardens produced prints within five nights. The neighbours at number twelve were delighted, because they had assumed the lawn was being dug up by squirrels. Number three produced nothing at all, which may have more to do with their terrier than with the hedgehogs.",
            "The trail camera was the real revelation. One large hedgehog, which my daughter has named Bartholomew, visits the same three gardens every night between eleven and one, squeezing through a gap under the fence that I had meant to block for years. I will not be blocking it now.",
            "If you want to try this yourself, the trust lends tunnels for free and the survey form takes five minutes. The most useful thing you can do afterwards is cut a hole about thirteen centimetres square at the bottom of your fence, so animals like Bartholomew can move between gardens instead of being stuck in one.",
            "Next month I am going to repeat the survey on the allotments, where I suspect the slug pellets are keeping numbers down. I will post the results here, prints and all.",
        ),
    ),
    Case(
        "unclosed_noscript",
        "https://www.fenmoorgazette.co.uk/news/regal-cinema-saved-community-share-offer-20240522",
        (
            "Fenmoor's Regal cinema, the last picture house in the town, will stay open after a community share offer raised £412,000 in eight weeks, comfortably beating its target of £350,000.",
            "More than 1,900 people bought shares, most of them in the minimum block of £100. The money will be used to buy the building from the Hartley family, who have run the cinema since 1971 and announced in March that they wanted to retire.",
            'Sue Hartley, who has sold tickets in the foyer for more than fifty years, said she had been overwhelmed by the response. "People came in with envelopes of cash, with cheques from their grandchildren, with stories about their first date in row J. I always knew the town loved this place, but I didn\'t know how much."',
            "The new society plans to replace the 1990s projector with a digital laser system, repair the leaking roof above the circle and reopen the upstairs café, which has been closed since 2020. A second, smaller screen for community groups and school screenings is planned for later years.",
            "Films will continue to be shown every evening throughout the changeover, the society said. Its first annual meeting will be held in the auditorium in September, and every shareholder will have one vote regardless of how many shares they hold.",
            "The district council, which contributed a £25,000 grant towards the share offer's legal costs, said the result showed the strength of feeling for the town centre. Similar offers have saved cinemas in several market towns in recent years, though few have raised money so quickly.",
        ),
    ),
    Case(
        "paywall_teaser",
        "https://www.coastlineledger.com/2024/06/03/port-authority-weighs-cruise-ship-ban-old-harbour/",
        (
            "The port authority will open a public consultation next month on whether to bar cruise ships longer than 200 metres from the old harbour, after a summer in which residents complained of crowded sidewalks, idling engines and tour buses blocking Water Street.",
            "Under the draft proposal, larger vessels would anchor off Gull Point and carry passengers ashore by tender, a change the authority estimates would cut the number of visitors on the waterfront at any one time by about a third.",
        ),
    ),
    Case(
        "quoted_tweets",
        "https://www.northgatedaily.com/sport/athletics/half-marathon-wrong-route-apology-2024-03-04",
        (
            "Organisers of the Northgate half marathon have apologised after about 400 runners were directed down the wrong road at the seven-mile mark on Sunday, adding almost a mile to their race and wrecking many personal-best attempts.",
            "A marshal at the junction of Canal Street and Brewer's Lane was given an out-of-date route map and waved the middle of the field towards the old course, which was changed in January because of roadworks. Runners ahead and behind the group were unaffected.",
            "Several runners shared their watch data online within minutes of finishing, showing a distance of 13.9 miles instead of 13.1.",
            # the first quoted tweet
            "Trained 16 weeks for a sub-1:40 in Northgate today and finished in 1:44 because half of us got sent down Brewer's Lane. Gutted. Watch says 13.9 miles. Can anyone else confirm?",
            'The race director, Gavin Shere, said the error was "entirely ours" and that every runner who was sent the wrong way would be offered a free place in next year\'s event. Finishing times for the affected group will be adjusted using chip data from the timing mat at eight miles.',
            "Not everyone was upset. Some runners said the extra distance had simply become part of the story of the day, and the event's official account responded with an apology of its own.",
            # the second quoted tweet
            "We are so sorry to everyone who was sent the wrong way at mile 7. That was our mistake, not our marshals'. Every affected runner gets a free entry for 2025, and adjusted times will be published by Wednesday evening.",
            "British Athletics rules mean the adjusted times cannot count towards qualification standards, but the organisers said they would write to any runner who needed a letter confirming their corrected result for a club championship.",
            "The council said it would review how route changes are communicated to volunteer marshals before the city's 10K in June.",
        ),
        absent=("Follow @site",),
    ),
    Case(
        # Section headings that read like interface labels or notices ("Key takeaways", "How we
        # tested", a heading about copyright) and prose about affiliate marketing are the article's;
        # the site's own affiliate disclosure is not.
        "review_section_headings",
        "https://www.parcelcraft.co/reviews/best-label-printers-small-shop",
        (
            "Key takeaways",
            "A thermal printer pays for itself within about four months for a shop sending thirty parcels a week, because it never needs ink or toner.",
            "How we tested",
            "Editing by hand was the biggest hidden cost: two of the printers could not read the courier's label size, so each file had to be cropped before printing, which added about a minute per parcel on busy days.",
            "Copyright Complexity in a Fragmented World",
            "To measure what each printer really costs, track the labels, the replacement print heads and the minutes spent fixing jams, not only the price on the box. Several sellers we spoke to earn a commission through affiliate links of their own and recommend whichever printer pays best, so their reviews are worth reading with that in mind.",
        ),
        absent=("This post contains affiliate links",),
    ),
)
BY_NAME = {case.name: case for case in CASES}
PAYWALLED = "paywall_teaser"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _clean(case: Case) -> scraper.Article:
    try:
        return scraper.clean(case.path.read_bytes(), url=case.url)
    except scraper.NoArticleError as exc:
        pytest.fail(f"{case.name}: no article ({exc.reason}): {exc}")


def _who_took(article: scraper.Article, paragraph: str) -> list[str]:
    """The removals whose text overlaps the paragraph (its first 40 characters), for the message."""
    head = _squash(paragraph)[:40]
    return [
        f"{r.by} ({r.kind}): {_squash(r.text)[:80]!r}"
        for r in article.removed
        if head in _squash(r.text) or (len(_squash(r.text)) >= 20 and _squash(r.text) in _squash(paragraph))
    ]


def _run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["clean", *args], catch_exceptions=False)


def test_every_page_has_a_case() -> None:
    assert sorted(p.stem for p in PAGES_DIR.glob("*.html")) == sorted(BY_NAME)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_article_paragraph_comes_out(case: Case) -> None:
    article = _clean(case)
    text = _squash(article.text)
    missing = [p for p in case.paragraphs if _squash(p) not in text]
    if missing:
        lines = [f"{len(missing)} of {len(case.paragraphs)} pieces of article text lost:"]
        for paragraph in missing:
            lines.append(f"  - {paragraph[:70]!r}")
            lines.extend(f"      taken by {who}" for who in _who_took(article, paragraph))
        pytest.fail("\n".join(lines))


@pytest.mark.parametrize("case", [c for c in CASES if c.absent], ids=lambda c: c.name)
def test_boilerplate_around_the_article_is_still_removed(case: Case) -> None:
    article = _clean(case)
    for snippet in case.absent:
        assert snippet not in article.text, f"leaked: {snippet!r}"


def test_link_heavy_pages_do_not_claim_to_be_articles() -> None:
    """Only structure can save these two: their metadata must not call them articles."""
    for name in ("link_heavy_brief", "cjk_short_article"):
        html = BY_NAME[name].path.read_text(encoding="utf-8")
        assert "og:type" not in html
        assert "NewsArticle" not in html


def test_paywall_teaser_is_returned_and_flagged() -> None:
    article = _clean(BY_NAME[PAYWALLED])
    assert article.paywalled is True
    assert "Subscribe to continue reading" not in article.text
    assert "Already a subscriber?" not in article.text


@pytest.mark.parametrize("case", [c for c in CASES if c.name != PAYWALLED], ids=lambda c: c.name)
def test_free_pages_are_not_flagged_paywalled(case: Case) -> None:
    assert _clean(case).paywalled is False


def test_guardian_rule_that_selects_an_empty_element_is_reported() -> None:
    """The rule's ``#maincontent`` hits the empty skip-link target: the text comes out anyway
    (the completeness test checks it), and the failure of the rule is said, not hidden."""
    article = _clean(BY_NAME["guardian_2019_layout"])
    assert any("theguardian.com" in warning for warning in article.warnings), article.warnings
    assert "rule:theguardian.com" in article.failed_rules


def test_guardian_page_is_matched_by_its_canonical_url() -> None:
    """The CLI tests below give no --url: the page's canonical URL must pick the site rule."""
    html = BY_NAME["guardian_2019_layout"].path.read_text(encoding="utf-8")
    assert re.search(
        r'<link rel="canonical" href="https://www\.theguardian\.com/world/2019/nov/05/some-slug">', html
    )


# -- the command line --------------------------------------------------------------------------------


def test_cli_writes_every_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run_cli(str(PAGES_DIR), "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    assert f"done {len(CASES)}, skipped 0, failed 0" in result.stderr, result.stderr
    written = sorted(p.stem for p in out.glob("*.txt"))
    assert written == sorted(BY_NAME)
    for case in CASES:
        text = _squash((out / f"{case.name}.txt").read_text(encoding="utf-8"))
        assert _squash(case.paragraphs[0]) in text, case.name


def test_cli_skip_paywalled_skips_only_the_paywall_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run_cli(str(PAGES_DIR), "-o", str(out), "-j", "1", "--skip-paywalled")
    assert result.exit_code == 0, result.output
    assert f"done {len(CASES) - 1}, skipped 1, failed 0" in result.stderr, result.stderr
    assert PAYWALLED in result.stderr
    written = sorted(p.stem for p in out.glob("*.txt"))
    assert written == sorted(set(BY_NAME) - {PAYWALLED})
