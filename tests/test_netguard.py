"""The private-address guard: literal addresses, names, mapped IPv6, DNS failures. No network:
literal addresses are never looked up, and names resolve through /etc/hosts or a patched resolver."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpcore
import pytest
from httpserver import PAGE, LocalServer, respond

from scraper.article import Page
from scraper.errors import FetchError
from scraper.web import netguard
from scraper.web.client import Fetcher
from scraper.web.netguard import BlockedAddress, GuardedBackend, ensure_public, is_public_address
from scraper.web.settings import FetchSettings


def guard_error(url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        asyncio.run(ensure_public(url))
    return info.value


def fake_resolver(answers: dict[str, list[str]]) -> Any:
    """A socket.getaddrinfo that knows only ``answers`` and fails like DNS for anything else."""

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in answers[host]
        ]

    return getaddrinfo


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/admin",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fec0::1]/",
        "http://[2002:7f00:1::]/",
        "http://2130706433/",
    ],
)
def test_private_and_special_addresses_are_refused(url: str) -> None:
    error = guard_error(url)
    assert error.reason == "private-address"
    assert error.url == url
    assert "non-public address" in str(error)
    assert "--allow-private-networks" in str(error)  # the flag a CLI user can give, not only the key
    assert not error.retryable


@pytest.mark.parametrize(
    "url",
    ["http://93.184.216.34/", "https://[2606:4700:4700::1111]/", "http://[::ffff:93.184.216.34]:8080/x"],
)
def test_public_literal_addresses_pass(url: str) -> None:
    assert asyncio.run(ensure_public(url)) is None


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        socket, "getaddrinfo", fake_resolver({"news.example": ["93.184.216.34", "10.1.2.3", "2606:4700::1"]})
    )
    error = guard_error("https://news.example/story")
    assert error.reason == "private-address"
    assert "10.1.2.3" in str(error)
    assert "93.184.216.34" not in str(error)


def test_a_name_with_only_public_addresses_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        socket, "getaddrinfo", fake_resolver({"news.example": ["93.184.216.34", "2606:4700::1"]})
    )
    assert asyncio.run(ensure_public("https://news.example/story")) is None


def test_dns_failure_is_a_retryable_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({}))
    error = guard_error("https://gone.example/story")
    assert error.reason == "network"
    assert error.retryable
    assert "gone.example" in str(error)


def test_a_url_without_a_host_is_a_bad_url() -> None:
    assert guard_error("http:///path").reason == "bad-url"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.53", False),
        ("::ffff:192.168.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),  # documentation range
        ("2001:db8::1", False),  # documentation range
        ("ff02::1", False),
        ("::", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


# -- the guarded transport: one lookup, vetted, and the connection goes to that address --------------


def rebinding_resolver(answers: list[str], calls: list[str]) -> Any:
    """A socket.getaddrinfo that answers ``answers[i]`` to its i-th lookup (the last one after that)."""

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        address = answers[min(len(calls), len(answers)) - 1]
        return fake_resolver({host: [address]})(host, port)

    return getaddrinfo


GUARDED = FetchSettings(
    allow_private_networks=False, connect_timeout=2, read_timeout=2, total_timeout=5, retries=0
)


def guarded_fetch(url: str, settings: FetchSettings = GUARDED) -> Page:
    async def run() -> Page:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


def test_dns_rebinding_cannot_reach_a_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first lookup (the pre-request check) says public, every later one says 127.0.0.1: the
    # connection must not follow the second answer to the server on this machine.
    calls: list[str] = []
    with LocalServer() as server:
        server.add("/internal", respond(PAGE))
        monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver(["93.184.216.34", "127.0.0.1"], calls))
        url = f"http://rebind.example:{server.port}/internal"
        with pytest.raises(FetchError) as info:
            guarded_fetch(url)
        assert server.count("/internal") == 0
    assert info.value.reason == "private-address"
    assert info.value.url == url
    assert "127.0.0.1" in str(info.value)
    assert not info.value.retryable


def test_the_guarded_transport_connects_to_the_vetted_address_and_keeps_the_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 127.0.0.1 counts as public here, 127.0.0.2 does not; a third lookup (which the transport must
    # not make) would answer 127.0.0.2, where nothing listens.
    monkeypatch.setattr(netguard, "is_public_address", lambda address: str(address) == "127.0.0.1")
    calls: list[str] = []
    monkeypatch.setattr(
        socket, "getaddrinfo", rebinding_resolver(["127.0.0.1", "127.0.0.1", "127.0.0.2"], calls)
    )
    with LocalServer() as server:
        server.add("/story", respond(PAGE))
        port = server.port
        page = guarded_fetch(f"http://news.example:{port}/story")
        host = server.requests("/story")[0].headers["host"]
    assert page.status == 200 and page.body == PAGE
    assert host == f"news.example:{port}"
    assert calls == ["news.example", "news.example"]  # the check, then the transport: no third lookup


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """An inner backend that records where it was asked to connect, and refuses."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("refused (test)")


def test_the_guarded_backend_hands_the_inner_backend_ip_addresses_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        socket, "getaddrinfo", fake_resolver({"news.example": ["93.184.216.34", "2606:4700::1"]})
    )
    inner = RecordingBackend()
    with pytest.raises(httpcore.ConnectError):
        asyncio.run(GuardedBackend(inner).connect_tcp("news.example", 443, timeout=2))
    assert inner.hosts == ["93.184.216.34", "2606:4700::1"]  # each vetted address in turn, never the name


def test_the_guarded_backend_refuses_a_name_with_a_private_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({"news.example": ["93.184.216.34", "10.0.0.7"]}))
    inner = RecordingBackend()
    with pytest.raises(BlockedAddress) as info:
        asyncio.run(GuardedBackend(inner).connect_tcp("news.example", 80, timeout=2))
    assert info.value.blocked == ["10.0.0.7"]
    assert inner.hosts == []


def test_a_lookup_failing_at_connect_time_is_a_retryable_network_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = fake_resolver({"news.example": ["93.184.216.34"]})
    calls: list[str] = []

    def flaky(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        if len(calls) > 1:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return answers(host, port)

    monkeypatch.setattr(socket, "getaddrinfo", flaky)
    with pytest.raises(FetchError) as info:
        guarded_fetch("http://news.example/story")
    assert info.value.reason == "network"
    assert info.value.retryable
