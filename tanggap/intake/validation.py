"""Submission validation: every problem at once, before anything is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from states.errors import InvalidInput, NotFound
from tanggap.config import IntakeSettings
from tanggap.context import Context
from tanggap.db import CategoryRow
from tanggap.infrastructure.storage import PreparedPhoto, prepare_photo
from tanggap.intake.attributes import attribute_defs
from tanggap.intake.commands import Source, SubmitServiceRequest
from tanggap.intake.common import MAX_FIELD, _is_number
from tanggap.intake.errors import InvalidRequest
from tanggap.intake.extras import CONTACT_ATTRIBUTES, check_extras, contact_from_attributes
from tanggap.intake.fetch import url_problem
from tanggap.reports import service as services
from tanggap.uow import AbstractUnitOfWork

MAX_ADDRESS = 400
MAX_URL = 2000
# What a submission may carry about its sender and its app, kept with the report (never public).
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "account_id", "device_id", "address_id")


@dataclass(frozen=True)
class Checked:
    category: CategoryRow | None
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    attributes: list[tuple[str, str]]
    extras: list[tuple[str, str]]
    contact: dict[str, str]
    media_url: str | None
    photo: PreparedPhoto | None


def _collect(problems: list[InvalidInput], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except InvalidRequest as err:
        problems.extend(err.problems)
    except InvalidInput as err:
        problems.append(err)
    return None


def _checked(ctx: Context, cmd: SubmitServiceRequest) -> Checked:
    problems = _nul_problems(_texts(cmd))
    if problems:
        raise InvalidRequest(problems)
    category = _collect(problems, lambda: _category(ctx.uow, cmd))
    attributes, extras = _collect(problems, lambda: _attributes(cmd, category)) or ([], [])
    lat, lon = _collect(problems, lambda: _coordinates(cmd.lat, cmd.long, ctx.intake.city_box)) or (None, None)
    address = _collect(problems, lambda: _address(cmd.address, cmd.lat, cmd.long))
    description = _collect(problems, lambda: _description(cmd.description, category))
    contact = _collect(problems, lambda: _contact(_with_attribute_contact(cmd))) or {}
    media_url = _collect(problems, lambda: _media_url(cmd.media_url, ctx.intake))
    more_media = [("media_url", url) for url in _media_urls(problems, cmd.more_media_urls)]
    photo = _collect(problems, lambda: _photo(cmd.photo, ctx.intake))
    if problems:
        raise InvalidRequest(problems)
    extras += more_media
    return Checked(category, description, lat, lon, address, attributes, extras, contact, media_url, photo)


def _texts(cmd: SubmitServiceRequest) -> dict[str, str | None]:
    fields = {
        "service_code": cmd.service_code,
        "description": cmd.description,
        "lat": cmd.lat,
        "long": cmd.long,
        "address_string": cmd.address,
        "media_url": cmd.media_url,
        "Idempotency-Key": cmd.idempotency_key,
        **{f"media_url[{n}]": url for n, url in enumerate(cmd.more_media_urls, 2)},
    }
    attributes = {f"attribute[{code}]": "".join([code, *values]) for code, values in cmd.attributes.items()}
    return {**fields, **attributes, **cmd.contact}


def _nul_problems(texts: Mapping[str, str | None]) -> list[InvalidInput]:
    """Text with NUL characters: PostgreSQL cannot store them, and no person types them."""
    return [InvalidInput(name, "contains a NUL character") for name, text in texts.items() if text and "\x00" in text]


def _no_nul(name: str, text: str) -> str:
    if "\x00" in text:
        raise InvalidInput(name, "contains a NUL character")
    return text


def _category(uow: AbstractUnitOfWork, cmd: SubmitServiceRequest) -> CategoryRow | None:
    code = (cmd.service_code or "").strip()
    if not code:
        if cmd.source is Source.WEB:
            return None  # "tidak tahu": the dispatch unit classifies it
        raise InvalidInput("service_code", "is required")
    try:
        return uow.reference.category(code)
    except NotFound:
        raise InvalidInput("service_code", f"{code!r} is not a service; see services.json") from None


def _attributes(
    cmd: SubmitServiceRequest, category: CategoryRow | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The answers to the service's own attributes, checked as it declares them, and the extra
    data the app sent besides (contact details sent as attributes are neither)."""
    defs = {a.code: a for a in attribute_defs(category.code)} if category else {}
    undeclared = {k: v for k, v in cmd.attributes.items() if k not in defs and k not in CONTACT_ATTRIBUTES}
    problems: list[InvalidInput] = []
    values: list[tuple[str, str]] = []
    for attr in (a for a in defs.values() if a.variable):
        try:
            values += [(attr.code, v) for v in attr.check(list(cmd.attributes.get(attr.code, ())))]
        except InvalidInput as err:
            problems.append(err)
    extras = _collect(problems, lambda: check_extras(undeclared)) or []
    if problems:
        raise InvalidRequest(problems)
    return values, extras


def _with_attribute_contact(cmd: SubmitServiceRequest) -> dict[str, str]:
    """The contact fields, with any the app sent only as attributes (a blank field counts as not sent)."""
    given = {k: v for k, v in cmd.contact.items() if (v or "").strip()}
    return {**contact_from_attributes(cmd.attributes), **given}


def _coordinates(
    lat_raw: str | None, lon_raw: str | None, box: tuple[float, float, float, float]
) -> tuple[float | None, float | None]:
    problems: list[InvalidInput] = []
    lat = _collect(problems, lambda: _number("lat", lat_raw))
    lon = _collect(problems, lambda: _number("long", lon_raw))
    if not problems and (lat is None) != (lon is None):
        problems.append(InvalidInput("lat/long", "give both lat and long, or neither"))
    if not problems and lat is not None and lon is not None:
        _collect(problems, lambda: _inside(lat, lon, box))
    if problems:
        raise InvalidRequest(problems)
    return lat, lon


def _number(name: str, raw: str | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    if not _is_number(raw):
        raise InvalidInput(name, f"{raw.strip()[:40]!r} is not a number")
    return float(raw)


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> None:
    south, west, north, east = box
    if not (south <= lat <= north and west <= lon <= east):
        raise InvalidInput(
            "lat/long",
            f"({lat}, {lon}) is outside the city's area (lat {south}..{north}, long {west}..{east})",
        )


def _address(raw: str | None, lat_raw: str | None, lon_raw: str | None) -> str | None:
    address = (raw or "").strip() or None
    if address is not None and len(address) > MAX_ADDRESS:
        raise InvalidInput("address_string", f"is {len(address)} characters; the limit is {MAX_ADDRESS}")
    if address is None and not ((lat_raw or "").strip() or (lon_raw or "").strip()):
        raise InvalidInput("location", "give lat and long, or address_string")
    return address


def _description(raw: str, category: CategoryRow | None) -> str:
    description = raw.strip()
    if len(description) > services.MAX_DESCRIPTION:
        raise InvalidInput("description", f"is {len(description)} characters; the limit is {services.MAX_DESCRIPTION}")
    if description:
        return description
    if category is None:
        raise InvalidInput("description", "is required when no category is chosen")
    return category.name  # Open311 makes it optional; the lifecycle needs one


def _contact(raw: Mapping[str, str]) -> dict[str, str]:
    contact = {k: (raw.get(k) or "").strip() for k in CONTACT_FIELDS if (raw.get(k) or "").strip()}
    problems = [
        InvalidInput(k, f"is {len(v)} characters; the limit is {MAX_FIELD}")
        for k, v in contact.items()
        if len(v) > MAX_FIELD
    ]
    if "email" in contact and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact["email"]):
        problems.append(InvalidInput("email", f"{contact['email'][:60]!r} is not an e-mail address"))
    if problems:
        raise InvalidRequest(problems)
    return contact


def _media_url(raw: str | None, fetched_with: IntakeSettings | None = None) -> str | None:
    """A link kept as given; one that will be fetched (`fetched_with` its rules) must also have a
    host and port the fetch may use, so a malformed one is refused now and never becomes a job."""
    url = (raw or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise InvalidInput("media_url", f"must be an http or https URL of at most {MAX_URL} characters")
    problem = _fetch_problem(url, fetched_with) if fetched_with else None
    if problem:
        raise InvalidInput("media_url", f"cannot be fetched: {problem}")
    return url


def _fetch_problem(url: str, rules: IntakeSettings) -> str | None:
    private = rules.media_fetch_allow_private
    return url_problem(url, None if private else rules.media_fetch_ports, allow_private=private)


def _media_urls(problems: list[InvalidInput], raw: Sequence[str]) -> list[str]:
    """The URLs that are good; a problem for each that is not."""
    checked = [_collect(problems, partial(_media_url, url)) for url in raw]
    return [url for url in checked if url]


def _photo(data: bytes | None, rules: IntakeSettings) -> PreparedPhoto | None:
    if data is None:
        return None
    return prepare_photo(data, rules.max_photo_bytes, rules.max_photo_pixels)
