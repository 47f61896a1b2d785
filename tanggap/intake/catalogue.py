"""The Open311 service list and each service's definition."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from states.errors import InvalidInput, NotFound
from tanggap.config_audit import ConfigSubject
from tanggap.db import CategoryRow, ConfigChangeRow, OpdRow
from tanggap.display import local_iso
from tanggap.intake.attributes import SERVICE_ATTRIBUTES, AttributeDef, attribute_defs
from tanggap.intake.validation import _no_nul
from tanggap.reader import AbstractReader
from tanggap.reports.repository import SqlAlchemyReferenceData

# When the service definitions in code last changed: the discovery document's changeset until a
# supervisor changes a category's routing.
DEFINITIONS_CHANGED = "2026-11-29T00:00:00+08:00"


@dataclass(frozen=True)
class ServiceView:
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


def list_services(reader: AbstractReader) -> list[ServiceView]:
    query = (
        select(CategoryRow, OpdRow.short_name)
        .join(OpdRow, OpdRow.code == CategoryRow.opd_code)
        .where(CategoryRow.active.is_(True))
        .order_by(CategoryRow.code)
    )
    with reader as s:
        return [_service(cat, opd) for cat, opd in s.execute(query)]


def _service(cat: CategoryRow, opd: str) -> ServiceView:
    keywords = ", ".join(cat.keywords or [])
    return ServiceView(
        cat.code, cat.name, cat.description, bool(SERVICE_ATTRIBUTES.get(cat.code)), "realtime", keywords, opd
    )


def service_definition(reader: AbstractReader, code: str) -> tuple[str, tuple[AttributeDef, ...]]:
    with reader as s:
        try:
            SqlAlchemyReferenceData(s).category(_no_nul("service_code", code))
        except (NotFound, InvalidInput):
            raise NotFound("service", code) from None
    return code, attribute_defs(code)


def catalogue_changeset(reader: AbstractReader) -> str:
    """When the service list or a definition last changed, for Open311 service discovery:
    clients refresh what they cache when it moves."""
    with reader as s:
        changed = s.scalar(
            select(func.max(ConfigChangeRow.at)).where(ConfigChangeRow.subject_kind == ConfigSubject.CATEGORY.value))
    return max(local_iso(changed) or DEFINITIONS_CHANGED, DEFINITIONS_CHANGED)
