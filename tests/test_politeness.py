"""The per-host gate: concurrency caps, start spacing, cooldowns, Crawl-delay, overrides and
cancellation. Timing is checked on a fake clock; real asyncio is used only to check ordering."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

import pytest

from scraper.web.politeness import HostGate, HostLimits

SITE = "https://site.test:443"
OTHER = "https://other.test:443"


class FakeTime:
    """A clock that only moves when the gate sleeps; ``hang`` makes sleeps block forever.

    A sleep first lets every other ready task run, so they all ask for a slot at the time they
    would have on a real clock, then moves the clock forward.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.hang = False
        self.on_sleep: Callable[[], None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep()
        await asyncio.sleep(0)
        if self.hang:
            await asyncio.Event().wait()
        self.now += seconds


def fake_gate(fake: FakeTime, **kwargs: object) -> HostGate:
    return HostGate(clock=fake.clock, sleep=fake.sleep, **kwargs)  # type: ignore[arg-type]


async def start_times(gate: HostGate, fake: FakeTime, origin: str, count: int) -> list[float]:
    starts: list[float] = []

    async def one() -> None:
        async with gate.slot(origin):
            starts.append(fake.now)

    await asyncio.gather(*(one() for _ in range(count)))
    return starts


def test_starts_are_spaced_by_the_delay() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, concurrency=5, delay=2.0)
    assert asyncio.run(start_times(gate, fake, SITE, 4)) == [0.0, 2.0, 4.0, 6.0]
    stats = gate.stats(SITE)
    assert stats.started == 4
    assert stats.waited == pytest.approx(0 + 2 + 4 + 6)
    assert stats.in_flight == 0


def test_spacing_counts_from_the_last_start_not_from_now() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=2.0)

    async def scenario() -> list[float]:
        first = await start_times(gate, fake, SITE, 1)
        fake.now = 5.0  # the host was idle longer than the delay
        return first + await start_times(gate, fake, SITE, 2)

    assert asyncio.run(scenario()) == [0.0, 5.0, 7.0]


def test_spacing_counts_from_when_the_request_really_left() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=2.0)

    async def scenario() -> list[float]:
        async with gate.slot(SITE):
            fake.now = 0.5  # the event loop was busy: the request leaves half a second late
            gate.mark_sent(SITE)
        return await start_times(gate, fake, SITE, 1)

    assert asyncio.run(scenario()) == [2.5]


def test_until_ready_waits_out_the_delay_and_cooldown_without_a_slot() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=2.0)

    async def scenario() -> float:
        async with gate.slot(SITE):
            pass
        gate.cool_down(SITE, 5.0)
        await gate.until_ready(SITE)
        return fake.now

    assert asyncio.run(scenario()) == 5.0
    assert gate.stats(SITE).in_flight == 0


def test_delays_are_per_origin() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=10.0)

    async def scenario() -> None:
        await start_times(gate, fake, SITE, 1)
        assert await start_times(gate, fake, OTHER, 1) == [0.0]

    asyncio.run(scenario())
    assert fake.sleeps == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [({}, {SITE: 2, OTHER: 2}), ({"site.test": HostLimits(concurrency=1)}, {SITE: 1, OTHER: 2})],
)
def test_in_flight_requests_are_capped_per_origin(
    overrides: dict[str, HostLimits], expected: dict[str, int]
) -> None:
    gate = HostGate(concurrency=2, delay=0.0, overrides=overrides)
    in_flight = {SITE: 0, OTHER: 0}
    peak = {SITE: 0, OTHER: 0}

    async def one(origin: str) -> None:
        async with gate.slot(origin):
            in_flight[origin] += 1
            peak[origin] = max(peak[origin], in_flight[origin])
            await asyncio.sleep(0.01)
            in_flight[origin] -= 1

    async def scenario() -> None:
        await asyncio.gather(*(one(origin) for origin in (SITE, OTHER) * 5))

    asyncio.run(scenario())
    assert peak == expected
    assert gate.stats(SITE).started == gate.stats(OTHER).started == 5


def test_a_slow_host_does_not_delay_another() -> None:
    gate = HostGate(concurrency=2, delay=0.0, overrides={"site.test": HostLimits(delay=30.0)})
    events: list[str] = []

    async def hit(origin: str, name: str) -> None:
        async with gate.slot(origin):
            events.append(name)

    async def scenario() -> None:
        await hit(SITE, "slow-1")
        waiting = asyncio.create_task(hit(SITE, "slow-2"))  # must wait 30 s for its turn
        await asyncio.sleep(0.01)
        await asyncio.wait_for(asyncio.gather(hit(OTHER, "fast-1"), hit(OTHER, "fast-2")), timeout=5)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(scenario())
    assert events == ["slow-1", "fast-1", "fast-2"]
    assert gate.stats(SITE).started == 1


def test_nothing_starts_before_a_cooldown_ends_and_cooldowns_only_extend() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=0.0)

    async def scenario() -> None:
        gate.cool_down(SITE, 30.0)
        gate.cool_down(SITE, 10.0)  # shorter: ignored
        gate.cool_down(SITE, -5.0)
        assert gate.stats(SITE).cooldown_remaining == 30.0
        assert await start_times(gate, fake, OTHER, 1) == [0.0]
        assert await start_times(gate, fake, SITE, 1) == [30.0]
        gate.cool_down(SITE, 5.0)  # a new cooldown from now
        assert await start_times(gate, fake, SITE, 1) == [35.0]

    asyncio.run(scenario())


def test_a_cooldown_announced_while_waiting_delays_the_waiter_further() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=1.0)

    def retry_after_arrives() -> None:
        fake.on_sleep = None
        gate.cool_down(SITE, 20.0)  # at t=0, while the second request waits for t=1

    async def scenario() -> list[float]:
        first = await start_times(gate, fake, SITE, 1)
        fake.on_sleep = retry_after_arrives
        return first + await start_times(gate, fake, SITE, 1)

    assert asyncio.run(scenario()) == [0.0, 20.0]


def test_crawl_delay_raises_the_delay_up_to_the_cap() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, delay=1.0, max_crawl_delay=10.0)
    gate.set_crawl_delay(SITE, 3.0)
    assert asyncio.run(start_times(gate, fake, SITE, 3)) == [0.0, 3.0, 6.0]
    gate.set_crawl_delay(SITE, 3600.0)
    assert gate.stats(SITE).delay == 10.0
    gate.set_crawl_delay(SITE, 0.5)  # below the configured delay: the configured one stands
    assert gate.stats(SITE).delay == 1.0
    gate.set_crawl_delay(SITE, math.nan)
    assert gate.stats(SITE).delay == 1.0
    assert gate.stats(OTHER).delay == 1.0


def test_overrides_apply_to_every_scheme_and_port_of_exactly_that_host() -> None:
    gate = HostGate(delay=1.0, concurrency=2, overrides={"Example.COM.": HostLimits(delay=5.0)})
    assert gate.stats("https://example.com:443").delay == 5.0
    assert gate.stats("http://example.com:8080").delay == 5.0
    assert gate.stats("https://www.example.com:443").delay == 1.0


def test_a_cancelled_slot_waiter_leaks_no_slot() -> None:
    gate = HostGate(concurrency=1, delay=0.0)

    async def scenario() -> None:
        done = asyncio.Event()

        async def holder() -> None:
            async with gate.slot(SITE):
                await done.wait()

        async def follower() -> None:
            async with gate.slot(SITE):
                pass

        holding = asyncio.create_task(holder())
        await asyncio.sleep(0)
        queued = asyncio.create_task(follower())
        await asyncio.sleep(0.01)
        assert gate.stats(SITE).in_flight == 1
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        done.set()
        await holding
        assert gate.stats(SITE).in_flight == 0
        # The only slot is free again: two requests in turn get it without waiting forever.
        await asyncio.wait_for(asyncio.gather(follower(), follower()), timeout=5)

    asyncio.run(scenario())
    assert gate.stats(SITE).started == 3


def test_a_cancelled_turn_waiter_reserves_no_start_time() -> None:
    fake = FakeTime()
    gate = fake_gate(fake, concurrency=2, delay=10.0)

    async def scenario() -> list[float]:
        await start_times(gate, fake, SITE, 1)  # starts at 0
        fake.hang = True
        waiting = asyncio.create_task(start_times(gate, fake, SITE, 1))  # sleeps towards t=10
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        fake.hang = False
        fake.now = 10.0
        return await start_times(gate, fake, SITE, 1)

    assert asyncio.run(scenario()) == [10.0]  # not 20: the cancelled one never started
    assert gate.stats(SITE).started == 2
    assert gate.stats(SITE).in_flight == 0


def test_an_error_inside_the_slot_releases_it() -> None:
    gate = HostGate(concurrency=1, delay=0.0)

    async def scenario() -> None:
        with pytest.raises(RuntimeError):
            async with gate.slot(SITE):
                raise RuntimeError("request failed")
        await asyncio.wait_for(start_times(gate, FakeTime(), SITE, 1), timeout=5)

    asyncio.run(scenario())
    assert gate.stats(SITE).in_flight == 0
    assert gate.origins() == [SITE]


@pytest.mark.parametrize(
    "make",
    [
        lambda: HostGate(concurrency=0),
        lambda: HostGate(delay=-1.0),
        lambda: HostGate(max_crawl_delay=math.nan),
        lambda: HostLimits(concurrency=0),
        lambda: HostLimits(delay=-0.5),
    ],
)
def test_bad_limits_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        make()
