"""Postcodes and distances, the same on SQLite and PostgreSQL.

Distances are great-circle (haversine) distances between a postcode's centroid and each
location's coordinates, computed in Python over the already-filtered candidates: a borough
directory holds thousands of locations, not millions, so no spatial extension is needed.
"""

from __future__ import annotations

import math
import re

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344

# A UK postcode: outward code (area, district) and inward code (sector, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode(text: str) -> str | None:
    """'nb1 2lp' -> 'NB1 2LP'; None when it is not a postcode."""
    cleaned = re.sub(r"\s+", "", (text or "").upper())
    match = POSTCODE.match(cleaned)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


def district_of(text: str) -> str | None:
    """'NB3 5QT' or 'nb3' -> 'NB3'; None for anything else (an area's name)."""
    postcode = normalise_postcode(text)
    if postcode:
        return postcode.split(" ")[0]
    outward = re.sub(r"\s+", "", (text or "").upper())
    return outward if OUTWARD.match(outward) else None


def postcode_point(text: str) -> tuple[float, float] | None:
    """The centroid of a full postcode, of its district when only that is known (NB3), or of
    an area's postcodes when an area is named (Eastgate)."""
    from .models import Postcode

    postcode = normalise_postcode(text)
    if postcode:
        found = Postcode.objects.filter(postcode=postcode).values_list("latitude", "longitude").first()
        if found:
            return found
        outward = postcode.split(" ")[0]
    else:
        outward = re.sub(r"\s+", "", (text or "").upper())
        if not OUTWARD.match(outward):
            return _mean(list(Postcode.objects.filter(area__iexact=(text or "").strip()).values_list("latitude", "longitude")))
    # A district ("NB3") or an unknown unit in a known district: the district's mean centroid.
    return _mean(list(Postcode.objects.filter(postcode__startswith=outward + " ").values_list("latitude", "longitude")))


def _mean(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def is_known_area(text: str) -> bool:
    from .models import Postcode

    return bool(text.strip()) and Postcode.objects.filter(area__iexact=text.strip()).exists()
