"""Points on the Earth and the distance between them. Pure; WGS-84 degrees throughout."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Mean Earth radius (IUGG). Haversine on a sphere is within 0.5% of the ellipsoid: ample for 50 m radii.
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class GeoPoint:
    """Signed decimal degrees: south and west are negative (Kupang is about -10.16, 123.60)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and math.isfinite(self.lon)):
            raise ValueError(f"coordinates must be finite numbers, got ({self.lat}, {self.lon})")
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"({self.lat}, {self.lon}) is outside -90..90 / -180..180 degrees")

    @property
    def is_null_island(self) -> bool:
        """(0, 0) is what broken GPS code writes; no Tanggap city is in the Gulf of Guinea."""
        return self.lat == 0 and self.lon == 0


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
