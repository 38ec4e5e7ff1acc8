"""The demo data command: people, invitation code and a lively feed, the same on every run."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from PIL import Image

from apps.accounts.models import User
from apps.demo import feed
from apps.places.models import InvitationCode, Municipality, MunicipalityRole
from apps.posts import services
from apps.posts.models import Comment, Post, PostPhoto, Thanks
from apps.posts.permissions import can_read_post
from apps.posts.selectors import in_feed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEMO_AUTHORS = [feed.ANNA, feed.KARL, feed.PETRA, feed.JONAS, feed.MARIA, feed.THOMAS]
DEMO_AUTHORS += [feed.LENA, feed.HANS, feed.SABINE]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "users": User.objects.count(),
        "roles": MunicipalityRole.objects.count(),
        "codes": InvitationCode.objects.count(),
        "posts": Post.objects.count(),
        "photos": PostPhoto.objects.count(),
        "comments": Comment.objects.count(),
        "thanks": Thanks.objects.count(),
    }


def test_running_twice_changes_nothing_and_keeps_other_peoples_posts():
    first_output = seed()
    first = counts()
    assert first["municipalities"] == 3
    assert 40 <= first["posts"] <= 60
    assert first["comments"] >= first["posts"]
    assert first["thanks"] >= first["posts"]
    summary = (
        f"Feed: {first['posts']} posts, {first['photos']} photos, "
        f"{first['comments']} comments, {first['thanks']} thanks"
    )
    assert summary in first_output.splitlines()

    # Between the runs, a real resident posts, and a visitor adds a post on a demo account.
    lindenbach = Municipality.objects.get(slug="lindenbach")
    resident = UserFactory(home_municipality=lindenbach)
    kept = services.post_create(author=resident, kind=Post.Kind.CHAT, body="Servus miteinander!")
    services.comment_create(author=User.objects.get(email=feed.ANNA), post=kept, body="Servus!")
    services.post_create(
        author=User.objects.get(email=feed.KARL), kind=Post.Kind.CHAT, body="Nur ein Test."
    )

    second_output = seed()
    assert second_output == first_output
    after = counts()
    assert Post.objects.filter(pk=kept.pk).exists()
    assert after == {
        **first,
        "users": first["users"] + 1,
        "posts": first["posts"] + 1,
        "comments": first["comments"] + 1,
    }
    assert not Post.objects.filter(body="Nur ein Test.").exists()


def test_the_feed_has_every_kind_category_and_state_and_respects_visibility():
    seed()
    posts = Post.objects.all()
    now = timezone.now()

    assert set(posts.values_list("kind", flat=True)) == set(Post.Kind.values)
    categories = posts.exclude(kind=Post.Kind.CHAT).values_list("category", flat=True)
    assert set(categories) == set(Post.Category.values)
    assert not posts.filter(kind=Post.Kind.CHAT).exclude(category="").exists()
    assert posts.filter(scope=Post.Scope.VILLAGE).exists()
    assert posts.filter(status=Post.Status.DONE).exists()
    assert posts.filter(status=Post.Status.RESERVED).exists()
    assert posts.exclude(kind=Post.Kind.CHAT).filter(expires_at__lt=now).exists()
    assert in_feed(posts, now).count() >= 30
    assert posts.filter(body__contains="https://").exists()
    assert posts.filter(body__contains="\n").exists()
    assert set(posts.values_list("municipality__slug", flat=True)) == {
        "lindenbach",
        "oberau",
        "kirchwald",
    }
    assert set(posts.values_list("author__email", flat=True)) == set(DEMO_AUTHORS)

    # Spread over the last weeks, comments after their post, nothing in the future.
    assert posts.filter(created_at__lt=now - timezone.timedelta(days=14)).exists()
    assert not posts.filter(created_at__gt=now).exists()
    assert not Comment.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not Comment.objects.filter(created_at__gt=now).exists()

    # Written through the services: the kept counters agree with the rows.
    for post in posts:
        assert post.comment_count == post.comments.count()
        assert post.thanks_count == post.thanks.count()
    for comment in Comment.objects.all():
        assert comment.thanks_count == comment.thanks.count()
    assert Post.objects.filter(comment_count__gte=3).count() >= 10
    assert Thanks.objects.filter(comment__isnull=False).exists()

    # Everyone who comments or thanks may read the post (fresh users, no cached scope).
    for comment in Comment.objects.select_related("post"):
        assert can_read_post(User.objects.get(pk=comment.author_id), comment.post)
    for thanks in Thanks.objects.select_related("post", "comment__post"):
        post = thanks.post or thanks.comment.post
        assert can_read_post(User.objects.get(pk=thanks.user_id), post)


def test_some_posts_have_photos_stored_as_clean_jpegs():
    # The seed's own pictures carry camera EXIF, as phone photos do ...
    source = Image.open(io.BytesIO(feed.render_photo(feed.Photo("cat", "Moritz", "Ein Kater"))))
    assert source.format == "JPEG" and source.getexif()

    seed()
    offers_and_requests = Post.objects.exclude(kind=Post.Kind.CHAT)
    with_photos = offers_and_requests.filter(photos__isnull=False).distinct().count()
    assert offers_and_requests.count() / 4 <= with_photos <= offers_and_requests.count() / 2
    assert Post.objects.filter(kind=Post.Kind.CHAT, photos__isnull=False).exists()

    photos = list(PostPhoto.objects.all())
    assert photos
    assert max(PostPhoto.objects.values_list("position", flat=True)) >= 1  # several on a post
    # ... and what is stored has been decoded and re-encoded without it.
    for photo in photos:
        assert photo.alt_text
        for field in (photo.image, photo.thumbnail):
            with field.open("rb") as handle, Image.open(handle) as image:
                assert image.format == "JPEG"
                assert not image.getexif()
                assert "exif" not in image.info
                image.verify()
        with photo.image.open("rb") as handle, Image.open(handle) as image:
            assert image.size == (photo.width, photo.height)


def test_demo_conversations_are_replaced_not_doubled_and_keep_real_ones():
    from apps.chat import services as chat_services
    from apps.chat.models import Conversation, Message

    output = seed()
    first = (Conversation.objects.count(), Message.objects.count())
    assert first == (3, 11)
    assert "Chat: 3 conversations, 11 messages" in output.splitlines()
    answer = Message.objects.exclude(post=None).get()
    assert answer.post.title == "Biete Rasenmäher zum Ausleihen"
    group = Conversation.objects.get(kind="group")
    assert group.participants.count() == 4
    # A real resident writes to a demo person between the runs: that conversation stays.
    anna = User.objects.get(email=feed.ANNA)
    resident = UserFactory(home_municipality=anna.home_municipality)
    real = chat_services.conversation_start_direct(user=resident, other_id=anna.pk)
    chat_services.message_send(user=resident, conversation_id=real.pk, body="Hallo", client_id="x")

    seed()

    assert (Conversation.objects.count(), Message.objects.count()) == (4, 12)
    assert Message.objects.filter(conversation=real).count() == 1
