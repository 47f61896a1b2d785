"""Open311 GeoReport v2 under /open311/v2/, in JSON and XML. Views parse, call the service
layer and map its errors to the spec's error document."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Request, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from states.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound, PermissionDenied
from tanggap import intake as i
from web import formats
from web.deps import intake, tanggap

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
PHOTO_PART = re.compile(r"^photo[1-9][0-9]?$")
RECORD_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)  # fmt: skip
UPDATE_FIELDS = (
    "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
    "external_status_code",
)  # fmt: skip
# The specifications this endpoint serves, for service discovery: GeoReport v2, and mySociety's
# extension of it with GET and POST servicerequestupdates.
SPECIFICATIONS = (
    "http://wiki.open311.org/GeoReport_v2",
    "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec",
)
DISCOVERY_CONTACT = "Command Center Pemerintah Kota, through the administrators of Tanggap"
KEY_SERVICE = "POST requests need an api_key; the city's Tanggap administrators issue them (Admin > Open311 keys)"


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    """Open311 service discovery: where the endpoint is, which specifications and formats it serves."""
    changeset = i.catalogue_changeset(tanggap().reader())
    base = public_url_for("open311.services", fmt=fmt).rsplit("/", 1)[0]
    endpoints = [{"specification": spec, "url": base, "changeset": changeset, "type": "production",
                  "formats": ["text/xml", "application/json"]} for spec in SPECIFICATIONS]
    body = {"changeset": changeset, "contact": DISCOVERY_CONTACT, "key_service": KEY_SERVICE, "endpoints": endpoints}
    return formats.render(fmt, "discovery", body)


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    return formats.render(fmt, "services", [asdict(s) for s in i.list_services(tanggap().reader())])


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    service_code, attributes = i.service_definition(tanggap().reader(), code)
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
    media_urls = [url for url in form.getlist("media_url") if url.strip()]
    return i.SubmitServiceRequest(
        service_code=form.get("service_code"),
        description=form.get("description", ""),
        lat=form.get("lat"),
        long=form.get("long"),
        address=form.get("address_string"),
        attributes=attributes_from(form.keys(), form.getlist),
        contact=contact_from(form),
        media_url=media_urls[0] if media_urls else None,
        more_media_urls=media_urls[1:],
        photo=_photo(req),
        api_key=form.get("api_key"),
        idempotency_key=req.headers.get("Idempotency-Key"),
        source=i.Source.OPEN311,
    )


def contact_from(form: Any) -> dict[str, str]:
    """The sender's fields; FixMyStreet spells device_id `deviceid`."""
    contact = {k: form[k] for k in i.CONTACT_FIELDS if k in form}
    if "device_id" not in contact and "deviceid" in form:
        contact["device_id"] = form["deviceid"]
    return contact


def _photo(req: Request) -> bytes | None:
    """The `media` upload, or FixMyStreet's first `photoN` part when it uploads photos itself."""
    parts = [req.files.get("media"), *(req.files[k] for k in sorted(_named(req.files)) if PHOTO_PART.match(k))]
    upload = next((part for part in parts if part is not None and part.filename), None)
    return upload.read() if upload is not None else None


def _named(keys: Iterable[Any]) -> list[str]:
    """The form's field names; a multipart part sent without a name has none, and is no field."""
    return [key for key in keys if isinstance(key, str)]


def attributes_from(keys: Any, getlist: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """`attribute[code]` and `attribute[code][]`, the spec's two spellings, into code -> values."""
    found: dict[str, list[str]] = {}
    for key in _named(keys):
        match = ATTRIBUTE.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(getlist(key))
    return found


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    query = i.parse_request_query(request.args, tanggap().clock.now())
    views = i.find_requests(tanggap().reader(), query)
    return formats.render(fmt, "service_requests", records(views, query.extensions))


@bp.get(f"/requests/<report_id>.{FMT}")
def get_request(report_id: str, fmt: str) -> Response:
    extensions = i.parse_extensions(request.args)
    if not report_id.isdigit() or len(report_id) > 18:
        raise NotFound("service request", report_id)
    view = i.get_request(tanggap().reader(), int(report_id))
    return formats.render(fmt, "service_requests", records([view], extensions))


def records(views: list[i.RequestView], extensions: bool) -> list[dict[str, Any]]:
    """The requests; with extensions, each with its attribute answers, the app's extra data too."""
    found = [record(v) for v in views]
    if extensions:
        answers = i.extended_attributes(tanggap().reader(), [int(v.service_request_id) for v in views])
        for values, view in zip(found, views, strict=True):
            values["extended_attributes"] = [asdict(a) for a in answers[int(view.service_request_id)]]
    return found


@bp.get(f"/servicerequestupdates.{FMT}")
def list_updates(fmt: str) -> Response:
    query = i.parse_update_query(request.args, tanggap().clock.now())
    views = i.find_updates(tanggap().reader(), query)
    return formats.render(fmt, "service_request_updates", [update_record(v) for v in views])


def update_record(view: i.UpdateView) -> dict[str, Any]:
    values = asdict(view)
    values["media_url"] = public_url(values.pop("media_key"))
    return {name: values[name] for name in UPDATE_FIELDS}


@bp.post(f"/servicerequestupdates.{FMT}")
def post_update(fmt: str) -> Response:
    form = request.form
    update = i.PostServiceRequestUpdate(
        api_key=form.get("api_key"),
        service_request_id=form.get("service_request_id"),
        update_id=form.get("update_id") or form.get("update_id_ext"),  # FixMyStreet's Bromley mode sends the latter
        updated_datetime=form.get("updated_datetime"),
        status=form.get("status"),
        description=form.get("description", ""),
        contact=contact_from(form),
        media_urls=[url for url in form.getlist("media_url") if url.strip()],
    )
    update_id, replayed = intake().post_update(update)
    return formats.render(fmt, "service_request_updates", [{"update_id": update_id}], 200 if replayed else 201)


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str) -> Response:
    # Requests are acknowledged synchronously (POST answers with service_request_id), so no
    # token is ever issued and none can be looked up.
    raise NotFound("token", token)


def record(view: i.RequestView) -> dict[str, Any]:
    values = asdict(view)
    values["media_url"] = public_url(values.pop("media_key"))
    values["zipcode"] = None
    return {name: values[name] for name in RECORD_FIELDS}


def public_url(photo_key: str | None) -> str | None:
    """A stored photo's public copy (no EXIF), which anyone may fetch."""
    return public_url_for("media.public", key=photo_key) if photo_key else None


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL on the site's public address (TANGGAP_PUBLIC_URL), never on the Host header
    a client sent; without the setting (a development machine), on the address asked."""
    base = current_app.config.get("PUBLIC_URL") or ""
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


# --- errors, in the spec's format ---------------------------------------------------------------


def request_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in formats.MIMETYPES:
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(i.InvalidRequest)
def invalid_request(err: i.InvalidRequest) -> Response:
    return formats.errors(request_format(), 400, [str(p) for p in err.problems])


# The spec's wording for a refused key names the operation it stopped.
OPERATIONS = {"open311.post_update": "post_service_request_update"}


@bp.errorhandler(PermissionDenied)
def forbidden(err: PermissionDenied) -> Response:
    problem = err.problem if isinstance(err, i.InvalidApiKey) else str(err)
    operation = OPERATIONS.get(request.endpoint or "", "create_request")
    return formats.errors(request_format(), 403, [f"{problem} -- can't proceed with {operation}."])


@bp.errorhandler(ConcurrencyConflict)
def conflict(err: ConcurrencyConflict) -> Response:
    return formats.errors(request_format(), 409, [str(err)])


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
