"""The handler table the bus merges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tanggap import commands as c
from tanggap.intake.citizen import confirm_fix, dispute_fix, rate_response
from tanggap.intake.commands import (
    CheckSubmission,
    ClaimMediaFetches,
    ConfirmFix,
    DisputeFix,
    IssueApiKey,
    PostServiceRequestUpdate,
    RateResponse,
    RecordMediaFetch,
    RevokeApiKey,
    SubmitServiceRequest,
)
from tanggap.intake.keys import issue_api_key, revoke_api_key
from tanggap.intake.media import claim_media_fetches, record_media_fetch
from tanggap.intake.submission import check_submission, submit_service_request
from tanggap.intake.updates import post_service_request_update

HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    IssueApiKey: issue_api_key,
    RevokeApiKey: revoke_api_key,
    SubmitServiceRequest: submit_service_request,
    CheckSubmission: check_submission,
    ConfirmFix: confirm_fix,
    DisputeFix: dispute_fix,
    RateResponse: rate_response,
    ClaimMediaFetches: claim_media_fetches,
    RecordMediaFetch: record_media_fetch,
    PostServiceRequestUpdate: post_service_request_update,
}
