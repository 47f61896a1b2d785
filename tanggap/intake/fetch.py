"""Fetching a URL safely: size and time limits, and no private or loopback hosts."""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from tanggap.intake.errors import MediaFetchFailed


def fetch_url(url: str, timeout: float, max_bytes: int, allow_private: bool = False) -> bytes:
    """GET an http(s) URL with a size limit and an overall deadline. Private and loopback hosts
    are refused unless allowed (tests), so a client cannot make us read our own network."""
    _check_fetchable(url, allow_private)
    opener = urllib.request.build_opener(_SafeRedirects(allow_private))
    deadline = time.monotonic() + timeout
    try:
        with opener.open(
            urllib.request.Request(url, headers={"User-Agent": "Tanggap/1 media-fetch"}), timeout=timeout
        ) as response:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise MediaFetchFailed(url, f"it is {declared:,} bytes; the limit is {max_bytes:,}", True)
            return _read_limited(url, response, max_bytes, deadline)
    except urllib.error.HTTPError as err:
        raise MediaFetchFailed(url, f"HTTP {err.code}", err.code in (400, 401, 403, 404, 410)) from None
    except (urllib.error.URLError, OSError) as err:
        raise MediaFetchFailed(url, str(getattr(err, "reason", err)), False) from None


def _read_limited(url: str, response: Any, max_bytes: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaFetchFailed(url, f"it is over the {max_bytes:,}-byte limit", True)
        if time.monotonic() > deadline:
            raise MediaFetchFailed(url, "it took longer than the time limit", False)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_fetchable(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaFetchFailed(url, "only http and https URLs are fetched", True)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as err:
        raise MediaFetchFailed(url, f"the host does not resolve ({err})", False) from None
    if not all(ipaddress.ip_address(info[4][0]).is_global for info in infos):
        raise MediaFetchFailed(url, "the host is on a private or loopback network", True)


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        _check_fetchable(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
