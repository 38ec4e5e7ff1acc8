"""What the feed services publish for live sockets: ids only, to the municipality's or the
post's group, and only once the change is committed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.posts import live
from apps.posts import services as post_services
from apps.posts.models import Post
from tests.factories import UserFactory
from tests.posts.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def published(monkeypatch):
    """The (group, message) pairs the services hand to the channel layer."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(live, "publish_to_groups", lambda pairs: sent.extend(pairs))
    return sent


def test_new_post_goes_to_its_municipalitys_feed_after_commit(
    published, django_capture_on_commit_callbacks
):
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post = post_services.post_create(
            author=author, kind=Post.Kind.CHAT, body="Kaffee?", scope=Post.Scope.VILLAGE
        )
        assert published == [], "nothing may go out before the commit"

    assert published == [
        (
            live.feed_group(author.home_municipality_id),
            {
                "type": "feed.post",
                "post": post.pk,
                "kind": "chat",
                "municipality": author.home_municipality_id,
                "scope": "village",
                "author": author.pk,
            },
        )
    ]


def test_rolled_back_post_is_never_announced(published, django_capture_on_commit_callbacks):
    author = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        post_services.post_create(author=author, kind=Post.Kind.CHAT, body="Kaffee?")
        raise Rollback
    assert published == []
    assert not Post.objects.exists()


def test_refused_post_is_never_announced(published, django_capture_on_commit_callbacks):
    author = UserFactory(email_confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        post_services.post_create(author=author, kind=Post.Kind.CHAT, body="Kaffee?")
    assert published == []


def test_comments_and_deletion_go_to_the_posts_group(published, django_capture_on_commit_callbacks):
    post = PostFactory()
    commenter = UserFactory(home_municipality=post.municipality)
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_services.comment_create(author=commenter, post=post, body="Ich komme")
    with django_capture_on_commit_callbacks(execute=True):
        post_services.comment_delete(actor=commenter, comment=comment)
    post_id = post.pk
    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_delete(actor=post.author, post=post)

    group = live.post_group(post_id)
    assert published == [
        (
            group,
            {
                "type": "post.event",
                "frame": {"type": "post.comment", "comment": comment.pk, "post": post_id},
            },
        ),
        (
            group,
            {
                "type": "post.event",
                "frame": {"type": "post.comment_deleted", "comment": comment.pk, "post": post_id},
            },
        ),
        (group, {"type": "post.event", "frame": {"type": "post.deleted", "post": post_id}}),
    ]


def test_deleting_a_comment_twice_announces_it_once(published, django_capture_on_commit_callbacks):
    comment = CommentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post_services.comment_delete(actor=comment.author, comment=comment)
        post_services.comment_delete(actor=comment.author, comment=comment)
    assert [message["frame"]["type"] for _, message in published] == ["post.comment_deleted"]
