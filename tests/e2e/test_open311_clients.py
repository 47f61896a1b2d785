"""Real third-party Open311 clients (civicbot, georeport) against the real server on loopback.

Every JSON answer validates against the spec's schemas; every XML answer carries the same fields."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import requests
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import Open311Client, ValidationError
from civicbot.registry import Endpoint
from georeport import GeoReport
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import select

from states.model import ReportState
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.db import ReportRow
from tanggap.intake.tables import ReportAttributeRow

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311" / "schema"
KUPANG = {"lat": -10.1605, "lng": 123.6135}


def validator(name: str) -> Draft4Validator:
    """The spec's draft-4 schemas refer to each other by file name: one registry holds them all."""
    loaded = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (file, Resource.from_contents(schema, default_specification=DRAFT4)) for file, schema in loaded.items()
    )
    return Draft4Validator(loaded[name], registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid(name: str, document: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(document)]
    assert errors == [], errors


def civicbot(base: str) -> Open311Client:
    endpoint = Endpoint(id="kupang", name="Kota Kupang", base_url=f"{base}/open311/v2", write=True)
    return Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))


def xml_items(base: str, path: str, item: str) -> list[dict[str, str]]:
    root = ET.fromstring(requests.get(f"{base}/open311/v2/{path}.xml", timeout=10).content)
    return [{child.tag: (child.text or "") for child in element} for element in root.iter(item)]


def as_text(record: dict[str, Any]) -> dict[str, str]:
    """A JSON record as XML spells it: null is empty, booleans are lowercase words."""
    return {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in record.items()}


def test_civicbot_files_a_report_after_checking_the_live_service_definition(
    server: str, api_key: str, app: Tanggap
) -> None:
    client = civicbot(server)
    sent = client.create_request(
        "jalan-rusak", dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
        description="Lubang besar di depan Gereja Kota Baru, sudah dua motor jatuh", attributes={"severity": "berat"},
        device_id="hp-yohana", **KUPANG,
    )  # fmt: skip

    [created] = sent.response
    report_id = int(created["service_request_id"])
    fetched = client.get_request(report_id)
    assert fetched is not None
    assert (fetched["service_code"], fetched["status"], fetched["lat"]) == ("jalan-rusak", "open", KUPANG["lat"])
    assert fetched["status_notes"].startswith("Diterima")
    assert fetched["agency_responsible"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    with app.uow() as uow:
        stored = uow.session.execute(select(ReportAttributeRow.code, ReportAttributeRow.value)).all()
    assert [tuple(row) for row in stored] == [("severity", "berat")]


def test_civicbot_sends_list_answers_with_the_bracket_suffix_and_they_are_kept(
    server: str, api_key: str, app: Tanggap
) -> None:
    sent = civicbot(server).create_request(
        "sampah-menumpuk", dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
        address_string="Pasar Oeba, Kelurahan Fatubesi", attributes={"waste_type": ["plastik", "rumah-tangga"]},
    )  # fmt: skip

    assert "attribute[waste_type][]" in sent.form
    with app.uow() as uow:
        values = set(uow.session.scalars(select(ReportAttributeRow.value)))
    assert values == {"plastik", "rumah-tangga"}
    assert int(sent.response[0]["service_request_id"]) > 0


def test_civicbot_refuses_before_sending_when_a_required_attribute_is_missing(server: str, api_key: str) -> None:
    with pytest.raises(ValidationError, match="required attribute 'depth' missing"):
        civicbot(server).create_request(
            "banjir-genangan", dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
            description="Air setinggi lutut", **KUPANG,
        )  # fmt: skip


def test_georeport_reads_services_and_definitions_in_json_and_xml(server: str) -> None:
    as_json = GeoReport(f"{server}/open311/v2").get_service_list()
    as_xml = GeoReport(f"{server}/open311/v2", output_format="xml").get_service_list()

    assert_valid("services.json", as_json)
    assert [s["service_code"] for s in as_json] == [s["service_code"] for s in as_xml]
    assert [as_text(s) for s in as_json] == [{k: v or "" for k, v in s.items()} for s in as_xml]
    flood = GeoReport(f"{server}/open311/v2").get_service_definition("banjir-genangan")
    assert_valid("service-definition.json", flood)
    assert flood["attributes"][0]["code"] == "depth" and flood["attributes"][0]["required"] is True
    flood_xml = GeoReport(f"{server}/open311/v2", output_format="xml").get_service_definition("banjir-genangan")
    attribute = flood_xml["attributes"]["attribute"]
    assert (attribute["code"], attribute["required"], attribute["datatype"]) == ("depth", "true", "singlevaluelist")
    assert [v["key"] for v in attribute["values"]["value"]] == [v["key"] for v in flood["attributes"][0]["values"]]


def test_georeport_reads_requests_in_json_and_xml_with_the_same_fields(
    server: str, api_key: str, app: Tanggap
) -> None:
    first = _file(server, api_key, "Sampah menumpuk di TPS Oeba")
    second = _file(server, api_key, "Jalan berlubang di Jl. Timor Raya")
    app.handle(c.ClassifyReport(int(second), "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(int(second), "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(int(second), "pupr.officer", response="Lubang sudah ditambal tim reaksi cepat"))

    client = GeoReport(f"{server}/open311/v2")
    listed = client.get_service_requests()
    assert_valid("requests.json", listed)
    assert {r["service_request_id"] for r in listed} == {first, second}
    one = client.get_service_request(second)
    assert one["status_notes"] == "Sudah ditanggapi: tanggapan Dinas Pekerjaan Umum dan Penataan Ruang: " \
                                  "Lubang sudah ditambal tim reaksi cepat"
    assert_valid("request.json", one)
    xml_one = GeoReport(f"{server}/open311/v2", output_format="xml").get_service_request(second)
    assert {k: v or "" for k, v in xml_one.items()} == as_text(one)
    assert xml_items(server, "requests", "request") == [as_text(r) for r in listed]


def test_a_closed_report_reads_closed_and_filters_by_status(server: str, api_key: str, app: Tanggap) -> None:
    done = int(_file(server, api_key, "Pohon tumbang menutup jalan"))
    _file(server, api_key, "Sampah di selokan")
    app.handle(c.ClassifyReport(done, "dispatcher", category="pohon-tumbang"))
    app.handle(c.AssignReport(done, "dispatcher"))
    app.handle(c.RespondReport(done, "dlhk.officer", response="Pohon sudah dipotong"))
    app.handle(c.CloseReport(done, "dispatcher"))

    closed = GeoReport(f"{server}/open311/v2").get_service_requests(status="closed")
    assert [(r["service_request_id"], r["status"]) for r in closed] == [(str(done), "closed")]
    assert closed[0]["status_notes"].startswith("Selesai: ") and "Pohon sudah dipotong" in closed[0]["status_notes"]
    with app.uow() as uow:
        assert uow.session.get(ReportRow, done).state == ReportState.CLOSED  # type: ignore[union-attr]


def _file(server: str, api_key: str, description: str) -> str:
    response = requests.post(f"{server}/open311/v2/requests.json", timeout=10, data={
        "api_key": api_key, "service_code": "sampah-menumpuk", "description": description,
        "lat": KUPANG["lat"], "long": KUPANG["lng"]})  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])
