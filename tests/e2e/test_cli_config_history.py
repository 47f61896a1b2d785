"""`tanggap config history`, run as a real process on a seeded database: the configuration audit
trail as JSON lines, filtered by kind and key; bad input ends with one line and status 1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tanggap.bootstrap import bootstrap
from tanggap.config import Settings
from tanggap.demo import data as demo
from tanggap.staff.handlers import SetRouting
from tests.e2e.test_cli import Shell

SUPERVISOR = demo.SUPERVISORS[0].username


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    folder = tmp_path_factory.mktemp("cli-config")
    sh = Shell(folder)
    sh.run("db", "upgrade")
    sh.run("seed-demo", "--reports", "0")
    # A supervisor reroutes a category through the service, as the routing page does.
    app = bootstrap(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'tanggap.db'}"))
    app.handle(SetRouting(SUPERVISOR, "jalan-rusak", "DLHK", 75.0, note="uji coba"))
    app.engine.dispose()
    return sh


def _lines(shell: Shell, *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in shell.run("config", "history", *args).stdout.splitlines()]


def test_it_prints_a_categorys_changes_as_json_lines_with_who_when_old_and_new(shell: Shell) -> None:
    lines = _lines(shell, "--kind", "category", "--key", "jalan-rusak")
    assert [(x["field"], x["old"], x["new"]) for x in lines] == [("duplicate_radius_m", 50.0, 75.0),
                                                                  ("opd", "PUPR", "DLHK")]
    assert {(x["actor"], x["kind"], x["key"], x["note"]) for x in lines} == {
        (SUPERVISOR, "category", "jalan-rusak", "uji coba")
    }
    assert all(x["at"].endswith("+08:00") for x in lines)  # WITA


def test_it_prints_the_calendars_the_seed_defined_and_everything_without_filters(shell: Shell) -> None:
    calendars = _lines(shell, "--kind", "calendar")
    assert {x["key"] for x in calendars} == {"jam-kantor", "24-7"}
    assert {x["actor"] for x in calendars} == {SUPERVISOR}
    everything = _lines(shell)
    assert len(everything) == len(calendars) + 2
    assert [x["id"] for x in everything] == sorted(x["id"] for x in everything)


def test_seeding_again_adds_no_changes(shell: Shell) -> None:
    before = _lines(shell)
    shell.run("seed-demo", "--reports", "0")
    assert _lines(shell) == before


def test_a_key_with_no_changes_prints_nothing(shell: Shell) -> None:
    assert _lines(shell, "--key", "sampah-menumpuk") == []


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "rule"], "--kind 'rule' is not one of: category, calendar"),
    (["--key", " "], "--key must not be empty"),
])
def test_bad_input_exits_with_status_1_and_one_line(shell: Shell, args: list[str], message: str) -> None:
    result = shell.run("config", "history", *args, ok=False)
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr == f"error: {message}\n"

