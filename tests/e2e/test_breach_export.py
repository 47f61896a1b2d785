"""One breach export, wherever it is made: the HR download, `tanggap breaches export` and the
month-end flow write the same bytes under the same name (pelanggaran-sla-YYYY-MM.csv/.xlsx)."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook

from cv.tagger import FakeTagger
from tanggap.bootstrap import Tanggap
from tanggap.config import PipelineSettings
from tanggap.infrastructure.mailer import FakeMailer
from tanggap.infrastructure.storage import FakePhotoStorage, LocalPhotoStorage
from tanggap.payroll.service import BreachLine, breach_log, export_breaches, export_name
from tests.web.staff_helpers import sign_in
from web.app import create_app
from workflows import deps
from workflows.flows import write_month_exports

TANGGAP = str(Path(sys.executable).with_name("tanggap"))
MONTH = "2026-09"


@pytest.fixture
def month_with_breaches(demo_app: Tanggap) -> str:
    lines = breach_log(demo_app.reader(), MONTH)
    assert len(lines) > 10, "the demo data has breaches in September 2026"
    return MONTH


@pytest.fixture
def flow_deps(demo_app: Tanggap) -> Iterator[None]:
    deps.use(deps.Dependencies(dataclasses.replace(demo_app, photos=FakePhotoStorage()),
                               PipelineSettings(), FakeTagger(), FakeMailer()))
    yield
    deps.use(None)  # type: ignore[arg-type]


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV opens in Excel with its Bahasa text intact"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_and_the_workbook_hold_the_same_rows_under_bahasa_headers(demo_app: Tanggap,
                                                                         month_with_breaches: str) -> None:
    lines = breach_log(demo_app.reader(), month_with_breaches)
    rows = _rows(export_breaches(lines, "csv"))
    assert rows[0] == list(BreachLine.HEADER) and len(rows) == len(lines) + 1
    book = load_workbook(io.BytesIO(export_breaches(lines, "xlsx")))
    sheet = book["Pelanggaran SLA"]
    assert [c.value for c in sheet[1]] == list(BreachLine.HEADER)
    assert sheet.max_row == len(lines) + 1
    assert [str(c.value) for c in sheet[2]][:2] == rows[1][:2]


def test_the_download_the_command_line_and_the_month_end_flow_give_the_same_file(
    demo_app: Tanggap, month_with_breaches: str, flow_deps: None, tmp_path: Path
) -> None:
    expected = export_breaches(breach_log(demo_app.reader(), MONTH), "csv")

    web: Flask = create_app(demo_app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"))
    client = web.test_client()
    sign_in(client, "hr")
    download = client.get(f"/hr/breaches.csv?month={MONTH}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="pelanggaran-sla-2026-09.csv"'
    assert download.data == expected

    env = {**os.environ, "TANGGAP_DATA_DIR": str(tmp_path), "TANGGAP_DATABASE_URL": demo_app.settings.database_url}
    printed = subprocess.run([TANGGAP, "breaches", "export", "--month", MONTH], env=env, capture_output=True,
                             check=True, cwd=tmp_path)
    assert printed.stdout == expected
    written = subprocess.run([TANGGAP, "breaches", "export", "--month", MONTH, "--format", "xlsx"], env=env,
                             capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "written to pelanggaran-sla-2026-09.xlsx" in written.stdout
    assert (tmp_path / export_name(MONTH, "xlsx")).exists()

    done = write_month_exports.fn(MONTH)
    folder = Path(done["folder"])
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("pelanggaran")) == [
        "pelanggaran-sla-2026-09.csv", "pelanggaran-sla-2026-09.xlsx"]
    assert (folder / "pelanggaran-sla-2026-09.csv").read_bytes() == expected


def test_an_unknown_format_is_refused_by_name(demo_app: Tanggap) -> None:
    from states.errors import InvalidInput

    with pytest.raises(InvalidInput, match="'pdf' is not one of csv, xlsx"):
        export_breaches([], "pdf")
