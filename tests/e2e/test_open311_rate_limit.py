"""Rate limits per client IP and per API key: 429, Retry-After, and the spec's error document."""

from __future__ import annotations

import socket
import uuid

import pytest
from flask import Flask

from tanggap.bootstrap import Tanggap
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import IssueApiKey
from web.app import create_app

FORM = {"service_code": "sampah-menumpuk", "address_string": "Jl. Soeharto, Naikoten", "description": "Sampah"}


def limited_app(app: Tanggap, per_ip: str, per_key: str, **config: object) -> Flask:
    return create_app(app, PHOTO_STORAGE=FakePhotoStorage(), TANGGAP_RATE_LIMIT_IP=per_ip,
                      TANGGAP_RATE_LIMIT_API_KEY=per_key, **config)  # fmt: skip


def test_a_client_ip_over_its_limit_gets_429_with_retry_after(sqlite_app: Tanggap) -> None:
    client = limited_app(sqlite_app, "3 per minute", "1000 per minute").test_client()
    answers = [client.get("/open311/v2/services.xml") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert b"<errors><error><code>429</code>" in refused.data
    assert "Retry-After" not in answers[0].headers


def test_one_api_key_over_its_limit_does_not_hold_back_another(sqlite_app: Tanggap) -> None:
    web = limited_app(sqlite_app, "1000 per minute", "2 per minute")
    service = web.extensions["tanggap.intake"]
    busy, calm = (service.tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}")) for _ in range(2))
    client = web.test_client()

    busy_answers = [client.post("/open311/v2/requests.json", data={**FORM, "api_key": busy}).status_code
                    for _ in range(3)]  # fmt: skip
    calm_answer = client.post("/open311/v2/requests.json", data={**FORM, "api_key": calm})

    assert busy_answers == [201, 201, 429]
    assert calm_answer.status_code == 201
    assert client.get("/open311/v2/services.json").status_code == 200  # reading needs no key


def redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_running(), reason="Redis is not running on 127.0.0.1:6379")
def test_with_redis_configured_separate_app_instances_share_one_count(sqlite_app: Tanggap) -> None:
    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    first = limited_app(sqlite_app, "3 per minute", "1000 per minute", **shared).test_client()
    second = limited_app(sqlite_app, "3 per minute", "1000 per minute", **shared).test_client()

    codes = [c.get("/open311/v2/services.json").status_code for c in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]
