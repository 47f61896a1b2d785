"""Fetching a URL safely: a hard total deadline, a size limit, and only public hosts.

The host is resolved once; every address it resolves to must be global, and the connection goes to
that checked address (Host and TLS SNI keep the name), so a DNS answer that changes between the
check and the connect (rebinding) cannot reach the internal network. Every redirect is checked the
same way. A watchdog closes the socket at the deadline, so a server that trickles a byte a second
cannot hold the fetch past its time limit, whatever phase it is in.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from tanggap.intake.errors import MediaFetchFailed

DEFAULT_PORTS = (80, 443)
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
PERMANENT_HTTP = (400, 401, 403, 404, 410)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A URL taken apart: what is connected to, and what the server is told."""

    url: str
    scheme: str
    host: str
    port: int
    path: str


def url_problem(url: str, ports: Sequence[int] | None = DEFAULT_PORTS, allow_private: bool = False) -> str | None:
    """Why this URL can never be fetched, judged without the network; None when it may be."""
    try:
        target = _target(url)
    except MediaFetchFailed as err:
        return err.reason
    if ports is not None and target.port not in ports:
        return f"port {target.port} is not allowed (only {', '.join(map(str, ports))})"
    literal = None if allow_private else _literal_ip(target.host)
    return address_problem(literal) if literal is not None else None


def address_problem(address: IpAddress) -> str | None:
    """Why connecting to this address would reach somewhere private; None for a global address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64:
            return f"{address} is a NAT64 address"
        if address in SIX_TO_FOUR:
            return f"{address} is a 6to4 address"
        embedded = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in IPV4_COMPATIBLE else None)
        if embedded is not None:
            inner = address_problem(embedded)
            return f"{address} embeds {embedded}: {inner}" if inner else f"{address} embeds an IPv4 address"
    if not address.is_global or address.is_multicast:
        return f"{address} is on a private, loopback or reserved network"
    return None


def fetch_url(url: str, timeout: float, max_bytes: int, allow_private: bool = False, *,
              ports: Sequence[int] | None = DEFAULT_PORTS, resolve: Resolver = socket.getaddrinfo) -> bytes:
    """GET an http(s) URL within `timeout` seconds in total and `max_bytes`. Private, loopback and
    reserved addresses, and ports outside `ports`, are refused unless `allow_private` (tests).
    Every failure, whatever its cause, is a MediaFetchFailed that names the reason."""
    fetch = _Fetch(time.monotonic() + timeout, max_bytes, allow_private, None if allow_private else ports, resolve)
    try:
        return fetch.get(url)
    except MediaFetchFailed:
        raise
    except Exception as err:
        if fetch.expired():
            raise MediaFetchFailed(url, "it took longer than the time limit", False) from None
        raise MediaFetchFailed(url, _describe(err), _is_permanent(err)) from None


def _describe(err: BaseException) -> str:
    detail = str(getattr(err, "reason", None) or err) or "no detail"
    return f"{type(err).__name__}: {detail}"[:300]


def _is_permanent(err: BaseException) -> bool:
    """A malformed answer or URL will be malformed next time too; a network error may pass."""
    return isinstance(err, ValueError | UnicodeError | http.client.HTTPException) and not isinstance(
        err, http.client.IncompleteRead | http.client.RemoteDisconnected)


@dataclass
class _Fetch:
    deadline: float
    max_bytes: int
    allow_private: bool
    ports: Sequence[int] | None
    resolve: Resolver

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def get(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            target = self._checked(url)
            address = self._address(target)
            body, location = self._request(target, address)
            if location is None:
                return body
            url = urljoin(url, location)
        raise MediaFetchFailed(url, f"more than {MAX_REDIRECTS} redirects", True)

    def _checked(self, url: str) -> Target:
        target = _target(url)
        if self.ports is not None and target.port not in self.ports:
            allowed = ", ".join(map(str, self.ports))
            raise MediaFetchFailed(url, f"port {target.port} is not allowed (only {allowed})", True)
        return target

    def _address(self, target: Target) -> str:
        """Resolve once and check every answer; the connection goes to the first of them."""
        try:
            infos = self.resolve(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as err:
            raise MediaFetchFailed(target.url, f"the host does not resolve ({err})", False) from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise MediaFetchFailed(target.url, "the host has no address", False)
        problems = [] if self.allow_private else [p for p in map(address_problem, addresses) if p]
        if problems:
            raise MediaFetchFailed(target.url, f"the host is not public: {problems[0]}", True)
        return str(addresses[0])

    def _request(self, target: Target, address: str) -> tuple[bytes, str | None]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise MediaFetchFailed(target.url, "it took longer than the time limit", False)
        conn = _connection(target, address, remaining)
        watchdog = threading.Timer(remaining, _abort, (conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request("GET", target.path, headers={"User-Agent": "Tanggap/1 media-fetch", "Accept": "image/*"})
            response = conn.getresponse()
            return self._answer(target, response)
        finally:
            watchdog.cancel()
            conn.close()

    def _answer(self, target: Target, response: http.client.HTTPResponse) -> tuple[bytes, str | None]:
        if response.status in (301, 302, 303, 307, 308):
            location = response.getheader("Location")
            if not location:
                raise MediaFetchFailed(target.url, f"HTTP {response.status} without a Location", True)
            return b"", location
        if response.status >= 400:
            raise MediaFetchFailed(target.url, f"HTTP {response.status}", response.status in PERMANENT_HTTP)
        if response.status != 200:
            raise MediaFetchFailed(target.url, f"HTTP {response.status} is not a photo", True)
        self._check_declared(target.url, response.getheader("Content-Length"))
        return self._read(target.url, response), None

    def _check_declared(self, url: str, declared: str | None) -> None:
        if declared is None:
            return
        if not declared.strip().isdigit():
            raise MediaFetchFailed(url, f"its Content-Length {declared[:40]!r} is not a number", True)
        if int(declared) > self.max_bytes:
            raise MediaFetchFailed(url, f"it is {int(declared):,} bytes; the limit is {self.max_bytes:,}", True)

    def _read(self, url: str, response: http.client.HTTPResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise MediaFetchFailed(url, f"it is over the {self.max_bytes:,}-byte limit", True)
            if self.expired():
                raise MediaFetchFailed(url, "it took longer than the time limit", False)
            chunks.append(chunk)
        if self.expired():
            raise MediaFetchFailed(url, "it took longer than the time limit", False)
        if response.length:  # bytes the Content-Length promised and the server never sent
            raise MediaFetchFailed(url, f"IncompleteRead: the answer ended after {size:,} of "
                                        f"{size + response.length:,} bytes", False)
        return b"".join(chunks)


def _target(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port out of range or not a number
        host = parts.hostname
        if host:
            host.encode("idna")  # UnicodeError for a name no resolver would take
    except (ValueError, UnicodeError) as err:
        raise MediaFetchFailed(url, f"the URL is malformed ({err})", True) from None
    if parts.scheme not in ("http", "https") or not host:
        raise MediaFetchFailed(url, "only http and https URLs with a host are fetched", True)
    if any(ch in url for ch in "\r\n\t ") or any(ord(ch) < 32 for ch in url):
        raise MediaFetchFailed(url, "the URL holds spaces or control characters", True)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def _literal_ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target.host, target.port, address, timeout)
    return _PinnedHTTP(target.host, target.port, address, timeout)


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    """The one place a fetch opens a connection: to an address that has been checked."""
    return socket.create_connection((address, port), timeout)


def _abort(conn: http.client.HTTPConnection) -> None:
    """The deadline passed: end whatever read or connect is under way."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing is waiting on it
            sock.shutdown(socket.SHUT_RDWR)


class _PinnedHTTP(http.client.HTTPConnection):
    """Talks to `host` (its Host header) at the already-checked `address`."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = open_socket(self.address, self.port, self.timeout or 10.0)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(_PinnedHTTP):
    """TLS to the checked address, with SNI and certificate check against the name."""

    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)
