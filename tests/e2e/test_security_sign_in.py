"""Sign-in hardening: no name told apart by timing, parallel guesses counted atomically, a lock
per (account, client) with a slower back-off per account, and Flask-Limiter limits on POST /login."""

from __future__ import annotations

import re
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from flask import Flask
from flask.testing import FlaskClient

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.infrastructure.storage import LocalPhotoStorage
from tanggap.staff import handlers as staff
from tests.conftest import PASSWORD
from tests.fixtures.intake.servers import serving
from tests.web.staff_helpers import csrf
from web.app import create_app

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _account(app: Tanggap, password: str = "benar-sekali-2026", active: bool = True) -> str:
    name = f"tamu-{uuid.uuid4().hex[:6]}"
    app.handle(c.CreateUser(name, "hr", "Tamu", None, password))
    if not active:
        app.handle(staff.DeactivateUser("admin", name))
    return name


def _timed(app: Tanggap, username: str, n: int) -> float:
    started = time.perf_counter()
    result = app.handle(staff.LogIn(username, "salah-tebak", f"198.51.100.{n}"))
    elapsed = time.perf_counter() - started
    assert result.user is None and not result.locked
    return elapsed


def test_an_unknown_an_inactive_and_a_real_name_take_the_same_time_to_refuse(sqlite_app: Tanggap) -> None:
    real, inactive = _account(sqlite_app), _account(sqlite_app, active=False)
    names = {"real": real, "inactive": inactive, "unknown": f"hantu-{uuid.uuid4().hex[:6]}"}
    _timed(sqlite_app, real, 0)  # warm the hasher and the connection
    times: dict[str, list[float]] = {k: [] for k in names}
    for n in range(1, 16):  # interleaved, so that machine load falls on every kind alike
        for kind, name in names.items():
            times[kind].append(_timed(sqlite_app, name, n))
    medians = {k: statistics.median(v) for k, v in times.items()}
    print("sign-in refusal medians (ms):", {k: round(v * 1000, 1) for k, v in medians.items()},
          "unknown/real ratio:", round(medians["unknown"] / medians["real"], 3))
    for kind in ("unknown", "inactive"):
        assert 0.8 <= medians[kind] / medians["real"] <= 1.2, medians


def _guess(base: str, username: str) -> int:
    with requests.Session() as session:
        token = TOKEN.search(session.get(f"{base}/login", timeout=30).text)
        assert token
        answer = session.post(f"{base}/login", data={"username": username, "password": "tebak",
                                                     "csrf_token": token.group(1)}, timeout=60,
                              allow_redirects=False)
        return answer.status_code


def _plain_http_app(app: Tanggap, tmp_path: Path, **overrides: object) -> Flask:
    settings = {"SESSION_COOKIE_SECURE": False, "TANGGAP_RATE_LIMIT_IP": "100000 per minute",
                "TANGGAP_LOGIN_RATE_LIMIT_IP": "100000 per minute",
                "TANGGAP_LOGIN_RATE_LIMIT_GLOBAL": "100000 per minute", **overrides}
    return create_app(app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"), **settings)


def test_fifty_parallel_guesses_over_http_get_only_five_password_checks(app: Tanggap, tmp_path: Path) -> None:
    name = _account(app)
    barrier = threading.Barrier(50)

    def guess(base: str) -> int:
        barrier.wait(timeout=60)
        return _guess(base, name)

    with serving(_plain_http_app(app, tmp_path)) as base, ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(lambda _n: guess(base), range(50)))
    print("50 parallel guesses:", {s: statuses.count(s) for s in sorted(set(statuses))})
    assert statuses.count(401) == staff.MAX_FAILURES  # a password checked, and refused
    assert statuses.count(429) == 50 - staff.MAX_FAILURES  # locked before the password was read


def _post_login(client: FlaskClient, username: str, password: str, address: str) -> int:
    token = csrf(client.get("/login", environ_base={"REMOTE_ADDR": address}).text)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                         environ_base={"REMOTE_ADDR": address})
    return answer.status_code


def test_a_locked_out_attacker_does_not_lock_out_the_owner_on_another_address(web: Flask, app: Tanggap) -> None:
    attacker, owner = web.test_client(), web.test_client()
    tries = [_post_login(attacker, "admin", "tebakan", "203.0.113.66") for _ in range(staff.MAX_FAILURES + 2)]
    assert tries == [401] * staff.MAX_FAILURES + [429, 429]
    page = attacker.post("/login", data={"username": "admin", "password": PASSWORD,
                                         "csrf_token": csrf(attacker.get("/login").text)},
                         environ_base={"REMOTE_ADDR": "203.0.113.66"})
    assert page.status_code == 429 and "Terlalu banyak percobaan gagal" in page.text  # even the right password
    assert _post_login(owner, "admin", PASSWORD, "198.51.100.20") == 303  # the owner, elsewhere, signs in
    assert "Keluar" in owner.get("/", follow_redirects=True).text


def test_guesses_from_many_addresses_slow_the_account_down_and_the_owner_gets_a_turn(
    app: Tanggap, clock: FrozenClock
) -> None:
    name = _account(app)
    attempts = [app.handle(staff.LogIn(name, "tebak", f"10.9.{n // 200}.{n % 200}"))
                for n in range(staff.ACCOUNT_FAILURES + 10)]
    locked = sum(1 for a in attempts if a.locked)
    print(f"{staff.ACCOUNT_FAILURES + 10} guesses from as many addresses in one instant: {locked} refused unread")
    assert locked == 10  # beyond the account's allowance every address waits for the back-off
    clock.advance(staff.ACCOUNT_BACKOFF + timedelta(seconds=1))
    assert app.handle(staff.LogIn(name, "benar-sekali-2026", "198.51.100.30")).user is not None


def test_post_login_is_limited_per_address_and_for_everyone(app: Tanggap, tmp_path: Path) -> None:
    per_ip = _plain_http_app(app, tmp_path, TANGGAP_LOGIN_RATE_LIMIT_IP="3 per minute").test_client()
    statuses = [_post_login(per_ip, "hr", "salah", "203.0.113.5") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _post_login(per_ip, "hr", "salah", "203.0.113.6") == 401  # another address has its own allowance
    everyone = _plain_http_app(app, tmp_path, TANGGAP_LOGIN_RATE_LIMIT_GLOBAL="4 per minute").test_client()
    statuses = [_post_login(everyone, "hr", "salah", f"203.0.113.{20 + n}") for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    token = csrf(everyone.get("/login").text)
    refused = everyone.post("/login", data={"username": "hr", "password": PASSWORD, "csrf_token": token},
                            environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert refused.status_code == 429 and "Terlalu banyak permintaan" in refused.text
    assert refused.headers.get("Retry-After")
