"""Appeals persistence: breaches and their waivers, objections and decisions (chained onto the
ledger), objections' evidence, and the files of closed months."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanggap.db import (
    BreachRow,
    ClosedMonthFileRow,
    ClosedMonthRow,
    ObjectionDecisionRow,
    ObjectionEvidenceRow,
    ObjectionRow,
    WaiverRow,
)
from tanggap.enforcement.repository import SqlAlchemySlaRepository


class AbstractAppealsRepository(Protocol):
    def breach(self, breach_id: int) -> BreachRow | None: ...
    def has_waiver(self, breach_id: int) -> bool: ...
    def objection(self, objection_id: int | None) -> ObjectionRow | None: ...
    def decision_on(self, objection_id: int | None) -> ObjectionDecisionRow | None: ...
    def add_objection(self, values: dict[str, Any]) -> int: ...
    def add_evidence(self, evidence: Iterable[ObjectionEvidenceRow]) -> None: ...
    def add_decision(self, values: dict[str, Any]) -> int: ...
    def add_waiver(self, values: dict[str, Any]) -> int: ...
    def add_closed_month(self, month: ClosedMonthRow, files: Iterable[ClosedMonthFileRow]) -> None: ...
    def closed_file_names(self, month: str) -> list[str]: ...
    def closed_files(self, month: str) -> dict[str, bytes]: ...


class SqlAlchemyAppealsRepository:
    def __init__(self, session: Session, ledger: SqlAlchemySlaRepository) -> None:
        self.session = session
        self.ledger = ledger

    def breach(self, breach_id: int) -> BreachRow | None:
        return self.session.get(BreachRow, breach_id)

    def has_waiver(self, breach_id: int) -> bool:
        return self.session.scalar(select(WaiverRow.id).where(WaiverRow.breach_id == breach_id)) is not None

    def objection(self, objection_id: int | None) -> ObjectionRow | None:
        return self.session.get(ObjectionRow, objection_id) if objection_id is not None else None

    def decision_on(self, objection_id: int | None) -> ObjectionDecisionRow | None:
        if objection_id is None:
            return None
        return self.session.scalar(
            select(ObjectionDecisionRow).where(ObjectionDecisionRow.objection_id == objection_id))

    def add_objection(self, values: dict[str, Any]) -> int:
        return self._chain(ObjectionRow, values)

    def add_evidence(self, evidence: Iterable[ObjectionEvidenceRow]) -> None:
        self.session.add_all(evidence)

    def add_decision(self, values: dict[str, Any]) -> int:
        return self._chain(ObjectionDecisionRow, values)

    def add_waiver(self, values: dict[str, Any]) -> int:
        return self._chain(WaiverRow, values)

    def _chain(self, model: type[ObjectionRow | ObjectionDecisionRow | WaiverRow], values: dict[str, Any]) -> int:
        """Chain one row onto the ledger and return its id (ids are assigned on insert, after hashing)."""
        self.ledger.append_rows(model, [values])
        row_id = self.session.scalar(select(model.id).where(model.chain_seq == values["chain_seq"]))
        assert row_id is not None
        return int(row_id)

    def add_closed_month(self, month: ClosedMonthRow, files: Iterable[ClosedMonthFileRow]) -> None:
        """The closed month is written before its files, which refer to it."""
        self.session.add(month)
        self.session.flush()
        self.session.add_all(files)

    def closed_file_names(self, month: str) -> list[str]:
        return list(self.session.scalars(select(ClosedMonthFileRow.name).where(ClosedMonthFileRow.month == month)
                                         .order_by(ClosedMonthFileRow.name)))

    def closed_files(self, month: str) -> dict[str, bytes]:
        """A closed month's files by name (none for an open month)."""
        rows = self.session.scalars(select(ClosedMonthFileRow).where(ClosedMonthFileRow.month == month))
        return {row.name: row.data for row in rows}
