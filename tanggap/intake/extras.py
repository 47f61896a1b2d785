"""Extra data from client apps: attributes a service does not declare (FixMyStreet sends its own
`title`, `report_url`, `fixmystreet_id`, `closest_address`, ... with every report). They are kept
with the report for staff to read and returned to clients that ask for extensions, within limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from states.errors import InvalidInput
from tanggap.intake.errors import InvalidRequest
from tanggap.intake.tables import ReportAttributeRow
from tanggap.reader import AbstractReader

MAX_EXTRA_VALUE = 1000
MAX_EXTRAS = 30
# Personal details some apps repeat as attributes (FixMyStreet sends attribute[last_name] beside
# last_name). They fill the contact when it is missing and are never kept as extra data, which
# clients may read back.
CONTACT_ATTRIBUTES = ("first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class AttributeAnswer:
    code: str
    value: str
    declared: bool


def check_extras(given: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """The extra values to keep, in the order sent; blank values count as not sent."""
    values = [(code, value.strip()) for code, sent in given.items() for value in sent if value.strip()]
    problems = [
        InvalidInput(f"attribute[{code}]", f"is {len(value):,} characters; extra data may have {MAX_EXTRA_VALUE:,}")
        for code, value in values
        if len(value) > MAX_EXTRA_VALUE
    ]
    if len(values) > MAX_EXTRAS:
        code = values[MAX_EXTRAS][0]
        problems.append(InvalidInput(
            f"attribute[{code}]",
            f"is one extra value too many: at most {MAX_EXTRAS} are kept and this request sends {len(values)}",
        ))
    if problems:
        raise InvalidRequest(problems)
    return values


def contact_from_attributes(given: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Contact details an app sent only as attributes."""
    found = {code: next((v for v in given.get(code, ()) if v.strip()), "") for code in CONTACT_ATTRIBUTES}
    return {code: value for code, value in found.items() if value}


def extra_rows(report_id: int, extras: Sequence[tuple[str, str]]) -> list[ReportAttributeRow]:
    return [ReportAttributeRow(report_id=report_id, code=code, value=value, declared=False) for code, value in extras]


def attribute_answers(session: Session, report_ids: Sequence[int]) -> dict[int, list[AttributeAnswer]]:
    """Every attribute value of these reports, declared and extra, in the order they were sent."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportAttributeRow.report_id, ReportAttributeRow.code, ReportAttributeRow.value,
               ReportAttributeRow.declared)
        .where(ReportAttributeRow.report_id.in_(report_ids))
        .order_by(ReportAttributeRow.id)
    )
    found: dict[int, list[AttributeAnswer]] = {rid: [] for rid in report_ids}
    for report_id, code, value, declared in rows:
        found[report_id].append(AttributeAnswer(code, value, declared))
    return found


def extended_attributes(reader: AbstractReader, report_ids: Sequence[int]) -> dict[int, list[AttributeAnswer]]:
    with reader as s:
        return attribute_answers(s, report_ids)


def extra_data(session: Session, report_id: int) -> list[tuple[str, list[str]]]:
    """The app's extra data for staff: each code once, with its values."""
    grouped: dict[str, list[str]] = {}
    for answer in attribute_answers(session, [report_id])[report_id]:
        if not answer.declared:
            grouped.setdefault(answer.code, []).append(answer.value)
    return list(grouped.items())
