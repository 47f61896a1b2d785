"""Attribute answers, request filters and the XML spelling: pure rules, table-driven."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from states.errors import InvalidInput
from tanggap.intake import (
    SERVICE_ATTRIBUTES,
    AttributeDef,
    Datatype,
    InvalidRequest,
    RequestQuery,
    parse_request_query,
)
from web.formats import to_xml

SEVERITY = SERVICE_ATTRIBUTES["jalan-rusak"][0]
DEPTH = SERVICE_ATTRIBUTES["banjir-genangan"][0]
WASTE = SERVICE_ATTRIBUTES["sampah-menumpuk"][0]
WIDTH = SERVICE_ATTRIBUTES["jalan-rusak"][1]
WHEN = AttributeDef("seen_at", Datatype.DATETIME, False, "Kapan?", 3)

ACCEPTED = [
    (SEVERITY, ["berat"], ["berat"]),
    (SEVERITY, [""], []),
    (SEVERITY, [], []),
    (SEVERITY, [" sedang "], ["sedang"]),
    (DEPTH, ["selutut"], ["selutut"]),
    (WASTE, ["plastik", "b3"], ["plastik", "b3"]),
    (WASTE, ["plastik", ""], ["plastik"]),
    (WIDTH, ["40.5"], ["40.5"]),
    (WHEN, ["2026-10-06T08:15:00+08:00"], ["2026-10-06T08:15:00+08:00"]),
]
REFUSED = [
    (DEPTH, [], "is required"),
    (DEPTH, ["  "], "is required"),
    (DEPTH, ["sebahu"], "'sebahu' is not one of semata-kaki, selutut, sepinggang"),
    (SEVERITY, ["ringan", "berat"], "takes one value, got 2"),
    (WASTE, ["plastik", "kaca"], "'kaca' is not one of"),
    (WIDTH, ["empat puluh"], "'empat puluh' is not a number"),
    (WIDTH, ["nan"], "'nan' is not a number"),
    (WHEN, ["kemarin sore"], "'kemarin sore' is not an ISO 8601 date and time"),
]


@pytest.mark.parametrize(("attr", "given", "kept"), ACCEPTED)
def test_an_attribute_keeps_its_valid_values(attr: AttributeDef, given: list[str], kept: list[str]) -> None:
    assert attr.check(given) == kept


@pytest.mark.parametrize(("attr", "given", "problem"), REFUSED)
def test_an_attribute_refuses_a_bad_answer_naming_it(attr: AttributeDef, given: list[str], problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        attr.check(given)
    assert refused.value.field == f"attribute[{attr.code}]" and refused.value.problem.startswith(problem)


NOW = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
WITA_MIDNIGHT = datetime(2026, 9, 1, 0, 0, tzinfo=UTC) - timedelta(hours=8)

QUERIES = [
    ({}, RequestQuery(start=NOW - timedelta(days=90), end=NOW)),
    ({"service_request_id": "7, 9"}, RequestQuery(ids=(7, 9), start=NOW - timedelta(days=90), end=NOW)),
    ({"start_date": "2026-09-01T00:00:00"}, RequestQuery(start=WITA_MIDNIGHT, end=WITA_MIDNIGHT + timedelta(days=90))),
    ({"end_date": "2026-10-01T00:00:00Z"},
     RequestQuery(start=datetime(2026, 7, 3, tzinfo=UTC), end=datetime(2026, 10, 1, tzinfo=UTC))),
    ({"status": "open,closed", "service_code": "jalan-rusak,banjir-genangan", "page": "3", "page_size": "50"},
     RequestQuery(service_codes=("jalan-rusak", "banjir-genangan"), statuses=("open", "closed"), page=3, page_size=50,
                  start=NOW - timedelta(days=90), end=NOW)),
]  # fmt: skip


@pytest.mark.parametrize(("params", "expected"), QUERIES)
def test_request_filters_follow_the_spec_defaults(params: dict[str, str], expected: RequestQuery) -> None:
    assert parse_request_query(params, NOW) == expected


def test_every_bad_filter_is_named_at_once() -> None:
    params = {"status": "selesai", "page": "0", "start_date": "2026-01-01T00:00:00Z", "end_date": "2025-01-01T00:00Z"}
    with pytest.raises(InvalidRequest) as refused:
        parse_request_query(params, NOW)
    assert [p.field for p in refused.value.problems] == ["status", "end_date", "page"]


def test_xml_spells_lists_booleans_and_nulls_as_the_spec_does() -> None:
    document = to_xml("service_definition", {"service_code": "jalan-rusak", "attributes": [
        {"variable": True, "required": False, "order": 1, "datatype_description": None,
         "values": [{"key": "ringan", "name": "Ringan"}]}]})  # fmt: skip
    root = ET.fromstring(document)
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert [(e.tag, e.text) for e in attribute if e.tag != "values"] == [
        ("variable", "true"), ("required", "false"), ("order", "1"), ("datatype_description", None)]
    assert attribute.findtext("values/value/key") == "ringan"


def test_xml_replaces_characters_xml_cannot_carry() -> None:
    root = ET.fromstring(to_xml("service_requests", [{"description": "retak\x0bjalan"}]))
    assert root.findtext("request/description") == "retak\ufffdjalan"
