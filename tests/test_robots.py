"""The robots.txt policy, by RFC 9309: matching, status codes, caching, the store, single fetches
per origin, Crawl-delay, and the 500 KiB cap. robots.txt answers come from in-memory fakes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from scraper.errors import FetchError
from scraper.web.politeness import HostGate
from scraper.web.robots import MAX_ROBOTS_BYTES, RobotsPolicy, product_token, robots_url

UA = "scraper/0.1 (+https://github.com/scraper-news/scraper)"
SITE = "https://site.test"
SITE_ORIGIN = "https://site.test:443"
ROBOTS = b"""User-agent: *
Disallow: /private
Allow: /private/press
Disallow: /*.pdf$
Disallow: /search?
"""
DAY = 86400.0

Answer = tuple[int, bytes] | Exception


class FakeRobots:
    """``fetch_robots`` that plays back answers in order (the last one repeats) and logs calls."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, url: str) -> tuple[int, bytes]:
        self.calls.append(url)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        await asyncio.sleep(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class StoredRobots:
    fetched_at: float
    status: int
    body: bytes


class MemoryStore:
    """The RobotsStore protocol over a dict, standing in for the SQLite crawl state."""

    def __init__(self) -> None:
        self.entries: dict[str, StoredRobots] = {}

    def robots_get(self, origin: str) -> StoredRobots | None:
        return self.entries.get(origin)

    def robots_put(self, origin: str, *, fetched_at: float, status: int, body: bytes) -> None:
        self.entries[origin] = StoredRobots(fetched_at, status, body)


def policy(fetch: FakeRobots, clock: Clock | None = None, **kwargs: object) -> RobotsPolicy:
    return RobotsPolicy(fetch, user_agent=UA, clock=clock or Clock(), **kwargs)  # type: ignore[arg-type]


def check(robots: RobotsPolicy, url: str) -> tuple[bool, str]:
    verdict = asyncio.run(robots.check(url))
    return verdict.allowed, verdict.reason


def refusal(robots: RobotsPolicy, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        asyncio.run(robots.ensure_allowed(url))
    return caught.value


def network_error() -> FetchError:
    return FetchError("connection refused", url=f"{SITE}/robots.txt", reason="network", retryable=True)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", True),
        ("/news/story", True),
        ("/private", False),
        ("/private/notes", False),
        ("/private/press/release", True),  # the longer Allow wins
        ("/files/report.pdf", False),
        ("/files/report.pdf?download=1", True),  # "$" anchors the end
        ("/files/report.pdfx", True),
        ("/search?q=x", False),
        ("/search", True),
    ],
)
def test_rules_are_matched_by_rfc_9309(path: str, allowed: bool) -> None:
    robots = policy(FakeRobots((200, ROBOTS)))
    assert check(robots, SITE + path) == (allowed, "allowed" if allowed else "disallowed")


def test_our_product_token_group_wins_over_the_star_group() -> None:
    body = b"""User-agent: otherbot
Disallow: /

User-agent: Scraper
Disallow: /ours
Crawl-delay: 5

User-agent: *
Disallow: /everyone
"""
    ours = policy(FakeRobots((200, body)))
    assert check(ours, f"{SITE}/ours") == (False, "disallowed")
    assert check(ours, f"{SITE}/everyone") == (True, "allowed")
    assert asyncio.run(ours.check(f"{SITE}/")).crawl_delay == 5.0
    other = RobotsPolicy(FakeRobots((200, body)), user_agent="newsbot/2.0", clock=Clock())
    assert check(other, f"{SITE}/ours") == (True, "allowed")
    assert check(other, f"{SITE}/everyone") == (False, "disallowed")
    assert asyncio.run(other.check(f"{SITE}/")).crawl_delay is None


@pytest.mark.parametrize(
    ("user_agent", "token"),
    [(UA, "scraper"), ("  My_News-Bot/2 (x)", "My_News-Bot"), ("curl", "curl")],
)
def test_product_token_is_the_first_word_before_the_slash(user_agent: str, token: str) -> None:
    assert product_token(user_agent) == token


def test_a_user_agent_without_product_token_is_refused() -> None:
    with pytest.raises(ValueError, match="product token"):
        RobotsPolicy(FakeRobots((200, b"")), user_agent="/1.0")


@pytest.mark.parametrize("status", [404, 410, 401, 403, 302])
def test_4xx_and_leftover_redirects_allow_everything(status: int) -> None:
    fetch = FakeRobots((status, b"User-agent: *\nDisallow: /\n"))
    store = MemoryStore()
    robots = policy(fetch, store=store)
    assert check(robots, f"{SITE}/anything") == (True, "allowed")
    assert check(robots, f"{SITE}/else") == (True, "allowed")
    assert fetch.calls == [f"{SITE}/robots.txt"]
    assert store.entries[SITE_ORIGIN].status == status
    assert store.entries[SITE_ORIGIN].body == b""  # nothing applies, nothing kept


def test_a_status_carried_by_a_fetch_error_is_used() -> None:
    gone = FetchError("HTTP 404", url=f"{SITE}/robots.txt", reason="status", status=404)
    assert check(policy(FakeRobots(gone)), f"{SITE}/a") == (True, "allowed")


@pytest.mark.parametrize("answer", [(503, b"<html>down</html>"), (500, b""), network_error()])
def test_an_unreachable_robots_txt_disallows_and_is_retried_after_unavailable_retry(answer: Answer) -> None:
    clock = Clock()
    fetch = FakeRobots(answer, (200, ROBOTS))
    robots = policy(fetch, clock, unavailable_retry=600)
    assert check(robots, f"{SITE}/news") == (False, "unavailable")
    error = refusal(robots, f"{SITE}/news")
    # A server answering 5xx asks to wait; no answer at all means the host is down (a failure).
    assert error.reason == ("unreachable" if isinstance(answer, Exception) else "robots-unavailable")
    if isinstance(answer, Exception):
        assert "host unreachable" in str(error) and "connection refused" in str(error)  # and why
    assert error.retryable is True
    assert error.retry_after == 600
    assert f"{SITE}/news" in str(error)
    assert f"{SITE}/robots.txt" in str(error)
    clock.now += 599
    assert check(robots, f"{SITE}/news") == (False, "unavailable")
    assert len(fetch.calls) == 1
    clock.now += 1
    assert check(robots, f"{SITE}/news") == (True, "allowed")
    assert check(robots, f"{SITE}/private") == (False, "disallowed")
    assert len(fetch.calls) == 2


def test_a_stale_good_copy_is_used_while_the_server_fails() -> None:
    clock = Clock()
    fetch = FakeRobots((200, ROBOTS), (503, b"busy"), network_error(), (200, b""))
    robots = policy(fetch, clock, unavailable_retry=600)
    assert check(robots, f"{SITE}/private") == (False, "disallowed")
    clock.now += DAY  # expired: refetch answers 503, the good copy stands
    assert check(robots, f"{SITE}/private") == (False, "disallowed")
    assert check(robots, f"{SITE}/news") == (True, "allowed")
    clock.now += 600  # retried: unreachable now, the same copy still stands
    assert check(robots, f"{SITE}/private") == (False, "disallowed")
    assert check(robots, f"{SITE}/news") == (True, "allowed")
    assert len(fetch.calls) == 3
    clock.now += 600  # the server is back with an empty robots.txt
    assert check(robots, f"{SITE}/private") == (True, "allowed")
    assert len(fetch.calls) == 4


def test_the_cache_expires_after_the_ttl() -> None:
    clock = Clock()
    fetch = FakeRobots((200, ROBOTS), (200, b"User-agent: *\nDisallow: /news\n"))
    robots = policy(fetch, clock, ttl=DAY)
    assert check(robots, f"{SITE}/news") == (True, "allowed")
    clock.now += DAY - 1
    assert check(robots, f"{SITE}/news") == (True, "allowed")
    assert len(fetch.calls) == 1
    clock.now += 1
    assert check(robots, f"{SITE}/news") == (False, "disallowed")
    assert len(fetch.calls) == 2


def test_a_new_run_reuses_the_stored_copy_until_it_expires() -> None:
    clock = Clock()
    store = MemoryStore()
    first = policy(FakeRobots((200, ROBOTS)), clock, store=store)
    assert check(first, f"{SITE}/private") == (False, "disallowed")
    assert store.entries[SITE_ORIGIN] == StoredRobots(clock.now, 200, ROBOTS)

    clock.now += 300  # the next cron run: a new policy over the same store
    fetch = FakeRobots((200, b""))
    second = policy(fetch, clock, store=store)
    assert check(second, f"{SITE}/private") == (False, "disallowed")
    assert fetch.calls == []
    clock.now += DAY
    assert check(second, f"{SITE}/private") == (True, "allowed")
    assert fetch.calls == [f"{SITE}/robots.txt"]


def test_a_new_run_respects_a_stored_failure_and_keeps_the_good_copy() -> None:
    clock = Clock()
    store = MemoryStore()
    first = policy(FakeRobots((200, ROBOTS), (503, b"busy")), clock, store=store)
    assert check(first, f"{SITE}/private") == (False, "disallowed")
    clock.now += DAY
    assert check(first, f"{SITE}/news") == (True, "allowed")  # stale copy during the 503
    assert store.entries[SITE_ORIGIN] == StoredRobots(clock.now, 503, ROBOTS)

    clock.now += 60
    fetch = FakeRobots((200, b""))
    second = policy(fetch, clock, store=store, unavailable_retry=600)
    assert check(second, f"{SITE}/private") == (False, "disallowed")
    assert fetch.calls == []  # retried only 600 s after the failure
    clock.now += 540
    assert check(second, f"{SITE}/private") == (True, "allowed")
    assert len(fetch.calls) == 1


def test_an_unreachable_answer_without_any_copy_is_stored_as_such() -> None:
    store = MemoryStore()
    robots = policy(FakeRobots(network_error()), store=store)
    assert check(robots, f"{SITE}/a") == (False, "unavailable")
    assert store.entries[SITE_ORIGIN].status == 0
    assert store.entries[SITE_ORIGIN].body == b""


def test_concurrent_checks_share_one_fetch_and_other_origins_do_not_wait() -> None:
    async def scenario() -> None:
        blocked = asyncio.Event()
        calls: list[str] = []

        async def fetch(url: str) -> tuple[int, bytes]:
            calls.append(url)
            if url.startswith(SITE):
                await blocked.wait()
            return 200, ROBOTS

        robots = RobotsPolicy(fetch, user_agent=UA, clock=Clock())
        waiting = [asyncio.create_task(robots.check(f"{SITE}/page/{n}")) for n in range(5)]
        await asyncio.sleep(0.01)
        other = await asyncio.wait_for(robots.check("https://other.test/private"), timeout=5)
        assert other.reason == "disallowed"
        assert not any(task.done() for task in waiting)
        blocked.set()
        verdicts = await asyncio.wait_for(asyncio.gather(*waiting), timeout=5)
        assert all(verdict.allowed for verdict in verdicts)
        assert sorted(calls) == ["https://other.test/robots.txt", f"{SITE}/robots.txt"]

    asyncio.run(scenario())


def test_crawl_delay_is_reported_to_the_gate() -> None:
    clock = Clock()
    gate = HostGate(delay=1.0, max_crawl_delay=60.0)
    reported: list[tuple[str, float]] = []

    def on_crawl_delay(origin: str, seconds: float) -> None:
        reported.append((origin, seconds))
        gate.set_crawl_delay(origin, seconds)

    fetch = FakeRobots((200, b"User-agent: *\nCrawl-delay: 7\n"), (200, b"User-agent: *\nDisallow:\n"))
    robots = policy(fetch, clock, on_crawl_delay=on_crawl_delay)
    verdict = asyncio.run(robots.check(f"{SITE}/a"))
    assert verdict.crawl_delay == 7.0
    assert check(robots, f"{SITE}/b") == (True, "allowed")
    assert reported == [(SITE_ORIGIN, 7.0)]  # once per load, not per check
    assert gate.stats(SITE_ORIGIN).delay == 7.0
    clock.now += DAY  # the new robots.txt drops the Crawl-delay
    assert asyncio.run(robots.check(f"{SITE}/a")).crawl_delay is None
    assert reported[-1] == (SITE_ORIGIN, 0.0)
    assert gate.stats(SITE_ORIGIN).delay == 1.0


def test_robots_txt_itself_is_always_allowed_without_a_fetch() -> None:
    fetch = FakeRobots((200, b"User-agent: *\nDisallow: /\n"))
    robots = policy(fetch)
    assert check(robots, f"{SITE}/robots.txt") == (True, "allowed")
    asyncio.run(robots.ensure_allowed(f"{SITE}/robots.txt"))
    assert fetch.calls == []


def test_a_fetcher_may_check_its_own_redirect_hops_while_fetching_robots_txt() -> None:
    async def scenario() -> None:
        hops: list[str] = []

        async def fetch(url: str) -> tuple[int, bytes]:
            # A fetcher whose permit hook is ensure_allowed, following robots.txt to a new path.
            moved = f"{SITE}/static/robots-2024.txt"
            await robots.ensure_allowed(moved)
            hops.append(moved)
            return 200, b"User-agent: *\nDisallow: /static/\n"

        robots = RobotsPolicy(fetch, user_agent=UA, clock=Clock())
        verdict = await asyncio.wait_for(robots.check(f"{SITE}/static/app.js"), timeout=5)
        assert verdict.reason == "disallowed"
        assert hops == [f"{SITE}/static/robots-2024.txt"]

    asyncio.run(scenario())


def test_a_disallowed_url_raises_a_final_robots_error_naming_both_urls() -> None:
    error = refusal(policy(FakeRobots((200, ROBOTS))), f"{SITE}/private/x")
    assert error.reason == "robots"
    assert error.retryable is False
    assert f"{SITE}/private/x" in str(error)
    assert f"{SITE}/robots.txt" in str(error)
    assert "'scraper'" in str(error)


def test_a_huge_robots_txt_is_read_up_to_500_kib_only() -> None:
    head = b"User-agent: *\nDisallow: /private\n"
    filler = b"# " + b"x" * 98 + b"\n"
    body = head + filler * (MAX_ROBOTS_BYTES // len(filler)) + b"Disallow: /late\n"
    assert len(body) > MAX_ROBOTS_BYTES
    store = MemoryStore()
    robots = policy(FakeRobots((200, body)), store=store)
    assert check(robots, f"{SITE}/private") == (False, "disallowed")
    assert check(robots, f"{SITE}/late") == (True, "allowed")
    stored = store.entries[SITE_ORIGIN].body
    assert len(stored) <= MAX_ROBOTS_BYTES
    assert stored.endswith(b"\n")


def test_a_byte_order_mark_does_not_hide_the_first_group() -> None:
    robots = policy(FakeRobots((200, b"\xef\xbb\xbfUser-agent: *\nDisallow: /private\n")))
    assert check(robots, f"{SITE}/private") == (False, "disallowed")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Site.test:443/a/b?c=d", "https://site.test/robots.txt"),
        ("http://site.test:8080/", "http://site.test:8080/robots.txt"),
        ("http://[::1]:80/x", "http://[::1]/robots.txt"),
    ],
)
def test_robots_url_is_per_scheme_host_and_port(url: str, expected: str) -> None:
    assert robots_url(url) == expected


def test_http_and_https_are_separate_origins() -> None:
    fetch = FakeRobots((200, ROBOTS))
    robots = policy(fetch)
    check(robots, "https://site.test/a")
    check(robots, "http://site.test/a")
    assert fetch.calls == ["https://site.test/robots.txt", "http://site.test/robots.txt"]


@pytest.mark.parametrize("url", ["ftp://site.test/file", "mailto:a@site.test", "not a url"])
def test_a_non_http_url_is_a_bad_url(url: str) -> None:
    error = refusal(policy(FakeRobots((200, b""))), url)
    assert error.reason == "bad-url"
    assert url in str(error)


def test_unexpected_fetcher_bugs_are_not_mistaken_for_an_outage() -> None:
    robots = policy(FakeRobots(RuntimeError("bug in the fetcher")))
    with pytest.raises(RuntimeError, match="bug in the fetcher"):
        asyncio.run(robots.check(f"{SITE}/a"))
