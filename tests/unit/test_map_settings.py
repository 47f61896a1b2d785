"""TANGGAP_MAP_TILES: a tile URL template, whose host becomes a Content-Security-Policy source."""

from __future__ import annotations

import pytest

from tanggap.config import MapSettings

ACCEPTED = [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.openstreetmap.fr/hot/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.fr"),
    ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png?v=2", "http://127.0.0.1:8080"),
]
REFUSED = [
    "tile.openstreetmap.org/{z}/{x}/{y}.png",  # no scheme
    "ftp://tiles.example.id/{z}/{x}/{y}.png",
    "https://tiles.example.id/{z}/{x}.png",  # no {y}
    "https://tiles.example.id/{z}/{x}/{y}.png; script-src *",  # would widen the policy
    "https://tiles.example.id 'unsafe-inline'/{z}/{x}/{y}.png",
    "https://a.{s}.example.id/{z}/{x}/{y}.png",  # {s} only as the first label
]


@pytest.mark.parametrize(("template", "source"), ACCEPTED)
def test_a_tile_template_gives_its_host_as_the_policy_source(
    monkeypatch: pytest.MonkeyPatch, template: str, source: str
) -> None:
    monkeypatch.setenv("TANGGAP_MAP_TILES", f" {template} ")
    monkeypatch.setenv("TANGGAP_MAP_ATTRIBUTION", "&copy; OpenStreetMap")
    maps = MapSettings.from_env()
    assert (maps.tiles, maps.attribution, maps.tile_source) == (template, "&copy; OpenStreetMap", source)


@pytest.mark.parametrize("template", REFUSED)
def test_anything_but_a_tile_template_is_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    monkeypatch.setenv("TANGGAP_MAP_TILES", template)
    with pytest.raises(ValueError, match="TANGGAP_MAP_TILES"):
        MapSettings.from_env()


def test_no_setting_means_no_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANGGAP_MAP_TILES", raising=False)
    monkeypatch.delenv("TANGGAP_MAP_ATTRIBUTION", raising=False)
    assert MapSettings.from_env() == MapSettings(tiles="", attribution="") and MapSettings().tile_source == ""
