"""Behind a reverse proxy: the citizen's own address for limits, public URLs from the setting,
HSTS, a warning about per-process limits, and the secret key handled safely at start."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import uuid
from pathlib import Path

import pytest
from flask import Flask

from tanggap.bootstrap import Tanggap
from tanggap.config import WebSettings
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import IssueApiKey
from web import app as web_app
from web.app import create_app

PUBLIC = "https://lapor.kupangkota.go.id"
PHOTO = next((Path(__file__).resolve().parents[1] / "fixtures" / "photos").glob("*.jp*g"))


def _app(tanggap: Tanggap, web: WebSettings, secret: str = "kunci-uji-" + "x" * 40, **config: object) -> Flask:
    settings = tanggap.settings.model_copy(update={"web": web, "secret_key": secret})
    return create_app(dataclasses.replace(tanggap, settings=settings), PHOTO_STORAGE=FakePhotoStorage(), **config)


def _from(client_ip: str) -> dict[str, object]:
    """A request as the proxy passes it on: the proxy's address, the citizen's in X-Forwarded-For."""
    return {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}, "headers": {"X-Forwarded-For": client_ip}}


def test_behind_one_trusted_proxy_each_citizen_has_their_own_limit(sqlite_app: Tanggap) -> None:
    client = _app(sqlite_app, WebSettings(trusted_proxies=1), TANGGAP_RATE_LIMIT_IP="2 per minute").test_client()
    busy = [client.get("/open311/v2/services.json", **_from("198.51.100.7")).status_code for _ in range(3)]
    assert busy == [200, 200, 429]
    assert client.get("/open311/v2/services.json", **_from("198.51.100.8")).status_code == 200


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(sqlite_app: Tanggap) -> None:
    client = _app(sqlite_app, WebSettings(), TANGGAP_RATE_LIMIT_IP="2 per minute").test_client()
    answers = [client.get("/open311/v2/services.json", **_from(f"198.51.100.{n}")).status_code for n in range(3)]
    assert answers == [200, 200, 429]  # one bucket: the address the connection came from


def test_media_urls_and_discovery_use_the_public_address_not_the_host_header(sqlite_app: Tanggap) -> None:
    web = _app(sqlite_app, WebSettings(public_url=PUBLIC))
    key = web.extensions["tanggap.intake"].tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    client = web.test_client()
    form = {"api_key": key, "service_code": "sampah-menumpuk", "description": "Sampah menumpuk",
            "address_string": "Jl. Soeharto, Naikoten", "media": (PHOTO.open("rb"), "foto.jpg")}
    created = client.post("/open311/v2/requests.json", data=form, headers={"Host": "evil.example"})
    assert created.status_code == 201, created.text
    rid = created.json[0]["service_request_id"]
    found = client.get(f"/open311/v2/requests/{rid}.json", headers={"Host": "evil.example"}).json[0]
    assert found["media_url"].startswith(f"{PUBLIC}/media/") and "evil.example" not in found["media_url"]
    discovery = client.get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).json
    assert discovery["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2"


def test_hsts_is_sent_only_when_the_public_address_is_https(sqlite_app: Tanggap) -> None:
    secure = _app(sqlite_app, WebSettings(public_url=PUBLIC)).test_client().get("/login")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = _app(sqlite_app, WebSettings(public_url="http://127.0.0.1:5000")).test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_several_workers_counting_limits_in_memory_are_warned_about(
    sqlite_app: Tanggap, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="web.app"):
        _app(sqlite_app, WebSettings(workers=1))
        assert "TANGGAP_REDIS_URL" not in caplog.text
        _app(sqlite_app, WebSettings(workers=4))
    assert "4 web workers count rate limits in memory" in caplog.text and "TANGGAP_REDIS_URL" in caplog.text


def test_a_public_https_site_without_a_secret_key_refuses_to_start(sqlite_app: Tanggap, tmp_path: Path) -> None:
    settings = sqlite_app.settings.model_copy(
        update={"data_dir": tmp_path / "fresh", "secret_key": "", "web": WebSettings(public_url=PUBLIC)})
    with pytest.raises(RuntimeError, match="TANGGAP_SECRET_KEY"):
        create_app(dataclasses.replace(sqlite_app, settings=settings), PHOTO_STORAGE=FakePhotoStorage())
    assert not (tmp_path / "fresh" / "secret_key").exists()


def _start_together(folder: Path, workers: int) -> list[str]:
    barrier, keys = threading.Barrier(workers), []

    def start() -> None:
        barrier.wait()
        keys.append(web_app._stored_secret(folder, public=False))

    threads = [threading.Thread(target=start) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return keys


def test_workers_starting_together_all_read_the_same_whole_stored_key(tmp_path: Path) -> None:
    for round_ in range(40):
        folder = tmp_path / f"round-{round_}"
        keys = _start_together(folder, 8)
        assert len(set(keys)) == 1 and re.fullmatch(r"[0-9a-f]{64}", keys[0]), keys
        assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no temporary file left behind
