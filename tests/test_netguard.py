"""The private-address guard: literal addresses, names, mapped IPv6, DNS failures. No network:
literal addresses are never looked up, and names resolve through /etc/hosts or a patched resolver."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest

from scraper.errors import FetchError
from scraper.web.netguard import ensure_public, is_public_address


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
