"""TANGGAP_ANNUAL_TARGET: the responses a year the dashboard measures the city against."""

from __future__ import annotations

import pytest

from tanggap.config import Settings


def test_the_city_target_defaults_to_kupangs_30000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANGGAP_ANNUAL_TARGET", raising=False)
    assert Settings.from_env().annual_target == 30_000


def test_the_city_target_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_ANNUAL_TARGET", " 12500 ")
    assert Settings.from_env().annual_target == 12_500


@pytest.mark.parametrize("raw", ["0", "-5", "banyak", "30.000", "1e4"])
def test_anything_but_a_positive_whole_number_is_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("TANGGAP_ANNUAL_TARGET", raw)
    with pytest.raises(ValueError) as refused:
        Settings.from_env()
    assert str(refused.value) == f"TANGGAP_ANNUAL_TARGET: must be a positive whole number, got {raw!r}"
