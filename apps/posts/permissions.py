"""Who may read and change posts. visible_posts is the one scoping helper: every view, API
endpoint and consumer asks it, and a post one may not read looks the same as a missing one."""

from django.db.models import Q, QuerySet

from apps.places.models import MunicipalityRole
from apps.places.selectors import readable_municipality_ids

from .models import Comment, Post


def _moderated_ids(user) -> list[int]:
    return list(
        MunicipalityRole.objects.filter(user=user).values_list("municipality_id", flat=True)
    )


def reader_scope(user) -> dict:
    """What decides visibility for one reader, computed once per request."""
    cached = user.__dict__.get("_post_reader_scope")
    if cached is None:
        cached = {
            "readable": readable_municipality_ids(user=user),
            "home": user.home_municipality_id,
            "moderated": _moderated_ids(user),
        }
        user.__dict__["_post_reader_scope"] = cached
    return cached


def _is_reader(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def visible_posts(user) -> QuerySet[Post]:
    """Posts of the municipalities the user reads (home, and nearby ones' posts that are not
    limited to their village), the user's own, and all of the municipalities they moderate."""
    if not _is_reader(user):
        return Post.objects.none()
    scope = reader_scope(user)
    condition = Q(municipality_id__in=scope["readable"], scope=Post.Scope.NEARBY) | Q(
        author_id=user.pk
    )
    if scope["home"] is not None:
        condition |= Q(municipality_id=scope["home"])
    if scope["moderated"]:
        condition |= Q(municipality_id__in=scope["moderated"])
    return Post.objects.filter(condition)


def can_read_post(user, post: Post) -> bool:
    if not _is_reader(user):
        return False
    if post.author_id == user.pk:
        return True
    scope = reader_scope(user)
    if post.municipality_id in (scope["home"], *scope["moderated"]):
        return True
    return post.scope == Post.Scope.NEARBY and post.municipality_id in scope["readable"]


def can_write(user) -> bool:
    """Posting and commenting need a confirmed account with a home municipality."""
    return (
        _is_reader(user)
        and user.email_confirmed_at is not None
        and user.home_municipality_id is not None
    )


def can_edit_post(user, post: Post) -> bool:
    return _is_reader(user) and post.author_id == user.pk


def can_comment(user, post: Post) -> bool:
    return can_write(user) and can_read_post(user, post)


def can_delete_comment(user, comment: Comment) -> bool:
    """The comment's author, and the author of the post it stands under."""
    return _is_reader(user) and user.pk in (comment.author_id, comment.post.author_id)
