"""Fixtures for the web tests: the Flask app on the `app` fixture's database, a key, a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tanggap.bootstrap import Tanggap
from tanggap.intake import IntakeService, IssueApiKey
from tanggap.storage import LocalPhotoStorage
from tests.fixtures.intake.servers import serving
from web.app import create_app

UNTHROTTLED = "100000 per minute"


@pytest.fixture
def web(app: Tanggap, tmp_path: Path) -> Flask:
    """The web application on the test database, with rate limits out of the way."""
    return create_app(
        app,
        PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"),
        TANGGAP_RATE_LIMIT_IP=UNTHROTTLED,
        TANGGAP_RATE_LIMIT_API_KEY=UNTHROTTLED,
        TANGGAP_LOGIN_RATE_LIMIT_IP=UNTHROTTLED,
        TANGGAP_LOGIN_RATE_LIMIT_GLOBAL=UNTHROTTLED,
        TANGGAP_SUBMISSION_RATE_LIMIT_IP=UNTHROTTLED,
    )



@pytest.fixture
def web_only(sqlite_app: Tanggap, tmp_path: Path) -> Flask:
    return create_app(sqlite_app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"))


@pytest.fixture
def intake(web: Flask) -> IntakeService:
    service: IntakeService = web.extensions["tanggap.intake"]
    return service


@pytest.fixture
def api_key(intake: IntakeService) -> str:
    """A fresh key for a client app (names are unique: keys outlive a test on PostgreSQL)."""
    key: str = intake.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    return key


@pytest.fixture
def server(web: Flask) -> Iterator[str]:
    """The base URL of the real HTTP server on loopback."""
    with serving(web) as base:
        yield base
