"""Fixtures: a migrated database per test (SQLite always, PostgreSQL when configured) and personas."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tanggap import commands as c
from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.clock import FrozenClock
from tanggap.config import Settings
from tanggap.migrate import upgrade
from tests.scratch_db import scratch_postgres
from workflows.environment import configure

Found = TypeVar("Found")


def detached(session: Session, found: Found) -> Found:
    """Rows a test reads after its session has closed: detached with what was loaded."""
    session.expunge_all()
    return found

# Prefect reads its settings when imported: point it at a scratch home before any test imports it.
configure(Path(tempfile.mkdtemp(prefix="tanggap-prefect-")))

# The web fixtures (the Flask app, a key, a real server) serve two tiers: tests/web and tests/e2e.
pytest_plugins = ["tests.fixtures.web"]

PG_ENV = "TANGGAP_TEST_POSTGRES_URL"
# A Tuesday morning in WITA (01:00 UTC = 09:00 WITA), clear of holidays.
T0 = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
PASSWORD = "rahasia-kupang-2026"

PERSONAS = [
    c.CreateUser("pupr.officer", "opd_officer", "Yohanes Benu", "PUPR", PASSWORD),
    c.CreateUser("pupr.officer2", "opd_officer", "Frans Lado", "PUPR", PASSWORD),
    c.CreateUser("pupr.head", "opd_head", "Benyamin Lenggu", "PUPR", PASSWORD),
    c.CreateUser("dlhk.officer", "opd_officer", "Yosef Tefa", "DLHK", PASSWORD),
    c.CreateUser("dlhk.head", "opd_head", "Orpa Pellokila", "DLHK", PASSWORD),
    c.CreateUser("dispatcher", "dispatcher", "Yuliana Adoe", None, PASSWORD),
    c.CreateUser("supervisor", "supervisor", "Elisabeth Mesakh", None, PASSWORD),
    c.CreateUser("hr", "hr", "Theresia Djami", None, PASSWORD),
    c.CreateUser("admin", "admin", "Imanuel Pah", None, PASSWORD),
]
REFERENCE: list[c.Command] = [
    c.DefineOpd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    c.DefineOpd("DLHK", "Dinas Lingkungan Hidup dan Kebersihan", "DLHK"),
    c.DefineOpd("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", is_24_7=True),
    c.DefineCategory("jalan-rusak", "Jalan rusak/berlubang", "PUPR", keywords=("berlubang",)),
    c.DefineCategory("sampah-menumpuk", "Sampah menumpuk", "DLHK", keywords=("sampah",)),
    c.DefineCategory("pohon-tumbang", "Pohon tumbang", "DLHK", urgent=True),
    c.DefineCategory("banjir-genangan", "Banjir/genangan", "BPBD", urgent=True),
]


OFFICE_HOURS = {
    "timezone": "Asia/Makassar",
    "hours": {"mon": ["08:00-16:00"], "tue": ["08:00-16:00"], "wed": ["08:00-16:00"], "thu": ["08:00-16:00"],
              "fri": ["08:00-11:30", "13:00-16:30"]},
    "holidays": {"country": "ID", "categories": ["public", "government"]},
}
RULES_SINCE = T0 - timedelta(days=60)
SLA_REFERENCE: list[c.Command] = [
    c.DefineCalendar("kantor", OFFICE_HOURS, "supervisor"),
    c.DefineCalendar("24-7", {"timezone": "Asia/Makassar", "hours": "always"}, "supervisor"),
    c.DefineRule("supervisor", "dispatch", 3, "working_days", "kantor", effective_from=RULES_SINCE),
    c.DefineRule("supervisor", "response", 8, "working_hours", "kantor", effective_from=RULES_SINCE),
    c.DefineRule("supervisor", "resolution", 5, "working_days", "kantor", effective_from=RULES_SINCE),
    c.DefineRule("supervisor", "response", 4, "working_hours", "24-7", category="pohon-tumbang",
                 effective_from=RULES_SINCE),
    c.SetAllowancePolicy("hr", {"shape": "per_breach", "percent_per_breach": 2.5, "monthly_cap": 10}, "2026-01"),
]


def load_reference(app: Tanggap) -> None:
    for cmd in [*REFERENCE, *PERSONAS, *SLA_REFERENCE]:
        app.handle(cmd)


def make_app(url: str, data_dir: Path, now: datetime = T0) -> Tanggap:
    return bootstrap(Settings(data_dir=data_dir, database_url=url), clock=FrozenClock(now))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and load reference data once; each test gets a copy of the file."""
    folder = tmp_path_factory.mktemp("template")
    app = make_app(f"sqlite:///{folder / 'template.db'}", folder)
    upgrade(app.engine)
    load_reference(app)
    app.engine.dispose()
    return folder / "template.db"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL tier skipped: set {PG_ENV} to run it")
    # An unreachable server fails here rather than skipping: the tier was asked for.
    with scratch_postgres(admin_url, "tanggap_test") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_reference(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    app = make_app(postgres_url, tmp_path_factory.mktemp("pg"))
    upgrade(app.engine)
    load_reference(app)
    # Every table as the reference load left it, so each test starts from exactly this state,
    # whatever an earlier test changed (rules, categories, calendars, keys as much as reports).
    with app.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {SNAPSHOT}"))
        for table in _tables(conn):
            conn.execute(text(f'CREATE TABLE {SNAPSHOT}."{table}" AS SELECT * FROM public."{table}"'))
    app.engine.dispose()
    return postgres_url


SNAPSHOT = "reference_snapshot"


def _tables(conn: Any) -> list[str]:
    return list(conn.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
        "ORDER BY tablename")))


def _restore_reference(app: Tanggap) -> None:
    """Put every table back to the reference snapshot: emptied, refilled, sequences past the rows."""
    with app.engine.begin() as conn:
        tables = _tables(conn)
        listed = ", ".join(f'public."{t}"' for t in tables)
        conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # refill in any order
        for table in tables:
            conn.execute(text(f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT}."{table}"'))
        serial = conn.execute(text(
            "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
            "FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval%'"))
        for table, column, sequence in list(serial):
            top = f'SELECT COALESCE(MAX("{column}"), 0) + 1 FROM public."{table}"'
            conn.execute(text(f"SELECT setval(:seq, ({top}), false)"), {"seq": sequence})


def _app_on(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Tanggap:
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "tanggap.db")
        return make_app(f"sqlite:///{tmp_path / 'tanggap.db'}", tmp_path)
    application = make_app(request.getfixturevalue("postgres_reference"), tmp_path)
    _restore_reference(application)
    return application


@pytest.fixture
def sqlite_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Tanggap]:
    """SQLite only, for behaviour that no database changes (404s, limits, a served browser page)."""
    shutil.copy(sqlite_template, tmp_path / "tanggap.db")
    application = make_app(f"sqlite:///{tmp_path / 'tanggap.db'}", tmp_path)
    yield application
    application.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tanggap]:
    """The whole application on a migrated database holding the personas and reference data."""
    application = _app_on(request.param, request, tmp_path)
    yield application
    application.engine.dispose()


@pytest.fixture
def pg_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tanggap]:
    """The application on PostgreSQL only, for row-locking behaviour SQLite does not have."""
    application = _app_on("postgres", request, tmp_path)
    yield application
    application.engine.dispose()


@pytest.fixture
def clock(app: Tanggap) -> FrozenClock:
    assert isinstance(app.clock, FrozenClock)
    return app.clock


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data, built once a session (tests/demo.py); each user gets a copy."""
    from tests.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_app(demo_template: Path, tmp_path: Path) -> Iterator[Tanggap]:
    """The application on a copy of the demo data, its photos included."""
    shutil.copy(demo_template, tmp_path / "demo.db")
    shutil.copytree(demo_template.parent / "photos", tmp_path / "photos")
    application = make_app(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    yield application
    application.engine.dispose()
