"""Settings are read from the environment in one place: tanggap/config.py, called once by the
composition root. A TANGGAP_* variable read anywhere else would escape its type, default and check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("tanggap", "web", "workflows", "cv", "states", "sla", "migrations")
CONFIG = Path("tanggap/config.py")
COMPOSITION_ROOT = Path("tanggap/bootstrap.py")
TEST_ONLY = {"TANGGAP_TEST_POSTGRES_URL", "TANGGAP_REQUIRE_BROWSER"}  # the tests' own switches


def environment_key(node: ast.AST) -> ast.expr | None:
    """The key of a read of the environment: os.environ[k], os.environ.get(k), os.getenv(k), k in os.environ."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
        return node.slice
    if isinstance(node, ast.Call) and node.args and _reads(node.func):
        return node.args[0]
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn) and _is_environ(
            node.comparators[0]):
        return node.left
    return None


def _is_environ(node: ast.expr) -> bool:
    return ast.unparse(node) in ("os.environ", "environ")


def _reads(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute) and func.attr in ("get", "pop"):
        return _is_environ(func.value)
    return ast.unparse(func) in ("os.getenv", "getenv")


def env_reads(source: str, *, any_key: bool) -> list[str]:
    """Reads of TANGGAP_* variables; with `any_key`, also reads whose key is not written out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        key = environment_key(node)
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found += [key.value] if key.value.startswith("TANGGAP_") and key.value not in TEST_ONLY else []
        elif key is not None and any_key:
            found.append(ast.unparse(key))
    return found


def from_env_calls(source: str) -> int:
    return sum(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "from_env"
               for node in ast.walk(ast.parse(source)))


def python_files(*tops: str) -> list[Path]:
    return sorted(p.relative_to(ROOT) for top in tops for p in (ROOT / top).rglob("*.py"))


def test_no_code_but_the_settings_module_reads_a_tanggap_variable() -> None:
    product = {str(p): env_reads((ROOT / p).read_text(), any_key=True)
               for p in python_files(*PRODUCT) if p != CONFIG}
    scripts = {str(p): env_reads((ROOT / p).read_text(), any_key=False) for p in python_files("tests", "bench")}
    assert {path: reads for path, reads in {**product, **scripts}.items() if reads} == {}


def test_only_the_composition_root_asks_for_settings_from_the_environment() -> None:
    callers = {str(p) for p in python_files(*PRODUCT) if p not in (CONFIG, COMPOSITION_ROOT)
               and from_env_calls((ROOT / p).read_text())}
    assert callers == set()


@pytest.mark.parametrize("source", [
    'os.environ.get("TANGGAP_SECRET_KEY", "")',
    'os.getenv("TANGGAP_SECRET_KEY")',
    'os.environ["TANGGAP_SECRET_KEY"]',
    '"TANGGAP_SECRET_KEY" in os.environ',
    'from os import environ\nenviron.pop("TANGGAP_SECRET_KEY", None)',
])
def test_the_scan_sees_each_way_of_reading_a_variable(source: str) -> None:
    assert env_reads(source, any_key=False) == ["TANGGAP_SECRET_KEY"]


@pytest.mark.parametrize("source", [
    'os.environ["TANGGAP_HOME"] = "/srv/tanggap"',  # a write, for a child process
    'env = {**os.environ, "TANGGAP_DATA_DIR": "/tmp/x"}',
    'os.environ.get("TANGGAP_TEST_POSTGRES_URL")',
    'settings.get("TANGGAP_SECRET_KEY")',
])
def test_the_scan_leaves_writes_copies_and_test_switches_alone(source: str) -> None:
    assert env_reads(source, any_key=True) == []


def test_the_scan_sees_a_read_whose_key_is_not_written_out() -> None:
    assert env_reads('NAME = "TANGGAP_SECRET_KEY"\nos.environ.get(NAME)', any_key=True) == ["NAME"]
