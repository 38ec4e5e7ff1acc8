"""What one person may see of another."""

from apps.places.permissions import is_editor


def can_see_full_name(viewer, person) -> bool:
    """Only the person and the town hall of the person's home municipality see the surname."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk:
        return True
    home = person.home_municipality
    return home is not None and is_editor(viewer, home)


def can_view_profile(viewer, person) -> bool:
    """Profiles are for signed-in people only, and only of active accounts."""
    return viewer.is_authenticated and person.is_active


def display_name(viewer, person) -> str:
    return person.full_name if can_see_full_name(viewer, person) else person.public_name
