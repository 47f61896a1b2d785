"""Generated requests from the OpenAPI description: none makes the real server answer 5xx, and
every JSON answer matches the description."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tanggap.bootstrap import Tanggap

OPENAPI = Path(__file__).resolve().parents[2] / "web" / "openapi.yaml"
schema = schemathesis.openapi.from_path(str(OPENAPI))
# schemathesis's own strategies use `random`, which Hypothesis warns about; nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_generated_request_makes_the_server_fail(
    case: schemathesis.Case, server: str, api_key: str, app: Tanggap
) -> None:
    if case.method == "POST" and isinstance(case.body, dict) and case.body.get("api_key") != "":
        # Mostly with a working key, so generated data reaches validation and the database.
        case.body["api_key"] = api_key
    case.call_and_validate(base_url=f"{server}/open311/v2", checks=CHECKS)
