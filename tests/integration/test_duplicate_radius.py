"""Each category's duplicate radius, as stored, decides which nearby reports the processing
pipeline links as possible duplicates; the demo seed gives the wide-spreading problems wider radii.

The pipeline runs through its tasks' logic (`task.fn()`) with the FakeTagger (the model is an
edge) on real photos and real databases, as in test_pipeline.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from states.errors import InvalidInput, NotFound
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.db import CategoryRow, DuplicateLinkRow
from tanggap.demo.data import CATEGORIES
from tanggap.demo.seed import seed_demo
from tanggap.migrate import upgrade
from tests.conftest import make_app
from tests.integration.test_pipeline import jpeg, process, submit
from workflows import deps

KUPANG_LAT = -10.16
METRES_PER_DEGREE_LAT = 6_371_008.8 * math.pi / 180
RADII = {"banjir-genangan": 300.0, "jalan-rusak": 50.0}



@pytest.fixture
def radii(app: Tanggap) -> Iterator[None]:
    """The demo's radii for a flood and a pothole; put back afterwards, since the PostgreSQL tier
    shares its categories between tests."""
    app.handle_batch([c.SetDuplicateRadius(code, radius) for code, radius in RADII.items()])
    yield
    app.handle_batch([c.SetDuplicateRadius(code, 50.0) for code in RADII])


def _south_of_kupang(metres: float) -> float:
    return KUPANG_LAT - metres / METRES_PER_DEGREE_LAT


def _links(app: Tanggap) -> list[tuple[int, int]]:
    with app.uow() as uow:
        return [(r.report_id, r.original_id) for r in uow.session.scalars(select(DuplicateLinkRow))]


@pytest.mark.parametrize(("category", "metres", "linked"), [
    ("banjir-genangan", 200, True),
    ("jalan-rusak", 200, False),
    ("banjir-genangan", 290, True),  # beyond the old fixed search box of about 220 m
    ("banjir-genangan", 320, False),
    ("jalan-rusak", 40, True),
])
def test_the_same_photo_is_a_suspected_duplicate_only_within_its_categorys_radius(
    pipeline: deps.Dependencies, radii: None, category: str, metres: float, linked: bool
) -> None:
    first = submit(pipeline, jpeg(5), category=category, lat=KUPANG_LAT, description="Genangan air di jalan")
    process()
    second = submit(pipeline, jpeg(5, quality=40), category=category, lat=_south_of_kupang(metres),
                    description="Genangan air di jalan")
    process()
    assert _links(pipeline.app) == ([(second, first)] if linked else [])


def test_a_report_without_a_category_near_a_flood_is_checked_with_the_floods_radius(
    pipeline: deps.Dependencies, radii: None
) -> None:
    flood = submit(pipeline, jpeg(7), category="banjir-genangan", lat=KUPANG_LAT)
    process()
    unsure = submit(pipeline, jpeg(7, quality=40), category=None, lat=_south_of_kupang(200),
                    description="Air naik sampai lutut")
    process()
    assert _links(pipeline.app) == [(unsure, flood)]


def test_a_batch_reads_the_radii_once_however_many_reports_it_holds(
    pipeline: deps.Dependencies, radii: None
) -> None:
    for i in range(5):
        submit(pipeline, jpeg(20 + i), category="banjir-genangan", lat=KUPANG_LAT + i * 0.01)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(pipeline.app.engine, "before_cursor_execute", seen)
    try:
        assert process()["claimed"] == 5
    finally:
        event.remove(pipeline.app.engine, "before_cursor_execute", seen)
    # The reference cache's whole-row lookups carry the column too; the radius table is this one.
    radius_reads = [s for s in statements if "categories.duplicate_radius_m" in s and "categories.name" not in s]
    assert len(radius_reads) == 1


@pytest.mark.parametrize("radius", [4.9, 2000.5, -50.0, math.nan, math.inf])
def test_a_radius_outside_5_to_2000_metres_is_refused_naming_the_category_and_changes_nothing(
    app: Tanggap, radius: float
) -> None:
    with pytest.raises(InvalidInput, match=r"duplicate_radius_m: banjir-genangan: .*(outside|not a number)") as err:
        app.handle(c.SetDuplicateRadius("banjir-genangan", radius))
    assert str(radius) in str(err.value) or f"{radius:g}" in str(err.value)
    with app.uow() as uow:
        assert uow.reference.category("banjir-genangan").duplicate_radius_m == 50.0


def test_a_radius_for_an_unknown_category_is_refused(app: Tanggap) -> None:
    with pytest.raises(NotFound, match="tidak-ada"):
        app.handle(c.SetDuplicateRadius("tidak-ada", 100.0))


def test_the_demo_seed_gives_floods_fallen_trees_and_garbage_wider_radii_and_reseeding_changes_nothing(
    tmp_path: Path
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'seed.db'}", tmp_path)
    upgrade(app.engine)
    seed_demo(app, reports=0, echo=lambda _: None)
    stored = _radii(app)
    assert {code: stored[code] for code in ("banjir-genangan", "pohon-tumbang", "sampah-menumpuk", "jalan-rusak")} \
        == {"banjir-genangan": 300.0, "pohon-tumbang": 100.0, "sampah-menumpuk": 75.0, "jalan-rusak": 50.0}
    assert stored == {cat.code: cat.duplicate_radius_m for cat in CATEGORIES}
    seed_demo(app, reports=0, echo=lambda _: None)
    assert _radii(app) == stored
    app.engine.dispose()


def _radii(app: Tanggap) -> dict[str, float]:
    with app.uow() as uow:
        return {code: radius for code, radius in uow.session.execute(
            select(CategoryRow.code, CategoryRow.duplicate_radius_m))}
