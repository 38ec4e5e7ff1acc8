from django.http import Http404

from .models import User
from .permissions import can_view_profile


def profile_get(*, viewer, user_id: int) -> User:
    """A person's profile as the viewer may see it; missing and hidden look the same."""
    person = User.objects.select_related("home_municipality").filter(pk=user_id).first()
    if person is None or not can_view_profile(viewer, person):
        raise Http404
    return person
