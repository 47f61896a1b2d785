"""Which (metric, OPD, category, priority) combinations no rule in force covers: pure and table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.rules import Metric, SlaRule, Target, TargetUnit, Uncovered, match_rule, uncovered_scopes

T = datetime(2026, 10, 6, 1, tzinfo=UTC)
SINCE = T - timedelta(days=30)
ROUTES = {"jalan-rusak": "PUPR", "sampah-menumpuk": "DLHK", "pohon-tumbang": "DLHK"}
PRIORITIES = ("normal", "urgent")
D, R, S = Metric.DISPATCH, Metric.RESPONSE, Metric.RESOLUTION


def rule(rule_id: int, metric: Metric, version: int = 1, since: datetime = SINCE, retired: bool = False,
         **scope: str) -> SlaRule:
    return SlaRule(rule_id, version, metric, Target(8, TargetUnit.WORKING_HOURS), "kantor", since,
                   retired=retired, **scope)  # type: ignore[arg-type]


EVERYWHERE = [rule(1, D), rule(2, R), rule(3, S)]


def gaps(rules: list[SlaRule], at: datetime = T) -> set[tuple[Metric, str | None, str | None, str]]:
    return {(g.metric, g.opd, g.category, g.priority) for g in uncovered_scopes(rules, ROUTES, PRIORITIES, at)}


def test_rules_for_all_opds_categories_and_priorities_cover_everything_for_their_metric() -> None:
    assert uncovered_scopes(EVERYWHERE, ROUTES, PRIORITIES, T) == []
    assert {metric for metric, *_ in gaps(EVERYWHERE[:1])} == {R, S}


def test_with_no_rules_every_reachable_combination_is_listed_dispatch_first_then_by_opd() -> None:
    found = uncovered_scopes([], ROUTES, PRIORITIES, T)
    # Dispatch: no OPD yet, and a report may still lack a category. OPD clocks: at the routed OPD.
    assert found[:2] == [Uncovered(D, None, None, "normal"), Uncovered(D, None, None, "urgent")]
    assert len(found) == (len(ROUTES) + 1) * 2 + 2 * len(ROUTES) * 2
    assert [(g.opd, g.category) for g in found if g.metric is R][::2] == [
        ("DLHK", "pohon-tumbang"), ("DLHK", "sampah-menumpuk"), ("PUPR", "jalan-rusak")]


@pytest.mark.parametrize(
    ("scoped", "left"),
    [
        # Most specific rules cover only their own corner.
        (rule(9, R, opd="PUPR"), {("DLHK", "pohon-tumbang"), ("DLHK", "sampah-menumpuk")}),
        (rule(9, R, category="pohon-tumbang"), {("PUPR", "jalan-rusak"), ("DLHK", "sampah-menumpuk")}),
        (rule(9, R, opd="DLHK", category="sampah-menumpuk"), {("PUPR", "jalan-rusak"), ("DLHK", "pohon-tumbang")}),
        # A rule for the wrong OPD of a category covers nothing that category reaches by its route.
        (rule(9, R, opd="PUPR", category="sampah-menumpuk"), {("PUPR", "jalan-rusak"), ("DLHK", "pohon-tumbang"),
                                                                ("DLHK", "sampah-menumpuk")}),
    ],
)
def test_a_scoped_rule_covers_exactly_what_it_matches(scoped: SlaRule, left: set[tuple[str, str]]) -> None:
    found = gaps([rule(1, D), rule(3, S), scoped])
    assert {(opd, category) for _m, opd, category, _p in found} == left
    assert {metric for metric, *_ in found} == {R}


def test_a_priority_rule_leaves_the_other_priority_uncovered() -> None:
    found = gaps([rule(2, R), rule(3, S), rule(9, D, priority="urgent")])
    assert found == {(D, None, category, "normal") for category in [None, *ROUTES]}


def test_every_listed_combination_is_one_match_rule_answers_with_no_rule() -> None:
    rules = [rule(1, D, category="jalan-rusak"), rule(2, R, opd="DLHK", priority="urgent"), rule(3, S, opd="PUPR")]
    found = gaps(rules)
    for metric in Metric:
        for category, routed in [(None, None), *ROUTES.items()]:
            opd = None if metric is D else routed
            if metric is not D and category is None:
                continue
            for priority in PRIORITIES:
                missing = match_rule(rules, metric, opd, category, priority, T) is None
                assert missing == ((metric, opd, category, priority) in found)


def test_a_retired_rule_covers_nothing_from_its_retirement() -> None:
    retired = [rule(2, R, version=2, since=T - timedelta(days=1), retired=True), rule(2, R)]
    assert gaps([rule(1, D), rule(3, S), *retired], at=T - timedelta(days=2)) == set()
    assert {(m, opd) for m, opd, *_ in gaps([rule(1, D), rule(3, S), *retired])} == {(R, "PUPR"), (R, "DLHK")}


def test_a_rule_effective_only_from_a_future_time_does_not_cover_now_but_covers_from_that_minute() -> None:
    starts = T + timedelta(hours=2)
    rules = [rule(1, D), rule(3, S), rule(2, R, since=starts)]
    assert len(gaps(rules)) == len(ROUTES) * 2
    assert len(gaps(rules, at=starts - timedelta(minutes=1))) == len(ROUTES) * 2
    assert gaps(rules, at=starts) == set()


def test_a_new_version_in_the_future_leaves_the_current_one_covering_now() -> None:
    rules = [*EVERYWHERE, rule(2, R, version=2, since=T + timedelta(days=1), retired=True)]
    assert gaps(rules) == set()
    assert len(gaps(rules, at=T + timedelta(days=1))) == len(ROUTES) * 2
