"""Real headless Chromium (Debian's package, never a downloaded one) against a real server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tanggap.bootstrap import Tanggap
from tanggap.infrastructure.storage import LocalPhotoStorage
from tests.fixtures.intake.servers import serving
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def server(sqlite_app: Tanggap, tmp_path: Path) -> Iterator[str]:
    web = create_app(sqlite_app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"),
                     SESSION_COOKIE_SECURE=False)  # plain HTTP on loopback
    with serving(web) as base:
        yield base



@pytest.fixture
def demo_server(demo_app: Tanggap, tmp_path: Path) -> Iterator[str]:
    """The demo data (tests/demo.py) behind a real server."""
    web = create_app(demo_app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"), SESSION_COOKIE_SECURE=False)
    with serving(web) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        why = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
        # CI installs Chromium and sets this, so there a missing browser fails instead of skipping.
        if os.environ.get("TANGGAP_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
