"""Every bad request gets the right status and the spec's error document, and writes nothing."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tanggap.bootstrap import Tanggap
from tanggap.db import OutboxRow, ReportRow
from tanggap.intake import IntakeService, IssueApiKey, RevokeApiKey
from tanggap.intake.tables import IdempotencyKeyRow, PhotoRow, ReportAttributeRow
from tests.fixtures.intake import photos
from web.app import create_app

GOOD = {"service_code": "jalan-rusak", "lat": "-10.1605", "long": "123.6135", "description": "Jalan berlubang"}


def post(web: Flask, fmt: str, data: dict[str, Any], media: bytes | None = None) -> Any:
    body = dict(data)
    if media is not None:
        body["media"] = (io.BytesIO(media), "foto.jpg")
    return web.test_client().post(f"/open311/v2/requests.{fmt}", data=body)


def errors_of(response: Any, fmt: str) -> list[tuple[int, str]]:
    """The (code, description) pairs of an error document, read the way its format spells it."""
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.get_json()]
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root.findall("error")]


def written(app: Tanggap) -> tuple[int, ...]:
    with app.uow() as uow:
        return tuple(
            uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ReportRow, OutboxRow, IdempotencyKeyRow, PhotoRow, ReportAttributeRow)
        )


FORMATS = ["json", "xml"]
BAD_SUBMISSIONS = [
    ("unknown service_code", {"service_code": "jalan-rusakk"}, None, ["service_code: 'jalan-rusakk' is not a service"]),
    ("no service_code", {"service_code": ""}, None, ["service_code: is required"]),
    ("missing required attribute", {"service_code": "banjir-genangan"}, None, ["attribute[depth]: is required"]),
    ("bad list value", {"attribute[severity]": "parah"}, None,
     ["attribute[severity]: 'parah' is not one of ringan, sedang, berat"]),
    ("two values for a single-value list", {"attribute[severity][]": ["ringan", "berat"]}, None,
     ["attribute[severity]: takes one value, got 2"]),
    ("extra data over 1,000 characters", {"attribute[report_url]": "x" * 1001}, None,
     ["attribute[report_url]: is 1,001 characters; extra data may have 1,000"]),
    ("31 extra values", {f"attribute[extra_{n:02}]": "v" for n in range(31)}, None,
     ["attribute[extra_30]: is one extra value too many: at most 30 are kept and this request sends 31"]),
    ("lat is not a number", {"lat": "sepuluh"}, None, ["lat: 'sepuluh' is not a number"]),
    ("long is not a number", {"long": "123,61"}, None, ["long: '123,61' is not a number"]),
    ("out of the city's box", {"lat": "-8.5", "long": "115.2"}, None, ["lat/long: (-8.5, 115.2) is outside the city"]),
    ("no location at all", {"lat": "", "long": ""}, None, ["location: give lat and long, or address_string"]),
    ("only lat", {"long": ""}, None, ["lat/long: give both lat and long, or neither"]),
    ("4,001-character description", {"description": "x" * 4001}, None,
     ["description: is 4001 characters; the limit is 4000"]),
    ("JPEG bomb", {}, photos.jpeg_bomb(), ["media: the photo declares an enormous size (a decompression bomb)"]),
    ("text file posing as a photo", {}, photos.text_posing_as_photo(), ["media: the file is not an image"]),
    ("truncated JPEG", {}, photos.truncated_jpeg(), ["media: the JPEG is truncated"]),
    ("media_url that is not http", {"media_url": "file:///etc/passwd"}, None, ["media_url: must be an http"]),
    ("several things at once", {"service_code": "banjir-genangan", "lat": "abc", "description": "y" * 4001},
     photos.text_posing_as_photo(),
     ["attribute[depth]: is required", "lat: 'abc' is not a number", "description: is 4001 characters",
      "media: the file is not an image"]),
]  # fmt: skip


# JSON for every case; XML for the case with several problems, to show the same list in its spelling.
CASES = [pytest.param("json", *b, id=b[0]) for b in BAD_SUBMISSIONS] + [
    pytest.param("xml", *BAD_SUBMISSIONS[-1], id="xml: " + BAD_SUBMISSIONS[-1][0])
]


@pytest.mark.parametrize(("fmt", "case", "change", "media", "expected"), CASES)
def test_a_bad_submission_is_refused_with_every_problem_and_nothing_is_written(
    web: Flask, app: Tanggap, api_key: str, fmt: str, case: str, change: dict[str, Any], media: bytes | None,
    expected: list[str],
) -> None:
    before = written(app)
    response = post(web, fmt, {**GOOD, "api_key": api_key, **change}, media)

    assert response.status_code == 400
    problems = errors_of(response, fmt)
    assert {code for code, _ in problems} == {400}
    assert len(problems) == len(expected)
    for (_, description), start in zip(problems, expected, strict=True):
        assert description.startswith(start), description
    assert written(app) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_optional_list_value_is_accepted(web: Flask, app: Tanggap, api_key: str, fmt: str) -> None:
    response = post(web, fmt, {**GOOD, "api_key": api_key, "attribute[severity]": ""})
    assert response.status_code == 201
    assert written(app)[0] == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_an_api_key_nothing_is_filed(web: Flask, app: Tanggap, fmt: str) -> None:
    response = post(web, fmt, GOOD)
    assert response.status_code == 403
    assert errors_of(response, fmt) == [(403, "api_key is required -- can't proceed with create_request.")]
    assert written(app) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_refused_and_an_unknown_one_too(
    web: Flask, app: Tanggap, intake: IntakeService, fmt: str
) -> None:
    key = intake.tanggap.handle(IssueApiKey(f"revoked-app-{fmt}-{id(web)}"))
    assert post(web, fmt, {**GOOD, "api_key": key}).status_code == 201
    intake.tanggap.handle(RevokeApiKey(f"revoked-app-{fmt}-{id(web)}"))

    revoked = post(web, fmt, {**GOOD, "api_key": key, "description": "lagi"})
    unknown = post(web, fmt, {**GOOD, "api_key": key + "x"})
    assert (revoked.status_code, unknown.status_code) == (403, 403)
    assert errors_of(revoked, fmt) == [(403, "api_key has been revoked -- can't proceed with create_request.")]
    assert errors_of(unknown, fmt) == [(403, "api_key is not valid -- can't proceed with create_request.")]
    assert written(app)[0] == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("services/tidak-ada", "service 'tidak-ada' does not exist"),
        ("requests/424242", "service request 424242 does not exist"),
        ("requests/abc", "service request 'abc' does not exist"),
        ("tokens/12345", "token '12345' does not exist"),
        ("no-such-endpoint", "The requested URL was not found on the server."),
    ],
)
def test_what_does_not_exist_is_a_404_in_the_requested_format(
    web_only: Flask, fmt: str, path: str, description: str
) -> None:
    response = web_only.test_client().get(f"/open311/v2/{path}.{fmt}")
    assert response.status_code == 404
    [(code, text)] = errors_of(response, fmt)
    assert code == 404 and text.startswith(description)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", "status: 'pending' is not open or closed"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "start_date/end_date: may span at most 90"),
        ("start_date=kemarin", "start_date: 'kemarin' is not a W3C date and time"),
        ("service_request_id=1,dua", "service_request_id: 'dua' is not a request id"),
        ("page_size=5000", "page_size: must be a whole number from 1 to 1000"),
    ],
)
def test_bad_filters_are_a_400_naming_the_filter(web_only: Flask, query: str, expected: str) -> None:
    response = web_only.test_client().get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert response.get_json()[0]["description"].startswith(expected)


def with_intake_rules(app: Tanggap, **rules: Any) -> Tanggap:
    """The same application and database, with other intake settings."""
    intake = app.settings.intake.model_copy(update=rules)
    return replace(app, settings=app.settings.model_copy(update={"intake": intake}))


def test_a_body_over_the_size_limit_is_a_413_in_the_spec_format(sqlite_app: Tanggap) -> None:
    small = create_app(with_intake_rules(sqlite_app, max_photo_bytes=20_000))
    response = post(small, "xml", {**GOOD, "api_key": "whatever"}, photos.jpeg_of_about(1200))
    assert response.status_code == 413
    assert errors_of(response, "xml")[0][0] == 413


def test_a_photo_over_the_configured_limit_is_a_400_naming_the_limit(app: Tanggap, api_key: str) -> None:
    small = create_app(with_intake_rules(app, max_photo_bytes=20_000))
    response = post(small, "json", {**GOOD, "api_key": api_key}, photos.jpeg_of_about(60))
    assert response.status_code == 400
    description = response.get_json()[0]["description"]
    assert description.startswith("media: the photo is ") and description.endswith("bytes; the limit is 20,000")
    assert written(app)[0] == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nameless_form_part_is_ignored_not_a_server_error(web: Flask, app: Tanggap, api_key: str, fmt: str) -> None:
    """A multipart body may carry a part without a name (and a file without one): the form then
    has a key None. Found by schemathesis as a 500."""
    fields = {**GOOD, "api_key": api_key}
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    parts += ['--b\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n',
              '--b\r\nContent-Disposition: form-data; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n']
    body = ("".join(parts) + "--b--\r\n").encode()
    response = web.test_client().post(f"/open311/v2/requests.{fmt}", data=body,
                                      content_type="multipart/form-data; boundary=b")
    assert response.status_code == 201, response.text
    assert written(app)[0] == 1
