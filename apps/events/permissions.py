"""Who may see, create, change and attend events. visible_events / can_read_event are the one
scoping helper: every page, API endpoint and export asks them, and an event one may not see
answers like a missing one.

- public events: everyone, also without an account, sees and exports them; every signed-in,
  confirmed person may say "Ich komme".
- members events: residents of the municipality, readers whose radius reaches it, and its
  moderators and town hall see them; only its residents may say "Ich komme".
- Town-hall events are created and managed by any editor of the municipality; resident
  events (where the municipality allows them) by the resident who created them."""

from django.db.models import Q, QuerySet

from apps.places.models import Municipality, MunicipalityRole
from apps.places.permissions import is_editor
from apps.places.selectors import readable_municipality_ids

from .models import Event


def _is_reader(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_confirmed(user) -> bool:
    return _is_reader(user) and user.email_confirmed_at is not None


def member_scope(user) -> dict:
    """What decides visibility of members events for one reader, computed once per request."""
    cached = user.__dict__.get("_event_member_scope")
    if cached is None:
        roles = MunicipalityRole.objects.filter(user=user).values_list("municipality_id", flat=True)
        cached = {
            "readable": set(readable_municipality_ids(user=user)),
            "home": user.home_municipality_id,
            "roles": set(roles),
        }
        user.__dict__["_event_member_scope"] = cached
    return cached


def visible_events(user) -> QuerySet[Event]:
    public = Q(audience=Event.Audience.PUBLIC)
    if not _is_reader(user):
        return Event.objects.filter(public)
    if user.is_staff:
        return Event.objects.all()
    scope = member_scope(user)
    ids = scope["readable"] | scope["roles"]
    if scope["home"] is not None:
        ids.add(scope["home"])
    return Event.objects.filter(public | Q(municipality_id__in=ids) | Q(created_by_id=user.pk))


def can_read_event(user, event: Event) -> bool:
    if event.audience == Event.Audience.PUBLIC:
        return True
    if not _is_reader(user):
        return False
    if user.is_staff or event.created_by_id == user.pk:
        return True
    scope = member_scope(user)
    return event.municipality_id in (scope["readable"] | scope["roles"] | {scope["home"]})


def creatable_municipalities(user) -> list[Municipality]:
    """Where the user may create events: as town hall, or as a resident where allowed."""
    if not _is_confirmed(user):
        return []
    found = {
        role.municipality_id: role.municipality
        for role in MunicipalityRole.objects.filter(
            user=user, kind=MunicipalityRole.Kind.EDITOR
        ).select_related("municipality")
    }
    home = user.home_municipality
    if home is not None and home.pk not in found and home.residents_may_create_events:
        found[home.pk] = home
    return sorted(found.values(), key=lambda m: m.name)


def organiser_kind_for(user, municipality: Municipality) -> str | None:
    """How the user would organise an event there, or None when they may not."""
    if not _is_confirmed(user):
        return None
    if is_editor(user, municipality):
        return Event.OrganiserKind.TOWN_HALL
    if user.home_municipality_id == municipality.pk and municipality.residents_may_create_events:
        return Event.OrganiserKind.RESIDENT
    return None


def can_manage_event(user, event: Event) -> bool:
    """Edit, cancel and see the attendee list: the organiser."""
    if not _is_reader(user):
        return False
    if event.organiser_kind == Event.OrganiserKind.TOWN_HALL:
        return is_editor(user, event.municipality)
    return event.created_by_id == user.pk


def can_attend(user, event: Event) -> bool:
    """May say "Ich komme" (capacity aside): confirmed, can see it, and for members events
    lives in the municipality."""
    if not _is_confirmed(user) or not can_read_event(user, event):
        return False
    if event.audience == Event.Audience.MEMBERS:
        return user.home_municipality_id == event.municipality_id
    return True
