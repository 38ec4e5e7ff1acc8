"""Who may see and handle concern reports. visible_concerns is the one scoping helper: a
report is private between its reporter and the town hall (editors) of its municipality.
Moderators and other residents see it only once the town hall has published it, and then
without the reporter's name. A report one may not see answers like a missing one."""

from django.db.models import Q, QuerySet

from apps.places.models import MunicipalityRole

from .models import Concern


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def edited_municipality_ids(user) -> list[int]:
    """Where the user is the town hall; computed once per request."""
    if not _is_active(user):
        return []
    cached = user.__dict__.get("_concern_editor_ids")
    if cached is None:
        cached = list(
            MunicipalityRole.objects.filter(
                user=user, kind=MunicipalityRole.Kind.EDITOR
            ).values_list("municipality_id", flat=True)
        )
        user.__dict__["_concern_editor_ids"] = cached
    return cached


def is_town_hall(user, municipality_id: int) -> bool:
    """An editor of that municipality; site staff act as every town hall."""
    if not _is_active(user):
        return False
    return bool(user.is_staff) or municipality_id in edited_municipality_ids(user)


def visible_concerns(user) -> QuerySet[Concern]:
    """Full reports (with reporter and private exchange): one's own, and all of the
    municipalities where one is the town hall."""
    if not _is_active(user):
        return Concern.objects.none()
    if user.is_staff:
        return Concern.objects.all()
    condition = Q(reporter_id=user.pk)
    editing = edited_municipality_ids(user)
    if editing:
        condition |= Q(municipality_id__in=editing)
    return Concern.objects.filter(condition)


def published_concerns() -> QuerySet[Concern]:
    """Reports the town hall made public ("Schon gemeldet"), readable by anyone."""
    return Concern.objects.filter(published_at__isnull=False)


def can_read_full(user, concern: Concern) -> bool:
    if not _is_active(user):
        return False
    return concern.reporter_id == user.pk or is_town_hall(user, concern.municipality_id)


def can_report(user) -> bool:
    """Reporting needs a confirmed account with a home municipality."""
    return (
        _is_active(user)
        and user.email_confirmed_at is not None
        and user.home_municipality_id is not None
    )


def can_handle(user, concern: Concern) -> bool:
    """Status, assignment and publishing: the town hall of the report's municipality."""
    return is_town_hall(user, concern.municipality_id)


def can_write_message(user, concern: Concern) -> bool:
    """The reporter may answer at any time, also after the report is closed (the pothole may
    be back); the town hall may write too. Nobody else takes part in the exchange."""
    return can_read_full(user, concern)


def can_see_photo(user, concern: Concern) -> bool:
    """Photos are private unless the town hall published them with the report."""
    return can_read_full(user, concern) or (concern.is_public and concern.photos_public)
