"""Open311 service attributes: the extra data a service asks for, and how each answer is checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from states.errors import InvalidInput
from tanggap.intake.common import MAX_FIELD, _is_number, _parse_datetime
from tanggap.reports import service as services


class Datatype(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLE = "singlevaluelist"
    MULTI = "multivaluelist"


@dataclass(frozen=True)
class AttributeDef:
    code: str
    datatype: Datatype
    required: bool
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str | None = None
    variable: bool = True

    def check(self, given: Sequence[str]) -> list[str]:
        """The values to store. Blank values count as not given, so an empty optional answer passes."""
        values = [v.strip() for v in given if v.strip()]
        field_name = f"attribute[{self.code}]"
        if not values:
            if self.required:
                raise InvalidInput(field_name, "is required")
            return []
        if self.datatype is not Datatype.MULTI and len(values) > 1:
            raise InvalidInput(field_name, f"takes one value, got {len(values)}")
        for value in values:
            self._check_value(field_name, value)
        return values

    def _check_value(self, field_name: str, value: str) -> None:
        keys = [key for key, _ in self.values]
        if self.datatype in (Datatype.SINGLE, Datatype.MULTI) and value not in keys:
            raise InvalidInput(field_name, f"{value!r} is not one of {', '.join(keys)}")
        if self.datatype is Datatype.NUMBER and not _is_number(value):
            raise InvalidInput(field_name, f"{value!r} is not a number")
        if self.datatype is Datatype.DATETIME and _parse_datetime(value) is None:
            raise InvalidInput(field_name, f"{value!r} is not an ISO 8601 date and time")
        limit = services.MAX_DESCRIPTION if self.datatype is Datatype.TEXT else MAX_FIELD
        if len(value) > limit:
            raise InvalidInput(field_name, f"is {len(value)} characters; the limit is {limit}")


SEVERITY = (
    ("ringan", "Ringan: retak atau lubang kecil"),
    ("sedang", "Sedang: lubang dapat dilalui pelan"),
    ("berat", "Berat: membahayakan pengendara"),
)
DEPTH = (
    ("semata-kaki", "Semata kaki (< 15 cm)"),
    ("selutut", "Selutut (15-50 cm)"),
    ("sepinggang", "Sepinggang atau lebih (> 50 cm)"),
)
WASTE = (
    ("rumah-tangga", "Sampah rumah tangga"),
    ("plastik", "Plastik"),
    ("puing", "Puing bangunan"),
    ("b3", "Bahan berbahaya (B3)"),
)


# Which categories ask for extra data. Categories not listed have no attributes (metadata=false).
SERVICE_ATTRIBUTES: dict[str, tuple[AttributeDef, ...]] = {
    "jalan-rusak": (
        AttributeDef("severity", Datatype.SINGLE, False, "Seberapa parah kerusakannya?", 1, SEVERITY),
        AttributeDef(
            "width_cm",
            Datatype.NUMBER,
            False,
            "Perkiraan lebar lubang, dalam cm",
            2,
            datatype_description="angka, misalnya 40",
        ),
    ),
    "banjir-genangan": (AttributeDef("depth", Datatype.SINGLE, True, "Seberapa dalam genangannya?", 1, DEPTH),),
    "sampah-menumpuk": (
        AttributeDef("waste_type", Datatype.MULTI, False, "Jenis sampah (boleh lebih dari satu)", 1, WASTE),
    ),
}


def attribute_defs(service_code: str) -> tuple[AttributeDef, ...]:
    return tuple(sorted(SERVICE_ATTRIBUTES.get(service_code, ()), key=lambda a: a.order))
