"""Generated requests against the staff pages (signed in as an admin, who may open every one) and
HR's payroll API (with a bearer token): no filter, month or id makes the real server answer 5xx,
and the payroll API's JSON matches its description (web/staff-openapi.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tanggap.bootstrap import Tanggap
from tanggap.infrastructure.storage import LocalPhotoStorage
from tanggap.staff import handlers as staff
from tests.conftest import PASSWORD
from tests.fixtures.intake.servers import serving
from web.app import create_app

OPENAPI = Path(__file__).resolve().parents[2] / "web" / "staff-openapi.yaml"
schema = schemathesis.openapi.from_path(str(OPENAPI))
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
UNTHROTTLED = "100000 per minute"


@pytest.fixture
def staff_server(sqlite_app: Tanggap, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real server, a signed-in admin's cookie and a payroll bearer token."""
    web: Flask = create_app(sqlite_app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"),
                            SESSION_COOKIE_SECURE=False, TANGGAP_LOGIN_RATE_LIMIT_IP=UNTHROTTLED,
                            TANGGAP_RATE_LIMIT_IP=UNTHROTTLED)
    token = sqlite_app.handle(staff.IssueApiToken("admin", "Gaji"))
    with serving(web) as base, requests.Session() as browser:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{base}/login").text)
        assert csrf
        signed = browser.post(f"{base}/login", data={"username": "admin", "password": PASSWORD,
                                                     "csrf_token": csrf.group(1)}, allow_redirects=False)
        assert signed.status_code == 303
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        yield base, {"Cookie": cookie, "Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_generated_staff_or_payroll_request_makes_the_server_fail(
    case: schemathesis.Case, staff_server: tuple[str, dict[str, str]]
) -> None:
    base, headers = staff_server
    case.call_and_validate(base_url=base, checks=CHECKS, headers=headers)
