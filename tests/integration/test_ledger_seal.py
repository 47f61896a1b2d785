"""A sealed month: HR signs the ledger's head outside the database, and `tanggap ledger verify
--seal` catches every rewrite of the rows it covers, even one that leaves a consistent chain."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import insert, select, text

from sla.ledger import chain_hash
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.cli import sla as cli_sla  # noqa: F401  (registers the ledger and seal commands)
from tanggap.cli.app import main
from tanggap.db import BreachRow, WaiverRow
from tanggap.enforcement.repository import LEDGER_TABLES, ledger_content, row_values
from tests.integration.test_sla import RESPONSE_DUE, assigned, breaches
from tests.tamper import guards_lifted


def tanggap(app: Tanggap, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


@pytest.fixture
def hr(app: Tanggap, tmp_path: Path) -> Tanggap:
    """The application with HR's seal key made by `tanggap seal keygen`; three breaches, one waived."""
    key = tmp_path / "keys" / "seal.pem"
    key.parent.mkdir()
    made = tanggap(app, "seal", "keygen", "--output", str(key))
    assert made.exit_code == 0 and "public key: ed25519:" in made.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    for _ in range(3):
        assigned(app)
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    app.handle(c.WaiveBreach(breaches(app)[0].id, "supervisor", "Listrik padam se-kota"))
    return dataclasses.replace(app, settings=app.settings.model_copy(update={"seal_key": key}))


def sealed(hr: Tanggap) -> Path:
    written = tanggap(hr, "seal", "write", "--month", "2026-10")
    assert written.exit_code == 0, written.output
    path = hr.settings.data_dir / "exports" / "2026-10" / "seal-2026-10.json"
    assert f"seal written to {path}" in written.output
    assert "fingerprint: " in written.output and "(ledger head row 4)" in written.output
    return path


def verify(hr: Tanggap, seal: Path) -> Result:
    return tanggap(hr, "ledger", "verify", "--seal", str(seal))


def test_a_sealed_month_verifies_and_later_rows_do_not_disturb_it(hr: Tanggap) -> None:
    seal = sealed(hr)
    payload = json.loads(seal.read_text())["payload"]
    assert payload["totals"] == {"PUPR": {"breaches": 3, "waived": 1, "unwaived": 2}}
    assert payload["ledger_head"]["seq"] == 4
    assigned(hr)
    hr.sweep(now=RESPONSE_DUE + timedelta(hours=2))  # a fifth row, appended after the seal
    result = verify(hr, seal)
    assert result.exit_code == 0, result.output
    assert "seal of 2026-10 (" in result.output and "signature valid, sealed head row 4" in result.output
    assert "ledger intact: 5 rows verified, up to the sealed row 4 unchanged" in result.output


def test_an_edited_row_is_named(hr: Tanggap) -> None:
    seal = sealed(hr)
    second = breaches(hr)[1]
    with guards_lifted(hr.engine) as conn:
        conn.execute(text("UPDATE sla_breaches SET officer = 'pupr.officer2' WHERE id = :id"), {"id": second.id})
    result = verify(hr, seal)
    assert result.exit_code == 1
    assert (f"ledger broken at row {second.chain_seq} (sla_breaches id {second.id}): "
            "its content does not match its hash: the row was altered") in result.output


def test_a_deleted_row_is_named(hr: Tanggap) -> None:
    seal = sealed(hr)
    gone = breaches(hr)[1]
    with guards_lifted(hr.engine) as conn:
        conn.execute(text("DELETE FROM sla_breaches WHERE id = :id"), {"id": gone.id})
    result = verify(hr, seal)
    assert result.exit_code == 1
    assert f"expected row {gone.chain_seq} here: a row was removed or renumbered" in result.output


def test_the_newest_rows_cut_off_with_the_head_moved_back_are_caught(hr: Tanggap) -> None:
    seal = sealed(hr)
    with hr.uow() as uow:
        third = uow.session.scalars(select(BreachRow.id).order_by(BreachRow.chain_seq)).all()[2]
        waiver = uow.session.scalar(select(WaiverRow))
        assert waiver is not None and waiver.chain_seq == 4
        second_hash = uow.session.scalars(select(BreachRow.hash).order_by(BreachRow.chain_seq)).all()[1]
    with guards_lifted(hr.engine) as conn:  # the chain that is left is consistent on its own
        conn.execute(text("DELETE FROM sla_waivers"))
        conn.execute(text("DELETE FROM sla_breaches WHERE id = :id"), {"id": third})
        conn.execute(text("UPDATE ledger_head SET seq = 2, hash = :h"), {"h": second_hash})
    assert tanggap(hr, "ledger", "verify").exit_code == 0  # without the seal nothing shows
    result = verify(hr, seal)
    assert result.exit_code == 1
    assert ("ledger broken at row 3 (missing): the sealed ledger reached row 4, this one ends before it: "
            "the newest rows were removed") in result.output


def test_a_forged_row_with_the_whole_chain_recomputed_is_caught(hr: Tanggap) -> None:
    seal = sealed(hr)
    target = breaches(hr)[1]
    _forge_waiver_and_rechain(hr, target.id)
    assert tanggap(hr, "ledger", "verify").exit_code == 0  # the forged chain is consistent
    result = verify(hr, seal)
    assert result.exit_code == 1
    assert "ledger broken at row 4 (" in result.output
    assert "its hash is not the one sealed for row 4: the chain up to the sealed head was rewritten" in result.output


def test_a_seal_altered_or_signed_with_another_key_is_refused(hr: Tanggap, tmp_path: Path) -> None:
    seal = sealed(hr)
    document = json.loads(seal.read_text())
    document["payload"]["ledger_head"]["seq"] = 2
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document))
    result = verify(hr, altered)
    assert result.exit_code == 1
    assert "the signature does not verify with the public key ed25519:" in result.output
    other_key = tmp_path / "other.pem"
    other_public = tanggap(hr, "seal", "keygen", "--output", str(other_key)).output.split("public key: ")[1].strip()
    result = tanggap(hr, "ledger", "verify", "--seal", str(seal), "--public-key", other_public)
    assert result.exit_code == 1 and "signed by another key" in result.output


def test_keygen_never_overwrites_a_key_and_a_seal_needs_one(hr: Tanggap) -> None:
    key = hr.settings.seal_key
    assert key is not None
    before = key.read_bytes()
    again = tanggap(hr, "seal", "keygen", "--output", str(key))
    assert again.exit_code == 1 and "already exists: a seal key is never overwritten" in again.output
    assert key.read_bytes() == before
    keyless = dataclasses.replace(hr, settings=hr.settings.model_copy(update={"seal_key": None}))
    result = tanggap(keyless, "seal", "write", "--month", "2026-10")
    assert result.exit_code == 1 and "TANGGAP_SEAL_KEY is not set" in result.output
    assert not (hr.settings.data_dir / "exports" / "2026-10" / "seal-2026-10.json").exists()


def test_a_broken_ledger_is_never_sealed(hr: Tanggap) -> None:
    with guards_lifted(hr.engine) as conn:
        conn.execute(text("UPDATE sla_breaches SET officer = 'x' WHERE chain_seq = 1"))
    result = tanggap(hr, "seal", "write", "--month", "2026-10")
    assert result.exit_code == 1 and "cannot seal 2026-10: ledger broken at row 1" in result.output


def _forge_waiver_and_rechain(app: Tanggap, breach_id: int) -> None:
    """Insert a waiver at the start of the chain and recompute every row's place and hashes after
    it, as someone with the database but without the seal key could."""
    with guards_lifted(app.engine) as conn:
        conn.execute(text("UPDATE sla_breaches SET chain_seq = chain_seq + 1000"))
        conn.execute(text("UPDATE sla_waivers SET chain_seq = chain_seq + 1000"))
        conn.execute(insert(WaiverRow.__table__).values(  # type: ignore[arg-type]
            breach_id=breach_id, reason="Hujan lebat", waived_by="supervisor", waived_at=RESPONSE_DUE,
            chain_seq=0, prev_hash="", hash=""))
    with app.uow() as uow:
        rows = [(table, row) for table, model in LEDGER_TABLES.items() for row in uow.session.scalars(select(model))]
        rows.sort(key=lambda pair: pair[1].chain_seq)
        prev = "0" * 64
        updates = []
        for seq, (table, row) in enumerate(rows, start=1):
            values = {**row_values(row), "chain_seq": seq}
            digest = chain_hash(prev, ledger_content(table, values))
            updates.append((table, row.id, seq, prev, digest))
            prev = digest
    with guards_lifted(app.engine) as conn:
        for table, row_id, seq, prev_hash, digest in updates:
            conn.execute(text(f"UPDATE {table} SET chain_seq = :s, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"s": seq, "p": prev_hash, "h": digest, "i": row_id})
        conn.execute(text("UPDATE ledger_head SET seq = :s, hash = :h"), {"s": len(updates), "h": prev})
