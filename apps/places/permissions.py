"""Who may do what in a municipality. Deny by default: every check answers False unless a
role, the home municipality or site staff grants it."""

from .models import Municipality, MunicipalityRole


def _roles(user, municipality: Municipality) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    # One query per request and municipality, however often a page asks.
    cache = user.__dict__.setdefault("_municipality_role_cache", {})
    if municipality.pk not in cache:
        cache[municipality.pk] = set(
            MunicipalityRole.objects.filter(user=user, municipality=municipality).values_list(
                "kind", flat=True
            )
        )
    return cache[municipality.pk]


def is_resident(user, municipality: Municipality) -> bool:
    return user.is_authenticated and user.is_active and user.home_municipality_id == municipality.pk


def is_editor(user, municipality: Municipality) -> bool:
    """Town-hall editor (Rathaus) of this municipality, or site staff."""
    if user.is_authenticated and user.is_active and user.is_staff:
        return True
    return MunicipalityRole.Kind.EDITOR in _roles(user, municipality)


def is_moderator(user, municipality: Municipality) -> bool:
    """Moderators, and the town hall, which moderates its own municipality too."""
    if is_editor(user, municipality):
        return True
    return MunicipalityRole.Kind.MODERATOR in _roles(user, municipality)


def can_manage_invitations(user, municipality: Municipality) -> bool:
    return is_editor(user, municipality)


def editor_municipalities(user) -> list[Municipality]:
    """Where the user holds the town-hall role (site staff work through the admin)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [
        role.municipality
        for role in MunicipalityRole.objects.filter(
            user=user, kind=MunicipalityRole.Kind.EDITOR
        ).select_related("municipality")
    ]
