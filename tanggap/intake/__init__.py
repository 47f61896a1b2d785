"""Citizen intake: Open311 submissions and reads, API keys, idempotency, citizen actions, photo fetches.

Commands and handlers follow the service layer's shape (`handler(cmd, ctx)`, run by the one bus);
photo storage and the city's intake rules reach them on the `Context`.

Attribute answers (Open311 `attribute[code]`) are stored in `report_attributes`, one row per
value, never in the report's `reporter` data; extra data an app sends as attributes the service
does not declare is kept there too, marked undeclared.
"""

from __future__ import annotations

from tanggap.intake.attributes import SERVICE_ATTRIBUTES, AttributeDef, Datatype
from tanggap.intake.catalogue import catalogue_changeset, list_services, service_definition
from tanggap.intake.commands import (
    CitizenCommand,
    ConfirmFix,
    DisputeFix,
    IssueApiKey,
    PostServiceRequestUpdate,
    RateResponse,
    RevokeApiKey,
    Source,
    SubmitServiceRequest,
)
from tanggap.intake.common import FETCH_TOPIC, STORED_TOPIC
from tanggap.intake.deadlines import expected_datetimes
from tanggap.intake.errors import IdempotencyKeyReused, InvalidApiKey, InvalidRequest, MediaFetchFailed
from tanggap.intake.extras import AttributeAnswer, attribute_answers, extended_attributes, extra_data
from tanggap.intake.fetch import fetch_url
from tanggap.intake.handlers import HANDLERS
from tanggap.intake.keys import issue_api_key, revoke_api_key
from tanggap.intake.media import run_media_fetches
from tanggap.intake.queries import (
    CLOSE_LABELS,
    EVENT_LABELS,
    STATE_LABELS,
    RequestQuery,
    RequestView,
    find_requests,
    get_request,
    parse_extensions,
    parse_request_query,
    photo_withdrawn,
)
from tanggap.intake.service import IntakeService
from tanggap.intake.status import citizen_status
from tanggap.intake.update_feed import UpdateQuery, UpdateView, find_updates, parse_update_query
from tanggap.intake.validation import CONTACT_FIELDS

__all__ = [
    "CLOSE_LABELS",
    "CONTACT_FIELDS",
    "EVENT_LABELS",
    "FETCH_TOPIC",
    "HANDLERS",
    "SERVICE_ATTRIBUTES",
    "STATE_LABELS",
    "STORED_TOPIC",
    "AttributeAnswer",
    "AttributeDef",
    "CitizenCommand",
    "ConfirmFix",
    "Datatype",
    "DisputeFix",
    "IdempotencyKeyReused",
    "IntakeService",
    "InvalidApiKey",
    "InvalidRequest",
    "IssueApiKey",
    "MediaFetchFailed",
    "PostServiceRequestUpdate",
    "RateResponse",
    "RequestQuery",
    "RequestView",
    "RevokeApiKey",
    "Source",
    "SubmitServiceRequest",
    "UpdateQuery",
    "UpdateView",
    "attribute_answers",
    "catalogue_changeset",
    "citizen_status",
    "expected_datetimes",
    "extended_attributes",
    "extra_data",
    "fetch_url",
    "find_requests",
    "find_updates",
    "get_request",
    "issue_api_key",
    "list_services",
    "parse_extensions",
    "parse_request_query",
    "parse_update_query",
    "photo_withdrawn",
    "revoke_api_key",
    "run_media_fetches",
    "service_definition",
]
