"""The feed's services and selectors, called directly: expiry and archiving, thanks and comment
counters, photo processing, and the scoping helper agreeing with itself."""

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from apps.accounts.models import User
from apps.core.rendering import render_plain_text
from apps.core.text import clean_text
from apps.posts import services, tasks
from apps.posts.models import Comment, Post, PostPhoto, Thanks
from apps.posts.permissions import can_read_post, visible_posts
from apps.posts.selectors import feed_for_user, posts_by_author
from tests.factories import MunicipalityFactory, RoleFactory, UserFactory

from .factories import CommentFactory, OfferFactory, PostFactory, PostPhotoFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    return MunicipalityFactory(name="Ahausen", slug="ahausen", latitude=48.80, longitude=10.60)


@pytest.fixture
def author(village):
    return UserFactory(home_municipality=village, reading_radius_km=0)


@pytest.fixture
def neighbour(village):
    return UserFactory(home_municipality=village, reading_radius_km=0)


def fresh(user) -> User:
    """The user as a new request would load them: no visibility cached on the object."""
    return User.objects.get(pk=user.pk)


def feed_ids(user) -> list[int]:
    return [post.pk for post in feed_for_user(user=fresh(user), limit=50).posts]


def _photo(name: str = "foto.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


# --- Expiry and archiving -----------------------------------------------------------------


def test_archiving_takes_only_expired_posts_and_a_second_run_changes_nothing(author, neighbour):
    now = timezone.now()
    expired = OfferFactory(author=author, expires_at=now - dt.timedelta(seconds=1))
    due_now = OfferFactory(author=author, expires_at=now)
    running = OfferFactory(author=author, expires_at=now + dt.timedelta(days=1))
    chat = PostFactory(author=author)

    assert services.archive_expired_posts(now=now) == 2
    assert services.archive_expired_posts(now=now) == 0
    assert services.archive_expired_posts(now=now + dt.timedelta(seconds=1)) == 0

    archived = set(Post.objects.filter(archived_at=now).values_list("pk", flat=True))
    assert archived == {expired.pk, due_now.pk}
    assert set(feed_ids(neighbour)) == {running.pk, chat.pk}


def test_archiving_does_not_move_the_time_of_an_already_archived_post(author):
    long_ago = timezone.now() - dt.timedelta(days=10)
    post = OfferFactory(author=author, expires_at=long_ago, archived_at=long_ago)

    assert services.archive_expired_posts() == 0
    post.refresh_from_db()
    assert post.archived_at == long_ago


def test_archive_task_runs_the_service(author):
    OfferFactory(author=author, expires_at=timezone.now() - dt.timedelta(days=1))

    assert tasks.archive_expired_posts.delay().get() == 1
    assert tasks.archive_expired_posts.delay().get() == 0


def test_archived_post_stays_readable_and_in_the_authors_profile(author, neighbour):
    post = OfferFactory(author=author, expires_at=timezone.now() - dt.timedelta(days=1))
    done = OfferFactory(author=author, status=Post.Status.DONE)
    services.archive_expired_posts()

    assert feed_ids(neighbour) == []
    assert can_read_post(fresh(neighbour), post)
    profile = posts_by_author(viewer=fresh(neighbour), author=author)
    assert {p.pk for p in profile} == {post.pk, done.pk}


def test_extending_brings_an_archived_post_back_into_the_feed(author, neighbour):
    post = OfferFactory(author=author, expires_at=timezone.now() - dt.timedelta(days=1))
    services.archive_expired_posts()

    services.post_extend(actor=fresh(author), post=post, days=30)

    assert feed_ids(neighbour) == [post.pk]
    assert services.archive_expired_posts() == 0


@pytest.mark.parametrize("days", [0, 5, 31, -7, True, "7"])
def test_extending_by_an_unoffered_number_of_days_is_refused(author, days):
    post = OfferFactory(author=author, expires_at=None)

    with pytest.raises(ValidationError) as error:
        services.post_extend(actor=author, post=post, days=days)

    assert "expiry_days" in error.value.message_dict
    post.refresh_from_db()
    assert post.expires_at is None


def test_a_chat_cannot_be_extended_or_given_a_status(author):
    chat = PostFactory(author=author)

    with pytest.raises(ValidationError):
        services.post_extend(actor=author, post=chat, days=7)
    with pytest.raises(ValidationError):
        services.post_set_status(actor=author, post=chat, status=Post.Status.DONE)
    chat.refresh_from_db()
    assert (chat.expires_at, chat.status) == (None, Post.Status.OPEN)


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, post: services.post_extend(actor=actor, post=post, days=7),
        lambda actor, post: services.post_set_status(actor=actor, post=post, status="done"),
        lambda actor, post: services.post_update(actor=actor, post=post, body="x", title="y"),
        lambda actor, post: services.post_delete(actor=actor, post=post),
    ],
    ids=["extend", "status", "update", "delete"],
)
def test_only_the_author_changes_a_post(author, neighbour, change):
    post = OfferFactory(author=author, title="Biete Holz", body="Ein Ster")

    with pytest.raises(PermissionDenied):
        change(neighbour, post)

    post.refresh_from_db()
    assert (post.title, post.body, post.status, post.expires_at) == (
        "Biete Holz",
        "Ein Ster",
        Post.Status.OPEN,
        None,
    )


# --- Creating posts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "person",
    [
        {"home_municipality": None},
        {"email_confirmed_at": None},
        {"is_active": False},
    ],
    ids=["no_home", "unconfirmed", "inactive"],
)
def test_post_create_refuses_who_may_not_write(village, person):
    user = UserFactory(**{"home_municipality": village, **person})

    with pytest.raises(PermissionDenied):
        services.post_create(author=user, kind=Post.Kind.CHAT, body="Hallo")

    assert not Post.objects.exists()


def test_post_create_reports_every_bad_field_at_once(author):
    with pytest.raises(ValidationError) as error:
        services.post_create(
            author=author,
            kind=Post.Kind.OFFER,
            title="",
            body="\u200b",
            category="cars",
            scope="world",
            expiry_days=5,
            photos=[SimpleUploadedFile("x.jpg", b"kein Bild")],
        )

    assert set(error.value.message_dict) == {
        "title",
        "body",
        "category",
        "scope",
        "expiry_days",
        "photos",
    }
    assert not Post.objects.exists()
    assert not PostPhoto.objects.exists()


def test_post_create_refuses_an_unknown_kind(author):
    with pytest.raises(ValidationError) as error:
        services.post_create(author=author, kind="sale", body="Hallo", title="x")

    assert "kind" in error.value.message_dict
    assert not Post.objects.exists()


def test_post_create_stores_clean_text_in_the_home_municipality(author, village):
    post = services.post_create(
        author=author,
        kind=Post.Kind.REQUEST,
        title="  Suche \u200bLeiter\n ",
        body="Zeile 1\r\n\r\n\r\n\r\nZeile 2\u202e  ",
        category=Post.Category.LENDING,
        expiry_days=14,
    )

    assert post.municipality == village
    assert (post.title, post.body) == ("Suche Leiter", "Zeile 1\n\nZeile 2")
    assert dt.timedelta(days=13, hours=23) < post.expires_at - timezone.now()


def test_photos_are_shrunk_numbered_and_stripped_of_metadata(author):
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"
    exif.get_ifd(0x8825)[2] = (48.0, 48.0, 0.0)

    post = services.post_create(
        author=author,
        kind=Post.Kind.CHAT,
        body="Seht mal",
        photos=[_photo("a.jpg", size=(3200, 800), exif=exif), _photo("b.jpg", size=(40, 30))],
    )

    photos = list(post.photos.order_by("position"))
    assert [(p.position, p.width, p.height) for p in photos] == [(0, 1600, 400), (1, 40, 30)]
    for field in (photos[0].image, photos[0].thumbnail):
        with field.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as image:
            assert image.format == "JPEG"
            assert not image.getexif()
    with photos[0].thumbnail.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as thumb:
        assert thumb.size == (480, 120)


def test_added_photos_continue_after_the_last_position(author):
    post = services.post_create(
        author=author, kind=Post.Kind.CHAT, body="Hallo", photos=[_photo(), _photo()]
    )
    first = post.photos.order_by("position").first()

    services.post_update(
        actor=author,
        post=post,
        body=post.body,
        add_photos=[_photo()],
        remove_photo_ids=[first.pk],
    )

    assert list(post.photos.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_post_update_with_too_many_photos_changes_nothing(author):
    post = PostFactory(author=author, body="Alt")
    PostPhotoFactory.create_batch(3, post=post)

    with pytest.raises(ValidationError) as error:
        services.post_update(actor=author, post=post, body="Neu", add_photos=[_photo(), _photo()])

    assert "photos" in error.value.message_dict
    post.refresh_from_db()
    assert (post.body, post.photos.count()) == ("Alt", 3)


def test_post_delete_removes_photo_files_after_commit(author, django_capture_on_commit_callbacks):
    post = PostFactory(author=author)
    photo = PostPhotoFactory(post=post)
    CommentFactory(post=post)
    storage = storages["private"]
    names = [photo.image.name, photo.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_delete(actor=author, post=post)
    # Until the transaction commits, the files stay: a rollback must not lose them.
    assert all(storage.exists(name) for name in names)
    for callback in callbacks:
        callback()

    assert not any(storage.exists(name) for name in names)
    assert not Post.objects.exists()
    assert not Comment.objects.exists()


# --- Comments and thanks ------------------------------------------------------------------


def test_comment_counter_follows_creates_and_deletes(author, neighbour):
    post = PostFactory(author=author)
    first = services.comment_create(author=neighbour, post=post, body="Eins")
    services.comment_create(author=author, post=post, body="Zwei")
    post.refresh_from_db()
    assert post.comment_count == 2

    services.comment_delete(actor=neighbour, comment=first)
    services.comment_delete(actor=neighbour, comment=first)

    post.refresh_from_db()
    assert post.comment_count == 1


def test_comment_on_a_post_deleted_meanwhile_is_refused_and_not_saved(author, neighbour):
    post = PostFactory(author=author)
    stale = Post.objects.get(pk=post.pk)
    post.delete()

    with pytest.raises(ValidationError):
        services.comment_create(author=neighbour, post=stale, body="Noch da?")

    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "\u200b\u2060", "k" * 2001])
def test_bad_comment_is_refused(author, neighbour, body):
    post = PostFactory(author=author)

    with pytest.raises(ValidationError):
        services.comment_create(author=neighbour, post=post, body=body)

    assert not Comment.objects.exists()


def test_comment_delete_by_someone_else_is_refused(village, author, neighbour):
    comment = CommentFactory(post=PostFactory(author=author), author=neighbour)

    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=UserFactory(home_municipality=village), comment=comment)

    assert Comment.objects.filter(pk=comment.pk).exists()


def test_thanks_toggle_counts_one_per_person(village, author, neighbour):
    post = PostFactory(author=author)
    other = UserFactory(home_municipality=village)

    assert services.thanks_toggle(user=neighbour, post=post) == (True, 1)
    assert services.thanks_toggle(user=other, post=post) == (True, 2)
    assert services.thanks_toggle(user=neighbour, post=post) == (False, 1)
    assert services.thanks_toggle(user=neighbour, post=post) == (True, 2)

    post.refresh_from_db()
    assert post.thanks_count == 2
    assert Thanks.objects.filter(post=post).count() == 2


def test_comment_thanks_do_not_count_for_the_post(author, neighbour):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=author)

    assert services.thanks_toggle(user=neighbour, comment=comment) == (True, 1)

    post.refresh_from_db()
    comment.refresh_from_db()
    assert (post.thanks_count, comment.thanks_count) == (0, 1)


def test_thanks_need_a_readable_post_and_a_confirmed_account(village, author):
    post = PostFactory(author=author)
    far = MunicipalityFactory(latitude=50.1, longitude=8.7)

    for user in (
        UserFactory(home_municipality=far, reading_radius_km=0),
        UserFactory(home_municipality=village, email_confirmed_at=None),
    ):
        with pytest.raises(PermissionDenied):
            services.thanks_toggle(user=user, post=post)

    assert not Thanks.objects.exists()


def test_thanks_need_exactly_one_target(author):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post)

    with pytest.raises(ValueError):
        services.thanks_toggle(user=author, post=post, comment=comment)
    with pytest.raises(ValueError):
        services.thanks_toggle(user=author)


def test_database_allows_one_thanks_per_person_and_post(author, neighbour):
    post = PostFactory(author=author)
    Thanks.objects.create(user=neighbour, post=post)

    with pytest.raises(IntegrityError), transaction.atomic():
        Thanks.objects.create(user=neighbour, post=post)


# --- The scoping helper agrees with itself ------------------------------------------------


@pytest.fixture
def geography():
    a = MunicipalityFactory(slug="ahausen", latitude=48.80, longitude=10.60)
    b = MunicipalityFactory(slug="bebach", latitude=48.85, longitude=10.60)
    c = MunicipalityFactory(slug="cestadt", latitude=50.10, longitude=8.70)
    users = [
        UserFactory(home_municipality=home, reading_radius_km=radius)
        for home in (a, b, c)
        for radius in (0, 3, 10, 30)
    ]
    users.append(UserFactory(home_municipality=None))
    moderator = UserFactory(home_municipality=c, reading_radius_km=0)
    RoleFactory(user=moderator, municipality=b)
    users.append(moderator)
    posts = [
        PostFactory(author=author, scope=scope)
        # The radius-0 resident of each municipality writes one post of each scope.
        for author in users[0:12:4]
        for scope in Post.Scope.values
    ]
    return SimpleNamespace(users=users, posts=posts, a=a, b=b, c=c)


def test_visible_posts_and_can_read_post_give_the_same_answer(geography):
    for user in geography.users:
        reader = fresh(user)
        listed = set(visible_posts(reader).values_list("pk", flat=True))
        for post in geography.posts:
            assert (post.pk in listed) is can_read_post(reader, post), (user, post)


def test_neighbour_reads_only_nearby_posts_of_municipalities_in_reach(geography):
    b_reader = next(
        u
        for u in geography.users
        if u.home_municipality_id == geography.b.pk and u.reading_radius_km == 10
    )

    readable = visible_posts(fresh(b_reader)).exclude(author=b_reader)

    assert {(p.municipality_id, p.scope) for p in readable} == {
        (geography.a.pk, Post.Scope.NEARBY),
        (geography.b.pk, Post.Scope.NEARBY),
        (geography.b.pk, Post.Scope.VILLAGE),
    }


def test_anonymous_and_inactive_users_read_nothing(geography):
    from django.contrib.auth.models import AnonymousUser

    inactive = geography.users[0]
    inactive.is_active = False

    for reader in (AnonymousUser(), inactive):
        assert not visible_posts(reader).exists()
        assert not any(can_read_post(reader, post) for post in geography.posts)


# --- Text rendering of what posts store ---------------------------------------------------

_OUR_TAGS = re.compile(
    r'<br>|<a href="[^"<>]*" rel="nofollow noopener noreferrer ugc" '
    r'target="_blank">|</a>'
)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_rendered_post_text_holds_no_markup_but_our_own(text):
    html = str(render_plain_text(clean_text(text)))

    leftover = _OUR_TAGS.sub("", html)
    assert "<" not in leftover
    assert ">" not in leftover
    assert "\u200b" not in html
