"""Allowance (TPP) cut policies HR configures, and the monthly computation. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PolicyShape(StrEnum):
    PER_BREACH = "per_breach"
    TIERS = "tiers"


class PolicyError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


class Reason(StrEnum):
    PER_BREACH = "per_breach"
    TIER = "tier"
    NOTHING_DUE = "nothing_due"


@dataclass(frozen=True)
class Why:
    """How a cut was reached, in figures: pages word it in their own language."""

    reason: Reason
    cut: float
    breaches: int = 0
    percent_each: float = 0.0
    raw: float = 0.0
    cap: float | None = None  # set when the monthly cap lowered the cut
    rate: float | None = None
    floor: float = 0.0  # the lowest on-time rate of the tier reached

    def bahasa(self) -> str:
        """The explanation in Bahasa Indonesia, for the command line and the payroll API."""
        if self.reason is Reason.NOTHING_DUE:
            return "tidak ada tiket yang jatuh tempo bulan ini"
        if self.reason is Reason.TIER:
            return f"tepat waktu {self.rate or 0:.1%} (>= {self.floor:.0%}): potongan {self.cut:g}%"
        capped = f", dibatasi {self.cap:g}%" if self.cap is not None else ""
        return f"{self.breaches} pelanggaran x {self.percent_each:g}% = {self.raw:g}%{capped}"


@dataclass(frozen=True)
class PerBreachPolicy:
    """A fixed percentage per unwaived breach, capped per month."""

    percent_per_breach: float
    monthly_cap: float

    def cut(self, perf: Performance) -> tuple[float, Why]:
        raw = self.percent_per_breach * len(perf.breach_ids)
        cut = min(raw, self.monthly_cap)
        return cut, Why(Reason.PER_BREACH, cut, len(perf.breach_ids), self.percent_per_breach, raw,
                        self.monthly_cap if raw > cut else None)


@dataclass(frozen=True)
class Tier:
    min_on_time_rate: float
    cut_percent: float


@dataclass(frozen=True)
class TieredPolicy:
    """A cut chosen by the share of clocks answered on time; tiers sorted from the best rate down."""

    tiers: tuple[Tier, ...]

    def cut(self, perf: Performance) -> tuple[float, Why]:
        rate = perf.on_time_rate
        if rate is None:
            return 0.0, Why(Reason.NOTHING_DUE, 0.0)
        tier = next(t for t in self.tiers if rate >= t.min_on_time_rate)
        return tier.cut_percent, Why(Reason.TIER, tier.cut_percent, rate=rate, floor=tier.min_on_time_rate)


Policy = PerBreachPolicy | TieredPolicy


def policy_from_spec(spec: dict[str, Any]) -> Policy:
    """Build a policy from HR's JSON, naming the bad field when it is wrong."""
    shape = spec.get("shape")
    if shape == PolicyShape.PER_BREACH:
        return PerBreachPolicy(_percent(spec, "percent_per_breach"), _percent(spec, "monthly_cap"))
    if shape == PolicyShape.TIERS:
        return TieredPolicy(_tiers(spec.get("tiers")))
    raise PolicyError("shape", f"must be one of {[s.value for s in PolicyShape]}, got {shape!r}")


def _percent(spec: dict[str, Any], name: str) -> float:
    value = spec.get(name)
    if not isinstance(value, int | float) or not 0 <= value <= 100:
        raise PolicyError(name, f"must be a percentage between 0 and 100, got {value!r}")
    return float(value)


def _tiers(raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("tiers", "must be a non-empty list")
    tiers = tuple(Tier(_percent(t, "min_on_time") / 100, _percent(t, "cut")) for t in raw if isinstance(t, dict))
    if len(tiers) != len(raw):
        raise PolicyError("tiers", "each tier needs min_on_time and cut")
    tiers = tuple(sorted(tiers, key=lambda t: -t.min_on_time_rate))
    if tiers[-1].min_on_time_rate != 0:
        raise PolicyError("tiers", "the last tier must start at 0% so every rate has a cut")
    return tiers


@dataclass(frozen=True)
class Performance:
    """One officer's (or one OPD's) month: clocks met on time, and the unwaived breaches."""

    who: str
    opd: str
    met: int
    breach_ids: tuple[int, ...]

    @property
    def on_time_rate(self) -> float | None:
        total = self.met + len(self.breach_ids)
        return self.met / total if total else None


@dataclass(frozen=True)
class Cut:
    who: str
    opd: str
    cut_percent: float
    on_time_rate: float | None
    met: int
    breach_ids: tuple[int, ...]
    why: Why

    @property
    def explanation(self) -> str:
        return self.why.bahasa()


def compute_cut(policy: Policy, perf: Performance) -> Cut:
    percent, why = policy.cut(perf)
    return Cut(perf.who, perf.opd, round(percent, 4), perf.on_time_rate, perf.met, perf.breach_ids, why)
