"""Handlers and read models reach the database only through ports: the unit of work's repositories
(write side) and the reader (read side). A session is touched only in tanggap/persistence.py and
the features' repository modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tanggap", "web", "workflows")


def _session_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "session"]


def _allowed(path: Path) -> bool:
    return path.name == "repository.py" or path.relative_to(ROOT).as_posix() == "tanggap/persistence.py"


def test_no_session_is_reached_for_outside_persistence_and_the_repositories() -> None:
    found = {str(p.relative_to(ROOT)): lines for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))
             if not _allowed(p) and (lines := _session_uses(p))}
    assert found == {}


def test_the_scan_finds_a_session_reached_through_the_unit_of_work(tmp_path: Path) -> None:
    handler = tmp_path / "handlers.py"
    handler.write_text("def h(cmd, ctx):\n    ctx.uow.session.add(cmd)\n")
    assert _session_uses(handler) == [2]


def test_the_port_declares_no_session() -> None:
    from tanggap.uow import AbstractUnitOfWork

    assert "session" not in AbstractUnitOfWork.__annotations__
    assert not hasattr(AbstractUnitOfWork, "session")
