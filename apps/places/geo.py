"""Distances on the earth's surface, precise enough for a reading radius of a few km."""

import math

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.195


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that holds the circle around a point."""
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    # Widen by the cosine of the box's edge nearer the pole, so the box never cuts the circle.
    edge_lat = min(89.9, abs(lat) + dlat)
    dlon = radius_km / (KM_PER_DEGREE_LATITUDE * math.cos(math.radians(edge_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
