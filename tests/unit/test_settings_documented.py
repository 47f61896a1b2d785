"""The README's settings table and tanggap/config.py name the same variables, and no document or
product file names a TANGGAP_* variable that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from tanggap.config import Settings, variables

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bTANGGAP_[A-Z][A-Z0-9_]*\b")
# Read by others than Tanggap: Prefect's workers (prefect.yaml) and the tests.
NOT_SETTINGS = {"TANGGAP_HOME", "TANGGAP_TEST_POSTGRES_URL", "TANGGAP_REQUIRE_BROWSER"}
PRODUCT = ("tanggap", "web", "workflows", "cv", "states", "sla", "migrations", "bin")


def settings_table(readme: str) -> list[str]:
    """The first column of the table under `## Settings`."""
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE)


def named_in(path: Path) -> set[str]:
    return set(NAME.findall(path.read_text(errors="replace")))


def test_the_readme_table_lists_every_setting_once_and_nothing_else() -> None:
    listed = settings_table((ROOT / "README.md").read_text())
    assert len(listed) == len(set(listed)), "a variable is listed twice"
    assert set(listed) == set(variables(Settings))


def test_every_variable_the_documents_name_is_a_setting() -> None:
    documents = [*ROOT.glob("*.md"), *(p for top in PRODUCT for p in (ROOT / top).rglob("*.md"))]
    unknown = {f"{p.relative_to(ROOT)}: {name}" for p in documents for name in named_in(p) - NOT_SETTINGS
               if name not in variables(Settings)}
    assert unknown == set()


def test_every_variable_the_product_names_is_a_setting() -> None:
    files = [ROOT / "Makefile", ROOT / "prefect.yaml", ROOT / ".ci" / "run",
             *(p for top in PRODUCT for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".sh", ".po", ".html"))]
    unknown = {f"{p.relative_to(ROOT)}: {name}" for p in files for name in named_in(p) - NOT_SETTINGS
               if name not in variables(Settings)}
    assert unknown == set()


def test_the_table_spots_a_missing_and_an_unknown_variable() -> None:
    readme = "\n".join(["# Tanggap", "## Settings", "| Variable |", "| --- |", "| `TANGGAP_DATA_DIR` |",
                        "| `TANGGAP_NO_SUCH` |", "", "## Next"])
    listed = set(settings_table(readme))
    assert listed == {"TANGGAP_DATA_DIR", "TANGGAP_NO_SUCH"} and listed != set(variables(Settings))
