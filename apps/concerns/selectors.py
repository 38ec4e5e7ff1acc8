"""Reads of concern reports: one's own, the town hall's inbox, and the published ones."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.ids import parse_id
from apps.places.models import Municipality, MunicipalityRole

from .models import Concern, ConcernMessage, ConcernPhoto, ConcernUpdate
from .permissions import (
    can_read_full,
    is_town_hall,
    published_concerns,
    visible_concerns,
)

# Primary keys are 64-bit; a larger number in a URL can only be a miss, and PostgreSQL
# would refuse it with an error instead.
INBOX_LIMIT = 200
PUBLISHED_LIMIT = 50
SIMILAR_LIMIT = 10

ORDERS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
}


def _with_details(qs: QuerySet[Concern]) -> QuerySet[Concern]:
    return qs.select_related("municipality", "reporter", "assignee").prefetch_related(
        Prefetch("photos", queryset=ConcernPhoto.objects.order_by("position", "id")),
        Prefetch(
            "updates",
            queryset=ConcernUpdate.objects.exclude(public_note="").order_by("created_at", "id"),
            to_attr="public_note_list",
        ),
    )


def concern_get_for_user(*, user, concern_id) -> Concern:
    """A report the user may read in full (reporter or town hall); others get a 404."""
    concern = _with_details(Concern.objects.filter(pk=parse_id(concern_id))).first()
    if concern is None or not can_read_full(user, concern):
        raise Http404
    return concern


def concern_get_readable(*, user, concern_id) -> tuple[Concern, bool]:
    """A report in full for its reporter and town hall, or a published one for anyone.
    Returns the report and whether the user may read it in full."""
    concern = _with_details(Concern.objects.filter(pk=parse_id(concern_id))).first()
    if concern is None:
        raise Http404
    if can_read_full(user, concern):
        return concern, True
    if concern.is_public:
        return concern, False
    raise Http404


def published_concern_get(*, municipality: Municipality, concern_id) -> Concern:
    concern = (
        _with_details(published_concerns())
        .filter(municipality=municipality, pk=parse_id(concern_id))
        .first()
    )
    if concern is None:
        raise Http404
    return concern


def concerns_of_reporter(*, user) -> list[Concern]:
    if not user.is_authenticated:
        return []
    return list(
        Concern.objects.filter(reporter_id=user.pk)
        .select_related("municipality")
        .annotate(message_count=Count("messages"))
        .order_by("-created_at", "-id")
    )


def town_hall_municipality(*, user, slug: str) -> Municipality:
    """A municipality whose inbox the user handles; everyone else gets a 404."""
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None or not is_town_hall(user, municipality.pk):
        raise Http404
    return municipality


def inbox(
    *,
    municipality: Municipality,
    status: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    order: str = "oldest",
    limit: int | None = INBOX_LIMIT,
) -> list[Concern]:
    """The town hall's reports, oldest first by default (what waits longest comes first).
    The caller has checked the user is the town hall. assignee: "me:<id>", "none" or an id."""
    qs = Concern.objects.filter(municipality=municipality)
    if status:
        if status == "open":
            qs = qs.filter(status__in=[Concern.Status.RECEIVED, Concern.Status.IN_PROGRESS])
        elif status in Concern.Status.values:
            qs = qs.filter(status=status)
        else:
            raise ValidationError({"status": _("Unbekannter Status.")})
    if category:
        if category not in Concern.Category.values:
            raise ValidationError({"category": _("Unbekannte Kategorie.")})
        qs = qs.filter(category=category)
    if assignee:
        if assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        else:
            try:
                qs = qs.filter(assignee_id=parse_id(assignee))
            except Http404 as exc:
                raise ValidationError({"assignee": _("Unbekannte Person.")}) from exc
    if order not in ORDERS:
        raise ValidationError({"order": _("Unbekannte Sortierung.")})
    qs = (
        qs.select_related("municipality", "reporter", "assignee")
        .annotate(message_count=Count("messages"))
        .order_by(*ORDERS[order])
    )
    return list(qs[:limit] if limit else qs)


def published_for_municipality(
    *, municipality: Municipality, category: str | None = None, limit: int = PUBLISHED_LIMIT
) -> list[Concern]:
    qs = published_concerns().filter(municipality=municipality)
    if category:
        qs = qs.filter(category=category)
    return list(
        qs.select_related("municipality")
        .prefetch_related(
            Prefetch("updates", queryset=ConcernUpdate.objects.exclude(public_note=""))
        )
        .order_by("-published_at", "-id")[:limit]
    )


def already_reported(*, user, category: str | None = None) -> list[Concern]:
    """Published, still open reports of the user's home municipality: "Schon gemeldet",
    shown while they start a report so they need not report the same thing twice."""
    if not user.is_authenticated or user.home_municipality_id is None:
        return []
    qs = published_concerns().filter(
        municipality_id=user.home_municipality_id,
        status__in=[Concern.Status.RECEIVED, Concern.Status.IN_PROGRESS],
    )
    if category in Concern.Category.values:
        qs = qs.filter(category=category)
    return list(qs.select_related("municipality").order_by("-published_at", "-id")[:SIMILAR_LIMIT])


def messages_for_concern(*, concern: Concern) -> list[ConcernMessage]:
    """The private exchange; the caller has checked the user reads the report in full."""
    return list(concern.messages.select_related("author").order_by("created_at", "id"))


def updates_for_concern(*, concern: Concern) -> list[ConcernUpdate]:
    return list(concern.updates.select_related("actor").order_by("created_at", "id"))


def public_notes(*, concern: Concern) -> list[ConcernUpdate]:
    if hasattr(concern, "public_note_list"):
        return concern.public_note_list
    return list(concern.updates.exclude(public_note="").order_by("created_at", "id"))


def town_hall_team(*, municipality: Municipality) -> list[User]:
    """The people a report can be assigned to."""
    ids = MunicipalityRole.objects.filter(
        municipality=municipality, kind=MunicipalityRole.Kind.EDITOR
    ).values_list("user_id", flat=True)
    return list(
        User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "last_name", "id")
    )


def concerns_for_user(
    *,
    user,
    mine: bool = False,
    municipality_slug: str | None = None,
    status: str | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Concern]:
    """The reports a user reads in full: their own, and their town halls' inboxes; newest
    first."""
    qs = visible_concerns(user)
    if mine:
        qs = qs.filter(reporter_id=user.pk)
    if municipality_slug:
        qs = qs.filter(municipality__slug=municipality_slug)
    if status:
        if status not in Concern.Status.values:
            raise ValidationError({"status": _("Unbekannter Status.")})
        qs = qs.filter(status=status)
    if category:
        if category not in Concern.Category.values:
            raise ValidationError({"category": _("Unbekannte Kategorie.")})
        qs = qs.filter(category=category)
    return list(_with_details(qs).order_by("-created_at", "-id")[offset : offset + limit])


def published_list(
    *,
    municipality_slug: str | None = None,
    status: str | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Concern]:
    qs = published_concerns()
    if municipality_slug:
        qs = qs.filter(municipality__slug=municipality_slug)
    if status:
        if status not in Concern.Status.values:
            raise ValidationError({"status": _("Unbekannter Status.")})
        qs = qs.filter(status=status)
    if category:
        if category not in Concern.Category.values:
            raise ValidationError({"category": _("Unbekannte Kategorie.")})
        qs = qs.filter(category=category)
    return list(_with_details(qs).order_by("-published_at", "-id")[offset : offset + limit])
