"""Live notices of the feed over the socket: a new post in a municipality, a new or deleted
comment under a post. They carry ids only; the page fetches what it shows through the normal
views, which check access again."""

from django.db import transaction

from apps.core.events import publish_to_groups

from .models import Comment, Post


def feed_group(municipality_id: int) -> str:
    return f"feed.{municipality_id}"


def post_group(post_id: int) -> str:
    return f"post.{post_id}"


def publish_new_post(post: Post) -> None:
    """To the sockets watching the post's municipality; each consumer drops it for readers
    the post's scope does not reach."""
    message = {
        "type": "feed.post",
        "post": post.pk,
        "kind": post.kind,
        "municipality": post.municipality_id,
        "scope": post.scope,
        "author": post.author_id,
    }
    group = feed_group(post.municipality_id)
    transaction.on_commit(lambda: publish_to_groups([(group, message)]))


def _post_frame(post_id: int, frame: dict) -> None:
    group = post_group(post_id)
    message = {"type": "post.event", "frame": {**frame, "post": post_id}}
    transaction.on_commit(lambda: publish_to_groups([(group, message)]))


def publish_comment_added(comment: Comment) -> None:
    _post_frame(comment.post_id, {"type": "post.comment", "comment": comment.pk})


def publish_comment_deleted(post_id: int, comment_id: int) -> None:
    _post_frame(post_id, {"type": "post.comment_deleted", "comment": comment_id})


def publish_post_deleted(post_id: int) -> None:
    _post_frame(post_id, {"type": "post.deleted"})
