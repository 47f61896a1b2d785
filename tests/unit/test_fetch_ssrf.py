"""Server-side request forgery through media_url: the address checked is the address connected to.

The resolver is a stub whose answer changes between calls (DNS rebinding); connections go to a
loopback server standing in for the public host, so the test sees the Host header it was sent."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tanggap.intake import fetch as fetch_module
from tanggap.intake.errors import MediaFetchFailed
from tanggap.intake.fetch import address_problem, fetch_url, url_problem

PUBLIC = "93.184.216.34"
PRIVATE = "10.0.0.7"


class Answers:
    """A resolver whose answer for a name changes from one call to the next."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        queue = self.answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


class Handler(http.server.BaseHTTPRequestHandler):
    hosts: list[str] = []  # noqa: RUF012 - shared by the server's threads and the test
    redirect_to: str | None = None

    def do_GET(self) -> None:
        Handler.hosts.append(self.headers["Host"])
        if Handler.redirect_to and self.path == "/start.jpg":
            self.send_response(302)
            self.send_header("Location", Handler.redirect_to)
            self.end_headers()
            return
        body = b"photo bytes"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every connection the fetch opens lands on a loopback server; the list holds where it
    was meant to go."""
    Handler.hosts, Handler.redirect_to = [], None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    connected: list[tuple[str, int]] = []

    def open_socket(address: str, port: int, timeout: float) -> socket.socket:
        connected.append((address, port))
        return socket.create_connection(("127.0.0.1", httpd.server_port), timeout)

    monkeypatch.setattr(fetch_module, "open_socket", open_socket)
    yield connected
    httpd.shutdown()
    httpd.server_close()


def test_a_rebinding_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    server: list[tuple[str, int]],
) -> None:
    resolver = Answers({"foto.example": [PUBLIC, PRIVATE]})

    assert fetch_url("http://foto.example/a.jpg", 2, 1000, resolve=resolver) == b"photo bytes"

    assert resolver.calls == ["foto.example"]
    assert server == [(PUBLIC, 80)]
    assert Handler.hosts == ["foto.example"]  # the server is still asked for the name


def test_a_name_answering_private_first_is_refused_before_any_connection(server: list[tuple[str, int]]) -> None:
    resolver = Answers({"foto.example": [PRIVATE, PUBLIC]})

    with pytest.raises(MediaFetchFailed) as failed:
        fetch_url("http://foto.example/a.jpg", 2, 1000, resolve=resolver)

    assert failed.value.permanent and "10.0.0.7" in failed.value.reason and "private" in failed.value.reason
    assert server == []


def test_a_redirect_is_checked_again_and_to_an_internal_name_it_is_refused(server: list[tuple[str, int]]) -> None:
    Handler.redirect_to = "http://intranet.example/rahasia.jpg"
    resolver = Answers({"foto.example": [PUBLIC], "intranet.example": [PRIVATE]})

    with pytest.raises(MediaFetchFailed) as failed:
        fetch_url("http://foto.example/start.jpg", 2, 1000, resolve=resolver)

    assert "not public: 10.0.0.7" in failed.value.reason
    assert resolver.calls == ["foto.example", "intranet.example"]
    assert server == [(PUBLIC, 80)]


def test_a_redirect_to_a_public_name_is_followed_at_its_own_checked_address(server: list[tuple[str, int]]) -> None:
    Handler.redirect_to = "http://cdn.example/a.jpg"
    resolver = Answers({"foto.example": [PUBLIC], "cdn.example": ["151.101.1.1", PRIVATE]})

    assert fetch_url("http://foto.example/start.jpg", 2, 1000, resolve=resolver) == b"photo bytes"
    assert server == [(PUBLIC, 80), ("151.101.1.1", 80)]
    assert Handler.hosts == ["foto.example", "cdn.example"]


def test_a_name_with_one_private_answer_among_public_ones_is_refused(server: list[tuple[str, int]]) -> None:
    def both(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.1", port))]

    with pytest.raises(MediaFetchFailed, match=r"192\.168\.1\.1"):
        fetch_url("http://foto.example/a.jpg", 2, 1000, resolve=both)
    assert server == []


@pytest.mark.parametrize(("address", "words"), [
    ("64:ff9b::a00:1", "NAT64"),
    ("64:ff9b::808:808", "NAT64"),
    ("2002:a00:1::1", "6to4"),
    ("2002:808:808::1", "6to4"),
    ("::ffff:10.0.0.1", "embeds 10.0.0.1"),
    ("::ffff:127.0.0.1", "embeds 127.0.0.1"),
    ("::10.0.0.1", "embeds 10.0.0.1"),
    ("::127.0.0.1", "embeds 127.0.0.1"),
    ("127.0.0.1", "private"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.0.1", "private"),
    ("169.254.169.254", "private"),  # cloud metadata
    ("100.64.0.1", "private"),  # carrier-grade NAT
    ("0.0.0.0", "private"),
    ("224.0.0.1", "private"),
    ("255.255.255.255", "private"),
    ("::1", "private"),
    ("::", "private"),
    ("fe80::1", "private"),
    ("fc00::1", "private"),
    ("2001:db8::1", "private"),
    ("ff02::1", "private"),
])  # fmt: skip
def test_every_non_global_address_is_refused_with_its_reason(address: str, words: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and words in problem


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_global_addresses_are_allowed(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "2002:a00:1::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8"])
def test_a_name_resolving_to_a_translated_address_is_refused(address: str, server: list[tuple[str, int]]) -> None:
    with pytest.raises(MediaFetchFailed) as failed:
        fetch_url("http://foto.example/a.jpg", 2, 1000, resolve=Answers({"foto.example": [address]}))
    assert failed.value.permanent and str(ipaddress.ip_address(address)) in failed.value.reason
    assert server == []


@pytest.mark.parametrize(("url", "words"), [
    ("http://foto.example:8080/a.jpg", "port 8080 is not allowed"),
    ("http://foto.example:22/a.jpg", "port 22 is not allowed"),
    ("https://foto.example:8443/a.jpg", "port 8443 is not allowed"),
])  # fmt: skip
def test_only_ports_80_and_443_are_fetched_unless_configured(url: str, words: str,
                                                              server: list[tuple[str, int]]) -> None:
    resolver = Answers({"foto.example": [PUBLIC]})
    with pytest.raises(MediaFetchFailed, match=words):
        fetch_url(url, 2, 1000, resolve=resolver)
    assert resolver.calls == [] and server == []
    assert url_problem(url) is not None and words in (url_problem(url) or "")


def test_a_configured_port_is_fetched(server: list[tuple[str, int]]) -> None:
    resolver = Answers({"foto.example": [PUBLIC]})
    assert fetch_url("http://foto.example:8080/a.jpg", 2, 1000, ports=(80, 443, 8080), resolve=resolver)
    assert server == [(PUBLIC, 8080)]


@pytest.mark.parametrize("url", ["http://10.0.0.1/a.jpg", "http://[::1]/a.jpg", "http://[64:ff9b::a00:1]/a.jpg",
                                 "http://169.254.169.254/latest/meta-data"])
def test_a_literal_private_address_is_refused_without_the_network(url: str) -> None:
    assert url_problem(url) is not None
    assert url_problem("http://93.184.216.34/a.jpg") is None
