"""Migrations on empty databases, and the demo seed: idempotent and replayable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from states.model import replay
from tanggap.bootstrap import Tanggap
from tanggap.db import Base, CategoryRow, ConfigChangeRow, EventRow, OpdRow, ReportRow, UserRow
from tanggap.demo import data as demo
from tanggap.demo.seed import seed_demo
from tanggap.migrate import alembic_config, upgrade
from tests.conftest import fresh_postgres_database, make_app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


def test_migrations_build_every_table_on_an_empty_database(empty_url: str, tmp_path: Path) -> None:
    app = make_app(empty_url, tmp_path)
    upgrade(app.engine)
    upgrade(app.engine)  # a second upgrade is a no-op
    tables = set(inspect(app.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    app.engine.dispose()


def test_the_config_audit_migration_goes_down_to_0006_and_up_again(empty_url: str, tmp_path: Path) -> None:
    app = make_app(empty_url, tmp_path)
    upgrade(app.engine)
    command.downgrade(alembic_config(app.engine), "0006")
    tables = set(inspect(app.engine).get_table_names())
    assert "config_changes" not in tables and "categories" in tables
    upgrade(app.engine)
    inspector = inspect(app.engine)
    assert {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("config_changes")} == {
        "ix_config_changes_subject": ["subject_kind", "subject_key", "at"]
    }
    assert {col["name"] for col in inspector.get_columns("config_changes")} == set(
        Base.metadata.tables["config_changes"].columns.keys()
    )
    app.engine.dispose()


def _contents(app: Tanggap) -> dict[str, Any]:
    with app.uow() as uow:
        s = uow.session
        return {
            "opds": [(o.code, o.name) for o in s.scalars(select(OpdRow).order_by(OpdRow.code))],
            "categories": [
                (k.code, k.opd_code, k.urgent) for k in s.scalars(select(CategoryRow).order_by(CategoryRow.code))
            ],
            "users": [
                (u.username, u.role, u.opd_code, u.password_hash)
                for u in s.scalars(select(UserRow).order_by(UserRow.username))
            ],
            "reports": [
                (r.id, r.state, r.version, r.updated_at) for r in s.scalars(select(ReportRow).order_by(ReportRow.id))
            ],
            "events": s.scalar(select(EventRow.id).order_by(EventRow.id.desc()).limit(1)),
            "config_changes": s.scalar(select(func.count()).select_from(ConfigChangeRow)),
        }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Tanggap:
    folder = tmp_path_factory.mktemp("seed")
    app = make_app(f"sqlite:///{folder / 'seed.db'}", folder)
    upgrade(app.engine)
    seed_demo(app, reports=150, echo=lambda _: None)
    return app


def test_seeding_twice_leaves_the_same_data(seeded: Tanggap) -> None:
    before = _contents(seeded)
    lines: list[str] = []
    seed_demo(seeded, reports=150, echo=lines.append)
    assert _contents(seeded) == before
    assert lines == ["demo reports already present; nothing to add"]


def test_seeding_again_keeps_a_supervisors_routing_and_radius(seeded: Tanggap) -> None:
    from tanggap.db import CategoryRow
    from tanggap.staff.handlers import SetRouting

    seeded.handle(SetRouting(demo.SUPERVISORS[0].username, "banjir-genangan", "PUPR", 450.0, "banjir ditangani PUPR"))
    seed_demo(seeded, reports=150, echo=lambda _: None)
    with seeded.uow() as uow:
        row = uow.session.scalar(select(CategoryRow).where(CategoryRow.code == "banjir-genangan"))
        assert row is not None and (row.opd_code, row.duplicate_radius_m) == ("PUPR", 450.0)
    demo_flood = next(cat for cat in demo.CATEGORIES if cat.code == "banjir-genangan")
    seeded.handle(SetRouting(demo.SUPERVISORS[0].username, "banjir-genangan", demo_flood.opd_code,
                             demo_flood.duplicate_radius_m))  # the module's other tests expect the demo routing


def test_the_seed_records_its_working_calendars_as_its_supervisors_changes(seeded: Tanggap) -> None:
    with seeded.uow() as uow:
        rows = list(uow.session.scalars(select(ConfigChangeRow).where(ConfigChangeRow.subject_kind == "calendar")))
        assert {(r.subject_kind, r.subject_key) for r in rows} == {("calendar", "jam-kantor"), ("calendar", "24-7")}
        assert {r.actor for r in rows} == {demo.SUPERVISORS[0].username}
        assert all(r.old_value is None for r in rows)


def test_the_seed_covers_every_state_and_every_role(seeded: Tanggap) -> None:
    contents = _contents(seeded)
    states = {state for _, state, _, _ in contents["reports"]}
    assert states == {"submitted", "classified", "assigned", "responded", "closed", "rejected"}
    roles = {role for _, role, _, _ in contents["users"]}
    assert roles == {"dispatcher", "opd_officer", "opd_head", "supervisor", "hr", "admin"}
    assert len(contents["opds"]) >= 10 and len(contents["categories"]) >= 15


def test_replaying_every_seeded_ticket_rebuilds_its_stored_state(seeded: Tanggap) -> None:
    with seeded.uow() as uow:
        ids = list(uow.session.scalars(select(ReportRow.id)))
        mismatched = [rid for rid in ids if replay(rid, uow.reports.events(rid)) != uow.reports.get(rid)]
    assert len(ids) == 150
    assert mismatched == []
