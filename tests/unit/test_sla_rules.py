"""Rule matching, versions, allowance policies and the ledger chain: pure and table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.allowance import Performance, PolicyError, compute_cut, policy_from_spec
from sla.ledger import GENESIS, LedgerEntry, chain_hash, verify
from sla.rules import Metric, RuleError, SlaRule, Target, TargetUnit, match_rule

T = datetime(2026, 10, 1, tzinfo=UTC)
HOURS = TargetUnit.WORKING_HOURS


def rule(rule_id: int, version: int = 1, since: datetime = T - timedelta(days=30), **scope: object) -> SlaRule:
    return SlaRule(
        rule_id=rule_id,
        version=version,
        metric=Metric.RESPONSE,
        target=Target(8, HOURS),
        calendar="kantor",
        effective_from=since,
        **scope,
    )  # type: ignore[arg-type]


RULES = [
    rule(1),
    rule(2, opd="PUPR"),
    rule(3, category="pohon-tumbang"),
    rule(4, opd="DLHK", category="pohon-tumbang"),
    rule(5, priority="urgent"),
    rule(6, opd="PUPR", priority="urgent"),
]
MATCHES = [
    (("PUPR", "jalan-rusak", "normal"), 2),
    (("PUPR", "jalan-rusak", "urgent"), 6),
    (("DLHK", "pohon-tumbang", "urgent"), 4),
    (("BPBD", "pohon-tumbang", "normal"), 3),
    (("BPBD", "banjir-genangan", "urgent"), 5),
    (("DINSOS", "orang-terlantar", "normal"), 1),
]


@pytest.mark.parametrize(("scope", "expected"), MATCHES)
def test_the_most_specific_rule_wins(scope: tuple[str, str, str], expected: int) -> None:
    found = match_rule(RULES, Metric.RESPONSE, *scope, at=T)
    assert found is not None and found.rule_id == expected


def test_a_tie_goes_to_the_newest_version_in_force_then_the_lowest_rule_id() -> None:
    older, newer = rule(7, opd="PUPR", since=T - timedelta(days=9)), rule(8, opd="PUPR", since=T - timedelta(days=1))
    assert match_rule([older, newer], Metric.RESPONSE, "PUPR", None, None, T) == newer
    same = [rule(9, opd="PUPR"), rule(8, opd="PUPR")]
    assert match_rule(same, Metric.RESPONSE, "PUPR", None, None, T) == same[1]


def test_a_version_applies_only_from_its_effective_time_and_a_retired_rule_no_longer_matches() -> None:
    v1 = rule(2, opd="PUPR")
    v2 = SlaRule(2, 2, Metric.RESPONSE, Target(4, HOURS), "kantor", T + timedelta(hours=1), opd="PUPR")
    v3 = SlaRule(2, 3, Metric.RESPONSE, Target(4, HOURS), "kantor", T + timedelta(days=1), opd="PUPR", retired=True)
    assert match_rule([v1, v2, v3], Metric.RESPONSE, "PUPR", None, None, T) == v1
    assert match_rule([v1, v2, v3], Metric.RESPONSE, "PUPR", None, None, T + timedelta(hours=1)) == v2
    assert match_rule([v1, v2, v3], Metric.RESPONSE, "PUPR", None, None, T + timedelta(days=2)) is None


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Target(0, HOURS), "target"),
        (lambda: Target(1.5, TargetUnit.WORKING_DAYS), "target"),
        (lambda: SlaRule(1, 1, Metric.RESPONSE, Target(8, HOURS), "k", T, warn_at=(0.75, 0.5)), "warn_at"),
        (lambda: SlaRule(1, 1, Metric.RESPONSE, Target(8, HOURS), "k", T, warn_at=(1.2,)), "warn_at"),
    ],
)
def test_an_invalid_rule_names_its_field(make, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as err:
        make()
    assert err.value.field == field


PER_BREACH = {"shape": "per_breach", "percent_per_breach": 2.5, "monthly_cap": 10}
TIERS = {
    "shape": "tiers",
    "tiers": [{"min_on_time": 90, "cut": 0}, {"min_on_time": 75, "cut": 5}, {"min_on_time": 0, "cut": 10}],
}
CUTS = [
    (PER_BREACH, 10, 0, 0.0),
    (PER_BREACH, 10, 3, 7.5),
    (PER_BREACH, 10, 5, 10.0),  # 12.5% capped at 10%
    (TIERS, 9, 1, 0.0),  # 90% on time
    (TIERS, 8, 2, 5.0),  # 80%
    (TIERS, 3, 1, 5.0),  # exactly 75%
    (TIERS, 7, 3, 10.0),  # 70%
    (TIERS, 0, 0, 0.0),  # nothing fell due
]


@pytest.mark.parametrize(("spec", "met", "breached", "cut"), CUTS)
def test_each_policy_shape_computes_the_cut(spec: dict, met: int, breached: int, cut: float) -> None:  # type: ignore[type-arg]
    result = compute_cut(policy_from_spec(spec), Performance("pupr.officer", "PUPR", met, tuple(range(breached))))
    assert result.cut_percent == cut
    assert result.breach_ids == tuple(range(breached)) and result.explanation


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"shape": "flat"}, "shape"),
        ({"shape": "per_breach", "percent_per_breach": -1, "monthly_cap": 10}, "percent_per_breach"),
        ({"shape": "tiers", "tiers": [{"min_on_time": 90, "cut": 0}]}, "tiers"),
        ({"shape": "tiers", "tiers": []}, "tiers"),
    ],
)
def test_an_invalid_policy_names_its_field(spec: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PolicyError) as err:
        policy_from_spec(spec)
    assert err.value.field == field


def chain(contents: list[dict]) -> list[LedgerEntry]:  # type: ignore[type-arg]
    entries, prev = [], GENESIS
    for seq, content in enumerate(contents, 1):
        digest = chain_hash(prev, content)
        entries.append(LedgerEntry(seq, "sla_breaches", seq, content, prev, digest))
        prev = digest
    return entries


def test_an_intact_chain_verifies_and_each_kind_of_tampering_is_named() -> None:
    entries = chain([{"officer": "a", "due_at": T}, {"officer": "b"}, {"officer": "c"}])
    assert verify(entries).intact and verify(entries).checked == 3
    altered = [
        entries[0],
        LedgerEntry(2, "sla_breaches", 2, {"officer": "x"}, entries[1].prev_hash, entries[1].hash),
        entries[2],
    ]
    assert verify(altered).first_bad == altered[1] and "altered" in (verify(altered).problem or "")
    removed = [entries[0], entries[2]]
    assert verify(removed).first_bad == entries[2] and "removed" in (verify(removed).problem or "")
