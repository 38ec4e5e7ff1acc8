from django.db.models import Q
from django.http import Http404

from .models import Block, User
from .permissions import can_view_profile


def profile_get(*, viewer, user_id: int) -> User:
    """A person's profile as the viewer may see it; missing and hidden look the same."""
    person = User.objects.select_related("home_municipality").filter(pk=user_id).first()
    if person is None or not can_view_profile(viewer, person):
        raise Http404
    return person


def is_blocked_between(first_id: int, second_id: int) -> bool:
    """Whether either of the two has blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=first_id, blocked_id=second_id) | Q(blocker_id=second_id, blocked_id=first_id)
    ).exists()
