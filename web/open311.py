"""Open311 GeoReport v2 under /open311/v2/, in JSON and XML. Views parse, call the service
layer and map its errors to the spec's error document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Request, Response, request, url_for
from werkzeug.exceptions import HTTPException

from states.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tanggap import intake as i
from web import formats
from web.deps import intake, tanggap

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
RECORD_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)  # fmt: skip


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    return formats.render(fmt, "services", [asdict(s) for s in i.list_services(tanggap().uow())])


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    service_code, attributes = i.service_definition(tanggap().uow(), code)
    body = {"service_code": service_code, "attributes": [_attribute(a) for a in attributes]}
    return formats.render(fmt, "service_definition", body)


def _attribute(attr: i.AttributeDef) -> dict[str, Any]:
    return {
        "variable": attr.variable,
        "code": attr.code,
        "datatype": attr.datatype.value,
        "required": attr.required,
        "datatype_description": attr.datatype_description,
        "order": attr.order,
        "description": attr.description,
        "values": [{"key": key, "name": name} for key, name in attr.values],
    }


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str) -> Response:
    submission = intake().submit(submission_from(request))
    answer = {
        "service_request_id": str(submission.report_id),
        "service_notice": submission.notice,
        "account_id": request.form.get("account_id") or None,
    }
    return formats.render(fmt, "service_requests", [answer], 200 if submission.replayed else 201)


def submission_from(req: Request) -> i.SubmitServiceRequest:
    form = req.form
    upload = req.files.get("media")
    photo = upload.read() if upload is not None and upload.filename else None
    return i.SubmitServiceRequest(
        service_code=form.get("service_code"),
        description=form.get("description", ""),
        lat=form.get("lat"),
        long=form.get("long"),
        address=form.get("address_string"),
        attributes=attributes_from(form.keys(), form.getlist),
        contact={k: form[k] for k in i.CONTACT_FIELDS if k in form},
        media_url=form.get("media_url"),
        photo=photo,
        api_key=form.get("api_key"),
        idempotency_key=req.headers.get("Idempotency-Key"),
        source=i.Source.OPEN311,
    )


def attributes_from(keys: Any, getlist: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """`attribute[code]` and `attribute[code][]`, the spec's two spellings, into code -> values."""
    found: dict[str, list[str]] = {}
    for key in keys:
        match = ATTRIBUTE.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(getlist(key))
    return found


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    query = i.parse_request_query(request.args, tanggap().clock.now())
    views = i.find_requests(tanggap().uow(), query)
    return formats.render(fmt, "service_requests", [record(v) for v in views])


@bp.get(f"/requests/<report_id>.{FMT}")
def get_request(report_id: str, fmt: str) -> Response:
    if not report_id.isdigit() or len(report_id) > 18:
        raise NotFound("service request", report_id)
    view = i.get_request(tanggap().uow(), int(report_id))
    return formats.render(fmt, "service_requests", [record(view)])


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str) -> Response:
    # Requests are acknowledged synchronously (POST answers with service_request_id), so no
    # token is ever issued and none can be looked up.
    raise NotFound("token", token)


def record(view: i.RequestView) -> dict[str, Any]:
    values = asdict(view)
    key = values.pop("media_key")
    values["media_url"] = url_for("media.public", key=key, _external=True) if key else None
    values["address_id"] = values["zipcode"] = None
    return {name: values[name] for name in RECORD_FIELDS}


# --- errors, in the spec's format ---------------------------------------------------------------


def request_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in formats.MIMETYPES:
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(i.InvalidRequest)
def invalid_request(err: i.InvalidRequest) -> Response:
    return formats.errors(request_format(), 400, [str(p) for p in err.problems])


@bp.errorhandler(PermissionDenied)
def forbidden(err: PermissionDenied) -> Response:
    problem = err.problem if isinstance(err, i.InvalidApiKey) else str(err)
    return formats.errors(request_format(), 403, [f"{problem} -- can't proceed with create_request."])


@bp.errorhandler(NotFound)
def not_found(err: NotFound) -> Response:
    return formats.errors(request_format(), 404, [str(err)])


@bp.errorhandler(i.IdempotencyKeyReused)
def key_reused(err: i.IdempotencyKeyReused) -> Response:
    return formats.errors(request_format(), 422, [str(err)])


@bp.errorhandler(InvalidInput)
@bp.errorhandler(DomainError)
def bad_request(err: DomainError) -> Response:
    return formats.errors(request_format(), 400, [str(err)])


def http_error(err: HTTPException) -> Response | HTTPException:
    """Routing errors, oversize bodies and rate limits under /open311/: the spec's format.
    Registered on the app, since a URL no view matches belongs to no blueprint."""
    if not request.path.startswith(bp.url_prefix or "/open311"):
        return err
    response = formats.errors(request_format(), err.code or 500, [err.description or err.name])
    for header in ("Retry-After", "Allow"):
        if header in err.get_response().headers:
            response.headers[header] = err.get_response().headers[header]
    return response
