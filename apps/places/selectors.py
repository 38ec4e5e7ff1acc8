"""Reads of municipalities: search, lookups and what a user reads."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from apps.core.text import clean_line

from .geo import bounding_box, distance_km
from .models import InvitationCode, Municipality
from .permissions import can_manage_invitations

MAX_READING_RADIUS_KM = 30


def municipality_search(*, query: str = "", limit: int = 20) -> list[Municipality]:
    """Municipalities whose name or district matches, names that start with the query first.

    A query of digits looks up the official key (AGS) by prefix."""
    query = clean_line(query)[:100]
    qs = Municipality.objects.all()
    if not query:
        return list(qs.order_by("name")[:limit])
    if query.isdigit():
        return list(qs.filter(official_key__startswith=query).order_by("official_key")[:limit])
    return list(
        qs.filter(Q(name__icontains=query) | Q(district__icontains=query))
        .annotate(
            rank=Case(
                When(name__iexact=query, then=Value(0)),
                When(name__istartswith=query, then=Value(1)),
                When(name__icontains=query, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name")[:limit]
    )


def municipality_get(*, slug: str) -> Municipality:
    try:
        return Municipality.objects.get(slug=slug)
    except Municipality.DoesNotExist as exc:
        raise Http404 from exc


def municipality_picker_choices(*, query: str, keep: list[str]) -> list[Municipality]:
    """Search results for a picker, with the municipalities named in `keep` (slugs: the
    current home, the current choice) always on top, so typing never unselects them."""
    choices = municipality_search(query=query) if query else []
    listed = {m.slug for m in choices}
    missing = [slug for slug in dict.fromkeys(keep) if slug and slug not in listed]
    if missing:
        found = Municipality.objects.in_bulk(missing, field_name="slug")
        choices = [found[slug] for slug in missing if slug in found] + choices
    return choices


def municipality_managed_by(*, user, slug: str) -> Municipality:
    """A municipality whose invitation codes the user manages. Not allowed answers like
    not there: nobody learns which town halls use codes."""
    municipality = municipality_get(slug=slug)
    if not can_manage_invitations(user, municipality):
        raise Http404
    return municipality


def municipality_ids_within(*, latitude: float, longitude: float, radius_km: float) -> list[int]:
    """Ids of the municipalities whose point lies within radius_km, nearest first.

    The database narrows to a bounding box on the indexed point; the exact circle is then
    cut in Python from the few dozen rows left."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius_km)
    rows = Municipality.objects.filter(
        latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)
    ).values_list("id", "latitude", "longitude")
    found = []
    for pk, lat, lon in rows:
        distance = distance_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            found.append((distance, pk))
    found.sort()
    return [pk for _, pk in found]


def readable_municipality_ids(*, user) -> list[int]:
    """The municipalities a user reads: home first, then those within the reading radius."""
    home = getattr(user, "home_municipality", None) if user.is_authenticated else None
    if home is None:
        return []
    radius = min(max(user.reading_radius_km, 0), MAX_READING_RADIUS_KM)
    # Asked several times per request (feed, permissions, page); remembered on the user
    # object, which lives as long as the request, and keyed so a change is seen at once.
    key = (home.pk, radius)
    cached = user.__dict__.get("_readable_municipality_ids")
    if cached is not None and cached[0] == key:
        return list(cached[1])
    if radius == 0:
        ids = [home.pk]
    else:
        nearby = municipality_ids_within(
            latitude=home.latitude, longitude=home.longitude, radius_km=radius
        )
        ids = [home.pk, *(pk for pk in nearby if pk != home.pk)]
    user.__dict__["_readable_municipality_ids"] = (key, ids)
    return list(ids)


def readable_municipalities(*, user) -> list[Municipality]:
    ids = readable_municipality_ids(user=user)
    by_id = Municipality.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def invitation_codes_for(*, municipality: Municipality) -> QuerySet[InvitationCode]:
    return municipality.invitation_codes.select_related("created_by").order_by("-created_at")
