"""REST API of the feed: who may change what, how the feed pages, filters and searches,
what thanks do, and that bad input gets a clear 400 and changes nothing."""

import base64
import datetime as dt
import io
import json
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from apps.posts.models import BODY_MAX, COMMENT_MAX, TITLE_MAX, Comment, Post, PostPhoto, Thanks
from tests.factories import MunicipalityFactory, UserFactory, client_for, moderator_of

from .factories import (
    CommentFactory,
    OfferFactory,
    PostFactory,
    PostPhotoFactory,
    ThanksFactory,
    jpeg_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"
ON_POSTGRES = connection.vendor == "postgresql"


def detail_url(post) -> str:
    return f"{POSTS}{post.pk}/"


def comments_url(post) -> str:
    return f"{POSTS}{post.pk}/comments/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def snapshot() -> tuple[int, int, int, int]:
    return (
        Post.objects.count(),
        Comment.objects.count(),
        PostPhoto.objects.count(),
        Thanks.objects.count(),
    )


def stored_files(path: str = "") -> set[str]:
    storage = storages["private"]
    dirs, files = storage.listdir(path)
    found = {f"{path}/{name}".lstrip("/") for name in files}
    for name in dirs:
        found |= stored_files(f"{path}/{name}".lstrip("/"))
    return found


def _texts(value) -> list:
    """Every message in a DRF error value, however nested (list items come keyed by index)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [value]


def messages(response, field: str) -> list[str]:
    """The error messages of one field; there is at least one and each says something."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    texts = _texts(body[field])
    assert texts and all(isinstance(text, str) and text.strip() for text in texts), body
    return texts


@pytest.fixture
def village():
    return MunicipalityFactory(name="Ahausen", slug="ahausen", latitude=48.80, longitude=10.60)


@pytest.fixture
def far_village():
    return MunicipalityFactory(name="Cestadt", slug="cestadt", latitude=50.10, longitude=8.70)


@pytest.fixture
def author(village):
    return UserFactory(home_municipality=village, reading_radius_km=0)


@pytest.fixture
def neighbour(village):
    return UserFactory(home_municipality=village, reading_radius_km=0)


@pytest.fixture
def stranger(far_village):
    return UserFactory(home_municipality=far_village, reading_radius_km=0)


# --- Permissions for every write ----------------------------------------------------------


def test_author_may_change_own_post(author):
    post = OfferFactory(author=author)

    response = client_for(author).patch(
        detail_url(post), {"title": "Biete Kinderwagen", "status": "reserved"}, format="json"
    )

    assert response.status_code == 200, response.content
    post.refresh_from_db()
    assert (post.title, post.status) == ("Biete Kinderwagen", Post.Status.RESERVED)
    assert post.edited_at is not None


@pytest.mark.parametrize(
    "change",
    [{"title": "Gekapert"}, {"status": "done"}, {"expiry_days": 90}, {"scope": "village"}],
)
def test_reader_who_is_not_the_author_gets_403_on_patch(author, neighbour, change):
    post = OfferFactory(author=author, title="Biete Leiter")

    response = client_for(neighbour).patch(detail_url(post), change, format="json")

    assert response.status_code == 403
    post.refresh_from_db()
    assert (post.title, post.status, post.scope, post.expires_at) == (
        "Biete Leiter",
        Post.Status.OPEN,
        Post.Scope.NEARBY,
        None,
    )


def test_moderator_of_the_village_cannot_edit_a_residents_post(village, author):
    post = PostFactory(author=author, body="Original")

    response = client_for(moderator_of(village)).patch(
        detail_url(post), {"body": "Umgeschrieben"}, format="json"
    )

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body == "Original"


def test_someone_who_cannot_see_the_post_gets_404_on_patch_and_delete(author, stranger):
    post = PostFactory(author=author, body="Original")
    client = client_for(stranger)

    assert client.patch(detail_url(post), {"body": "x"}, format="json").status_code == 404
    assert client.delete(detail_url(post)).status_code == 404
    post.refresh_from_db()
    assert post.body == "Original"


def test_reader_who_is_not_the_author_gets_403_on_delete(author, neighbour):
    post = PostFactory(author=author)

    assert client_for(neighbour).delete(detail_url(post)).status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


def test_author_deletes_post_with_its_comments_thanks_and_photo_files(
    author, neighbour, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author)
    photo = PostPhotoFactory(post=post)
    comment = CommentFactory(post=post, author=neighbour)
    ThanksFactory(user=neighbour, post=post)
    ThanksFactory(user=author, post=None, comment=comment)
    files = {photo.image.name, photo.thumbnail.name}
    assert files <= stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).delete(detail_url(post))

    assert response.status_code == 204
    assert snapshot() == (0, 0, 0, 0)
    assert not files & stored_files()
    assert client_for(author).get(detail_url(post)).status_code == 404
    assert client_for(neighbour).get(comments_url(post)).status_code == 404


def test_comment_is_deleted_by_its_author(author, neighbour):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=neighbour)

    response = client_for(neighbour).delete(f"{comments_url(post)}{comment.pk}/")

    assert response.status_code == 204
    assert not Comment.objects.exists()


def test_post_author_may_delete_any_comment_under_the_post(author, neighbour):
    post = PostFactory(author=author)
    comment = client_for(neighbour).post(comments_url(post), {"body": "Hallo"}, format="json")
    assert comment.status_code == 201
    post.refresh_from_db()
    assert post.comment_count == 1

    response = client_for(author).delete(f"{comments_url(post)}{comment.json()['id']}/")

    assert response.status_code == 204
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_other_reader_cannot_delete_a_comment(village, author, neighbour):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=neighbour)
    third = UserFactory(home_municipality=village)

    response = client_for(third).delete(f"{comments_url(post)}{comment.pk}/")

    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_comment_cannot_be_deleted_through_another_post(author, neighbour):
    post = PostFactory(author=author)
    other_post = PostFactory(author=neighbour)
    comment = CommentFactory(post=post, author=UserFactory(home_municipality=post.municipality))

    # The neighbour is the author of other_post, not of the comment's post.
    response = client_for(neighbour).delete(f"{comments_url(other_post)}{comment.pk}/")

    assert response.status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_stranger_gets_404_when_deleting_a_comment_they_cannot_see(author, stranger):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=author)

    assert client_for(stranger).delete(f"{comments_url(post)}{comment.pk}/").status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_no_one_can_comment_on_a_deleted_post(author, neighbour):
    post = PostFactory(author=author)
    url = comments_url(post)
    assert client_for(author).delete(detail_url(post)).status_code == 204

    for person in (author, neighbour):
        response = client_for(person).post(url, {"body": "Noch da?"}, format="json")
        assert response.status_code == 404
    assert not Comment.objects.exists()


def test_user_without_home_municipality_cannot_post():
    homeless = UserFactory(home_municipality=None)

    response = client_for(homeless).post(POSTS, {"kind": "chat", "body": "Hallo"}, format="json")

    assert response.status_code == 403
    assert snapshot() == (0, 0, 0, 0)


def test_user_with_unconfirmed_email_cannot_post_comment_or_thank(village, author):
    post = PostFactory(author=author)
    unconfirmed = UserFactory(home_municipality=village, email_confirmed_at=None)
    client = client_for(unconfirmed)

    assert client.get(detail_url(post)).status_code == 200
    assert client.post(POSTS, {"kind": "chat", "body": "Hallo"}, format="json").status_code == 403
    assert client.post(comments_url(post), {"body": "Hallo"}, format="json").status_code == 403
    assert client.post(f"{detail_url(post)}thanks/").status_code == 403
    assert snapshot() == (1, 0, 0, 0)


def test_moderator_without_home_municipality_reads_but_cannot_comment(village, author):
    post = PostFactory(author=author)
    moderator = moderator_of(village)
    moderator.home_municipality = None
    moderator.save(update_fields=["home_municipality"])
    client = client_for(moderator)

    assert client.get(detail_url(post)).status_code == 200
    assert client.post(comments_url(post), {"body": "Hallo"}, format="json").status_code == 403
    assert not Comment.objects.exists()


def test_new_post_lands_in_the_authors_home_municipality(author, village, far_village):
    response = client_for(author).post(
        POSTS, {"kind": "chat", "body": "Hallo", "municipality": far_village.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["municipality"]["slug"] == village.slug
    assert Post.objects.get().municipality == village


# --- Feed: order, pages, cursors ----------------------------------------------------------


def test_feed_is_newest_first(author):
    old, new = PostFactory(author=author), PostFactory(author=author)
    Post.objects.filter(pk=new.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    newest = PostFactory(author=author)

    assert ids(client_for(author).get(POSTS)) == [newest.pk, old.pk, new.pk]


def _walk(client, params: dict) -> list[list[int]]:
    pages, cursor = [], None
    for _round in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(POSTS, query)
        pages.append(ids(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages
    raise AssertionError("the cursor never ended")


def _expected_order() -> list[int]:
    return list(Post.objects.order_by("-created_at", "-id").values_list("id", flat=True))


def _with_tied_times(posts, per_group: int) -> None:
    """Give groups of posts identical created_at, some on a whole second, some not."""
    base = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    for index, post in enumerate(posts):
        group = index // per_group
        moment = base - dt.timedelta(minutes=group, microseconds=1500 * (group % 2))
        Post.objects.filter(pk=post.pk).update(created_at=moment)


def test_cursor_pages_return_every_post_once_in_order_even_with_identical_times(author):
    posts = PostFactory.create_batch(45, author=author)
    _with_tied_times(posts, per_group=3)

    pages = _walk(client_for(author), {"limit": 20})

    assert [len(page) for page in pages] == [20, 20, 5]
    walked = [pk for page in pages for pk in page]
    assert walked == _expected_order()
    assert len(set(walked)) == 45


def test_cursor_pages_are_exact_when_every_post_has_the_same_time(author):
    posts = PostFactory.create_batch(25, author=author)
    Post.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))

    walked = [pk for page in _walk(client_for(author), {"limit": 7}) for pk in page]

    assert walked == sorted((p.pk for p in posts), reverse=True)


def test_search_results_page_through_every_match_once(author):
    posts = PostFactory.create_batch(
        23, author=author, body="Wer hat einen Anhänger für das Fahrrad?"
    )
    PostFactory(author=author, body="Ganz etwas anderes")
    _with_tied_times(posts, per_group=4)

    pages = _walk(client_for(author), {"q": "Fahrrad", "limit": 5})

    walked = [pk for page in pages for pk in page]
    assert sorted(walked) == sorted(p.pk for p in posts)
    assert len(walked) == len(set(walked))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(value) -> str:
    return _b64(json.dumps(value).encode())


NOW = "2025-03-01T10:00:00+00:00"
BAD_CURSORS = {
    "garbage": "!!!kein-cursor!!!",
    "umlauts": "Grüße",
    "not_base64_json": _b64(b"hello world"),
    "invalid_utf8": _b64(b"\xff\xfe\xfd"),
    "object": _cursor({"created": NOW, "id": 1}),
    "string": _cursor("2025-03-01"),
    "number": _cursor(5),
    "null": _cursor(None),
    "empty_list": _cursor([]),
    "too_long_list": _cursor([NOW, 1, 2, 3]),
    "wrong_order": _cursor([1, NOW]),
    "id_as_string": _cursor([NOW, "1"]),
    "id_as_bool": _cursor([NOW, True]),
    "id_as_float": _cursor([NOW, 1.5]),
    "id_null": _cursor([NOW, None]),
    "time_as_number": _cursor([1740823200, 1]),
    "time_not_a_date": _cursor(["gestern", 1]),
    "naive_time": _cursor(["2025-03-01T10:00:00", 1]),
    "time_before_year_one_in_utc": _cursor(["0001-01-01T00:00:00+05:00", 1]),
    "time_after_9999_in_utc": _cursor(["9999-12-31T23:59:59-05:00", 1]),
    "nan_and_infinity": _b64(b"[NaN, Infinity]"),
    "very_long": "A" * 5000,
}


@pytest.mark.parametrize("cursor", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
@pytest.mark.parametrize("query", ["", "Fahrrad"], ids=["feed", "search"])
def test_malformed_cursor_is_a_400_never_a_500(author, cursor, query):
    PostFactory.create_batch(3, author=author, body="Fahrrad zu verschenken")
    client = client_for(author)
    client.raise_request_exception = False

    response = client.get(POSTS, {"cursor": cursor, "q": query})

    assert response.status_code == 400, response.content
    assert response.json()["cursor"]


# Well-formed but never issued by us: refused or answered, but never a server error.
ODD_CURSORS = {
    "id_beyond_bigint": [NOW, 10**30],
    "id_negative_huge": [NOW, -(10**30)],
    "id_zero": [NOW, 0],
    "far_future": ["9999-12-31T23:59:59+00:00", 1],
    "far_past": ["0001-01-01T00:00:00+00:00", 1],
    "time_with_trailing_nul": [NOW + "\u0000", 1],
    "time_with_offset": ["2025-03-01T10:00:00+14:00", 1],
}


@pytest.mark.parametrize("values", list(ODD_CURSORS.values()), ids=list(ODD_CURSORS))
def test_odd_but_well_formed_cursor_never_causes_a_500(author, values):
    PostFactory.create_batch(3, author=author)
    client = client_for(author)
    client.raise_request_exception = False

    response = client.get(POSTS, {"cursor": _cursor(values)})

    assert response.status_code in (200, 400), response.content


def test_cursor_from_the_far_future_pages_from_the_start(author):
    posts = PostFactory.create_batch(3, author=author)

    response = client_for(author).get(
        POSTS, {"cursor": _cursor(["9999-12-31T23:59:59+00:00", 10**9])}
    )

    assert ids(response) == sorted((p.pk for p in posts), reverse=True)


BAD_RANKED_CURSORS = {
    "rank_as_string": ["0.5", NOW, 1],
    "rank_as_bool": [True, NOW, 1],
    "rank_null": [None, NOW, 1],
    "naive_time": [0.5, "2025-03-01T10:00:00", 1],
    "id_as_string": [0.5, NOW, "1"],
    "two_values": [NOW, 1],
    "time_before_year_one_in_utc": [0.5, "0001-01-01T00:00:00+05:00", 1],
    "time_after_9999_in_utc": [0.5, "9999-12-31T23:59:59-05:00", 1],
}


@pytest.mark.skipif(not ON_POSTGRES, reason="ranked search cursors exist only on PostgreSQL")
@pytest.mark.parametrize("values", list(BAD_RANKED_CURSORS.values()), ids=list(BAD_RANKED_CURSORS))
def test_malformed_search_cursor_on_postgresql_is_a_400(author, values):
    PostFactory.create_batch(3, author=author, body="Fahrrad zu verschenken")

    response = client_for(author).get(POSTS, {"cursor": _cursor(values), "q": "Fahrrad"})

    assert response.status_code == 400, response.content
    assert response.json()["cursor"]


@pytest.mark.skipif(not ON_POSTGRES, reason="ranked search cursors exist only on PostgreSQL")
@pytest.mark.parametrize("raw", [b'[NaN, "%s", 1]', b'[Infinity, "%s", 1]', b'[-1e308, "%s", 1]'])
def test_odd_search_cursor_on_postgresql_never_causes_a_500(author, raw):
    PostFactory.create_batch(3, author=author, body="Fahrrad zu verschenken")
    client = client_for(author)
    client.raise_request_exception = False

    response = client.get(POSTS, {"cursor": _b64(raw % NOW.encode()), "q": "Fahrrad"})

    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "zwanzig"),
        ("limit", "1.5"),
        ("kind", "sale"),
        ("category", "cars"),
    ],
)
def test_malformed_feed_parameter_is_a_400(author, param, value):
    PostFactory(author=author)

    response = client_for(author).get(POSTS, {param: value})

    assert messages(response, param)


@pytest.mark.parametrize(
    "params",
    [
        {"municipality": "ahau\x00sen"},
        {"q": "Fahr\x00rad"},
        {"kind": "chat\x00"},
        {"only_home": "\x00"},
        {"limit": "\x00"},
    ],
    ids=["municipality", "q", "kind", "only_home", "limit"],
)
def test_nul_characters_in_feed_parameters_never_cause_a_500(author, params):
    PostFactory(author=author, body="Fahrrad")
    client = client_for(author)
    client.raise_request_exception = False

    response = client.get(POSTS, params)

    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize(("limit", "expected"), [("0", 1), ("-5", 1), ("500", 50), ("3", 3)])
def test_page_size_is_kept_between_1_and_50(author, limit, expected):
    PostFactory.create_batch(55, author=author)

    assert len(ids(client_for(author).get(POSTS, {"limit": limit}))) == expected


def test_done_post_leaves_the_feed_but_stays_readable_by_link(author, neighbour):
    post = OfferFactory(author=author)
    assert (
        client_for(author).patch(detail_url(post), {"status": "done"}, format="json").status_code
        == 200
    )

    client = client_for(neighbour)
    assert post.pk not in ids(client.get(POSTS))
    response = client.get(detail_url(post))
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["in_feed"] is False


def test_expired_post_leaves_the_feed_but_stays_readable_by_link(author, neighbour):
    post = OfferFactory(author=author, expires_at=timezone.now() - dt.timedelta(minutes=1))
    live = OfferFactory(author=author, expires_at=timezone.now() + dt.timedelta(days=1))
    client = client_for(neighbour)

    assert ids(client.get(POSTS)) == [live.pk]
    response = client.get(detail_url(post))
    assert response.status_code == 200
    assert response.json()["in_feed"] is False
    assert client.get(detail_url(live)).json()["in_feed"] is True


def test_extending_an_expired_post_brings_it_back_into_the_feed(author, neighbour):
    post = OfferFactory(author=author, expires_at=timezone.now() - dt.timedelta(days=1))
    post.archived_at = timezone.now()
    post.save(update_fields=["archived_at"])
    client = client_for(neighbour)
    assert post.pk not in ids(client.get(POSTS))

    response = client_for(author).patch(detail_url(post), {"expiry_days": 14}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["in_feed"] is True
    assert post.pk in ids(client.get(POSTS))
    post.refresh_from_db()
    assert post.archived_at is None
    remaining = post.expires_at - timezone.now()
    assert dt.timedelta(days=13, hours=23) < remaining <= dt.timedelta(days=14)


def test_created_offer_expires_after_the_chosen_days_and_chat_never(author):
    client = client_for(author)
    offer = client.post(
        POSTS,
        {
            "kind": "offer",
            "title": "Biete Äpfel",
            "category": "giveaway",
            "body": "Ganzer Korb",
            "expiry_days": 7,
        },
        format="json",
    )
    default = client.post(
        POSTS,
        {"kind": "request", "title": "Suche Leiter", "category": "lending", "body": "Kurz"},
        format="json",
    )
    chat = client.post(POSTS, {"kind": "chat", "body": "Schönes Wetter"}, format="json")

    assert (offer.status_code, default.status_code, chat.status_code) == (201, 201, 201)
    now = timezone.now()
    for response, days in ((offer, 7), (default, 30)):
        expires = Post.objects.get(pk=response.json()["id"]).expires_at
        assert dt.timedelta(days=days) - dt.timedelta(minutes=1) < expires - now
        assert expires - now <= dt.timedelta(days=days)
    assert chat.json()["expires_at"] is None


@pytest.fixture
def mixed_feed(village, far_village):
    near = MunicipalityFactory(name="Bebach", slug="bebach", latitude=48.85, longitude=10.60)
    reader = UserFactory(home_municipality=village, reading_radius_km=10)
    home_author = UserFactory(home_municipality=village)
    near_author = UserFactory(home_municipality=near)
    return {
        "reader": reader,
        "chat": PostFactory(author=home_author),
        "offer_giveaway": OfferFactory(author=home_author, category=Post.Category.GIVEAWAY),
        "request_rides": OfferFactory(
            author=near_author, kind=Post.Kind.REQUEST, category=Post.Category.RIDES
        ),
        "near_chat": PostFactory(author=near_author),
        "far_chat": PostFactory(author=UserFactory(home_municipality=far_village)),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"chat", "offer_giveaway", "request_rides", "near_chat"}),
        ({"kind": "chat"}, {"chat", "near_chat"}),
        ({"kind": "offer"}, {"offer_giveaway"}),
        ({"kind": "request"}, {"request_rides"}),
        ({"category": "rides"}, {"request_rides"}),
        ({"kind": "offer", "category": "rides"}, set()),
        ({"only_home": "true"}, {"chat", "offer_giveaway"}),
        ({"only_home": "false"}, {"chat", "offer_giveaway", "request_rides", "near_chat"}),
        ({"municipality": "bebach"}, {"request_rides", "near_chat"}),
        ({"municipality": "cestadt"}, set()),
        ({"municipality": "gibt-es-nicht"}, set()),
    ],
)
def test_feed_filters(mixed_feed, params, expected):
    listed = ids(client_for(mixed_feed["reader"]).get(POSTS, params))

    assert set(listed) == {mixed_feed[name].pk for name in expected}
    assert len(listed) == len(expected)


# --- Constant queries per page ------------------------------------------------------------


def test_feed_page_costs_the_same_queries_whatever_its_size(village, author):
    reader = UserFactory(home_municipality=village, reading_radius_km=10)
    commenter = UserFactory(home_municipality=village)
    for index in range(55):
        post = PostFactory(author=UserFactory(home_municipality=village), body=f"Post {index}")
        PostPhotoFactory.create_batch(2, post=post)
        comment = CommentFactory(post=post, author=commenter)
        ThanksFactory(user=reader, post=post)
        ThanksFactory(user=commenter, post=post)
        ThanksFactory(user=reader, post=None, comment=comment)
    client = client_for(reader)

    def page_queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(POSTS, {"limit": limit})
        results = response.json()["results"]
        assert len(results) == limit
        assert all(len(item["photos"]) == 2 and item["thanked"] for item in results)
        return len(queries)

    small, large = page_queries(5), page_queries(50)

    assert small == large
    assert large <= 10


def test_search_page_costs_the_same_queries_whatever_its_size(village, author):
    for index in range(55):
        post = PostFactory(author=UserFactory(home_municipality=village), body=f"Fahrrad {index}")
        PostPhotoFactory(post=post)
    client = client_for(author)

    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(client.get(POSTS, {"limit": limit, "q": "Fahrrad"}))) == limit
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Thanks -------------------------------------------------------------------------------


def test_thanks_toggles_and_counts_one_per_person(village, author, neighbour):
    post = PostFactory(author=author)
    url = f"{detail_url(post)}thanks/"
    other = UserFactory(home_municipality=village)

    first = client_for(neighbour).post(url)
    assert first.json() == {"thanked": True, "thanks_count": 1}
    second = client_for(other).post(url)
    assert second.json() == {"thanked": True, "thanks_count": 2}
    assert client_for(neighbour).get(detail_url(post)).json()["thanked"] is True
    assert client_for(author).get(detail_url(post)).json()["thanked"] is False
    assert ids(client_for(neighbour).get(POSTS)) == [post.pk]
    assert client_for(neighbour).get(POSTS).json()["results"][0]["thanks_count"] == 2

    back = client_for(neighbour).post(url)

    assert back.json() == {"thanked": False, "thanks_count": 1}
    assert client_for(neighbour).get(detail_url(post)).json()["thanked"] is False
    post.refresh_from_db()
    assert post.thanks_count == 1
    assert list(Thanks.objects.values_list("user_id", flat=True)) == [other.pk]


def test_comment_thanks_toggle_and_count(village, author, neighbour):
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=author)
    url = f"{comments_url(post)}{comment.pk}/thanks/"
    other = UserFactory(home_municipality=village)

    assert client_for(neighbour).post(url).json() == {"thanked": True, "thanks_count": 1}
    assert client_for(other).post(url).json() == {"thanked": True, "thanks_count": 2}
    listed = client_for(other).get(comments_url(post)).json()
    assert listed[0]["thanks_count"] == 2
    assert listed[0]["thanked"] is True
    assert client_for(other).post(url).json() == {"thanked": False, "thanks_count": 1}
    comment.refresh_from_db()
    assert comment.thanks_count == 1
    post.refresh_from_db()
    assert post.thanks_count == 0


def test_thanks_for_a_missing_comment_is_404(author):
    post = PostFactory(author=author)

    response = client_for(author).post(f"{comments_url(post)}999999/thanks/")

    assert response.status_code == 404
    assert not Thanks.objects.exists()


def test_comments_are_listed_oldest_first_and_counted(author, neighbour):
    post = PostFactory(author=author)
    first = client_for(neighbour).post(comments_url(post), {"body": "Erster"}, format="json")
    second = client_for(author).post(comments_url(post), {"body": "Zweiter"}, format="json")

    listed = client_for(neighbour).get(comments_url(post)).json()

    assert [c["id"] for c in listed] == [first.json()["id"], second.json()["id"]]
    assert client_for(neighbour).get(detail_url(post)).json()["comment_count"] == 2


# --- Bad input: create --------------------------------------------------------------------

VALID_OFFER = {"kind": "offer", "title": "Biete Holz", "category": "giveaway", "body": "Ein Ster"}

BAD_CREATE = {
    "missing_kind": ({"body": "Hallo"}, "kind"),
    "unknown_kind": ({**VALID_OFFER, "kind": "sale"}, "kind"),
    "kind_number": ({**VALID_OFFER, "kind": 1}, "kind"),
    "kind_null": ({**VALID_OFFER, "kind": None}, "kind"),
    "unknown_category": ({**VALID_OFFER, "category": "cars"}, "category"),
    "category_list": ({**VALID_OFFER, "category": ["giveaway"]}, "category"),
    "unknown_scope": ({**VALID_OFFER, "scope": "world"}, "scope"),
    "scope_null": ({**VALID_OFFER, "scope": None}, "scope"),
    "offer_without_title": ({**VALID_OFFER, "title": ""}, "title"),
    "offer_title_only_spaces": ({**VALID_OFFER, "title": "   "}, "title"),
    "offer_title_only_zero_width": ({**VALID_OFFER, "title": "\u200b\u200d\ufeff"}, "title"),
    "offer_without_category": ({**VALID_OFFER, "category": ""}, "category"),
    "request_without_title": (
        {"kind": "request", "category": "rides", "body": "Wer fährt?"},
        "title",
    ),
    "request_without_category": (
        {"kind": "request", "title": "Mitfahrt", "body": "Wer fährt?"},
        "category",
    ),
    "title_too_long": ({**VALID_OFFER, "title": "T" * (TITLE_MAX + 1)}, "title"),
    "title_far_too_long": ({**VALID_OFFER, "title": "T" * 100_000}, "title"),
    "title_object": ({**VALID_OFFER, "title": {"de": "Holz"}}, "title"),
    "title_null": ({**VALID_OFFER, "title": None}, "title"),
    "body_too_long": ({**VALID_OFFER, "body": "b" * (BODY_MAX + 1)}, "body"),
    "body_far_too_long": ({**VALID_OFFER, "body": "b" * 200_000}, "body"),
    "body_missing": ({"kind": "chat"}, "body"),
    "body_empty": ({"kind": "chat", "body": ""}, "body"),
    "body_only_whitespace": ({"kind": "chat", "body": " \n\t \r\n "}, "body"),
    "body_only_zero_width": ({"kind": "chat", "body": "\u200b\u200b\u200b"}, "body"),
    "body_only_invisible_mix": ({"kind": "chat", "body": "\u200b\u202e\u2066\ufeff\n"}, "body"),
    "body_only_control_chars": ({"kind": "chat", "body": "\x01\x07\x1b\x7f"}, "body"),
    "body_null": ({"kind": "chat", "body": None}, "body"),
    "body_list": ({"kind": "chat", "body": ["Hallo"]}, "body"),
    "body_object": ({"kind": "chat", "body": {"text": "Hallo"}}, "body"),
    "body_bool": ({"kind": "chat", "body": True}, "body"),
    "expiry_5": ({**VALID_OFFER, "expiry_days": 5}, "expiry_days"),
    "expiry_abc": ({**VALID_OFFER, "expiry_days": "abc"}, "expiry_days"),
    "expiry_negative": ({**VALID_OFFER, "expiry_days": -30}, "expiry_days"),
    "expiry_bool": ({**VALID_OFFER, "expiry_days": True}, "expiry_days"),
    "expiry_float": ({**VALID_OFFER, "expiry_days": 7.5}, "expiry_days"),
    "expiry_list": ({**VALID_OFFER, "expiry_days": [7]}, "expiry_days"),
}


@pytest.mark.parametrize(("payload", "field"), list(BAD_CREATE.values()), ids=list(BAD_CREATE))
def test_bad_create_input_is_a_400_and_saves_nothing(author, payload, field):
    response = client_for(author).post(POSTS, payload, format="json")

    assert messages(response, field)
    assert snapshot() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "raw",
    ['["kind", "chat"]', '"Hallo"', "42", "null", '{"kind": "chat", "body": ', "\x00"],
    ids=["array", "string", "number", "null", "truncated", "nul"],
)
def test_create_with_a_json_body_that_is_not_an_object_is_a_400(author, raw):
    response = client_for(author).post(POSTS, raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()
    assert snapshot() == (0, 0, 0, 0)


def test_chat_ignores_a_category(author):
    response = client_for(author).post(
        POSTS, {"kind": "chat", "body": "Hallo", "category": "rides"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["category"] == ""
    assert Post.objects.get().category == ""


def test_title_and_body_at_their_limits_are_accepted(author):
    payload = {**VALID_OFFER, "title": "T" * TITLE_MAX, "body": "b" * BODY_MAX}

    response = client_for(author).post(POSTS, payload, format="json")

    assert response.status_code == 201, response.content
    post = Post.objects.get()
    assert (len(post.title), len(post.body)) == (TITLE_MAX, BODY_MAX)


def test_script_tags_are_kept_as_text_and_rendered_escaped(author, neighbour):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> https://example.org/a?b=<c>'
    response = client_for(author).post(
        POSTS, {**VALID_OFFER, "title": "<b>Holz</b>", "body": hostile}, format="json"
    )

    assert response.status_code == 201, response.content
    html = client_for(neighbour).get(detail_url(Post.objects.get())).json()["body_html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org/a?b=" rel="nofollow noopener noreferrer ugc"' in html
    assert Post.objects.get().body == hostile


def test_invisible_and_control_characters_are_removed_from_text(author):
    response = client_for(author).post(
        POSTS,
        {"kind": "chat", "title": "Hal\u200blo\u202e", "body": "Ha\u200bllo\x07 Welt\u2066"},
        format="json",
    )

    assert response.status_code == 201, response.content
    post = Post.objects.get()
    assert (post.title, post.body) == ("Hallo", "Hallo Welt")


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "chat", "body": "Hallo\x00Welt"},
        {"kind": "chat", "body": "Hallo", "title": "\x00"},
        {"kind\x00": "chat", "body": "Hallo"},
    ],
    ids=["body", "title", "key"],
)
def test_nul_character_in_a_new_post_is_a_400_and_saves_nothing(author, payload):
    response = client_for(author).post(POSTS, payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert snapshot() == (0, 0, 0, 0)


def test_line_breaks_and_links_survive_into_body_html(author):
    response = client_for(author).post(
        POSTS, {"kind": "chat", "body": "Zeile 1\nZeile 2 www.example.org."}, format="json"
    )

    html = response.json()["body_html"]
    assert "Zeile 1<br>" in html
    assert '<a href="https://www.example.org"' in html


# --- Bad input: photos --------------------------------------------------------------------


def _upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size, with a tiny, incomplete image body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _too_large_jpeg() -> bytes:
    """A real JPEG start padded past the limit: cheap to build, too big to accept."""
    return jpeg_bytes()[:-2] + b"\x00" * (settings.POST_PHOTO_MAX_BYTES + 1)


BAD_PHOTOS = {
    "text_file": lambda: [_upload("brief.jpg", b"Liebe Nachbarn, ...", "text/plain")],
    "html_file": lambda: [_upload("x.png", b"<html><script>alert(1)</script>", "image/png")],
    "truncated_jpeg": lambda: [_upload("halb.jpg", jpeg_bytes((400, 300))[:400])],
    "empty_file": lambda: [_upload("leer.jpg", b"")],
    "too_many_bytes": lambda: [_upload("riesig.jpg", _too_large_jpeg())],
    "decompression_bomb": lambda: [_upload("bomb.png", _png_declaring(100_000, 100_000))],
    "too_many_pixels": lambda: [_upload("gross.png", _png_declaring(8_000, 6_000))],
    "svg": lambda: [
        _upload("bild.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")
    ],
    "five_photos": lambda: [_upload(f"foto{n}.jpg", jpeg_bytes()) for n in range(5)],
    "one_good_one_bad": lambda: [
        _upload("gut.jpg", jpeg_bytes()),
        _upload("schlecht.jpg", b"kein Bild"),
    ],
}


@pytest.mark.parametrize("make_files", list(BAD_PHOTOS.values()), ids=list(BAD_PHOTOS))
def test_hostile_photo_upload_is_a_400_and_saves_nothing(author, make_files):
    files_before = stored_files()
    payload = {"kind": "chat", "body": "Seht mal", "photos": make_files()}

    response = client_for(author).post(POSTS, payload, format="multipart")

    assert messages(response, "photos")
    assert snapshot() == (0, 0, 0, 0)
    assert stored_files() == files_before


def test_valid_photos_are_stored_with_a_thumbnail_and_served_to_readers(author, neighbour):
    photos = [
        _upload("a.jpg", jpeg_bytes((2400, 1200))),
        _upload("b.png", png_bytes(), "image/png"),
    ]

    response = client_for(author).post(
        POSTS, {"kind": "chat", "body": "Seht mal", "photos": photos}, format="multipart"
    )

    assert response.status_code == 201, response.content
    served = response.json()["photos"]
    assert [(p["width"], p["height"]) for p in served] == [(1600, 800), (16, 16)]
    thumb = client_for(neighbour).get(served[0]["thumbnail_url"])
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 480


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 48.0, 0.0)
    gps[3] = "E"
    gps[4] = (10.0, 36.0, 0.0)
    data = jpeg_bytes((64, 48), exif=exif)
    with Image.open(io.BytesIO(data)) as probe:
        assert probe.getexif().get_ifd(0x8825), "the test photo must carry GPS data"
    return data


def test_photo_with_gps_data_is_accepted_and_stored_without_exif(author):
    response = client_for(author).post(
        POSTS,
        {"kind": "chat", "body": "Vom Feld", "photos": [_upload("gps.jpg", _jpeg_with_gps())]},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    photo = PostPhoto.objects.get()
    for field in (photo.image, photo.thumbnail):
        with field.open("rb") as handle:
            raw = handle.read()
        assert b"Kamerahersteller" not in raw
        with Image.open(io.BytesIO(raw)) as stored:
            assert not stored.getexif()
            assert "exif" not in stored.info


@pytest.fixture
def post_with_photos(author):
    def make(count: int) -> Post:
        post = PostFactory(author=author)
        PostPhotoFactory.create_batch(count, post=post)
        return post

    return make


@pytest.mark.parametrize(("existing", "adding"), [(4, 1), (3, 2), (0, 5)])
def test_patch_adding_photos_beyond_four_is_a_400(author, post_with_photos, existing, adding):
    post = post_with_photos(existing)
    before, files_before = snapshot(), stored_files()
    photos = [_upload(f"neu{n}.jpg", jpeg_bytes()) for n in range(adding)]

    response = client_for(author).patch(
        detail_url(post), {"photos": photos, "body": "Neu"}, format="multipart"
    )

    assert messages(response, "photos")
    assert snapshot() == before
    assert stored_files() == files_before
    post.refresh_from_db()
    assert post.body != "Neu"


def test_patch_may_replace_a_photo_when_at_the_limit(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post = post_with_photos(4)
    removed = post.photos.first()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).patch(
            detail_url(post),
            {"photos": [_upload("neu.jpg", jpeg_bytes())], "remove_photo_ids": [removed.pk]},
            format="multipart",
        )

    assert response.status_code == 200, response.content
    assert post.photos.count() == 4
    assert not post.photos.filter(pk=removed.pk).exists()
    assert removed.image.name not in stored_files()


def test_patch_cannot_remove_photos_of_another_post(author, post_with_photos):
    post = post_with_photos(1)
    other = PostPhotoFactory(post=PostFactory(author=UserFactory()))

    response = client_for(author).patch(
        detail_url(post), {"remove_photo_ids": [other.pk]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert PostPhoto.objects.filter(pk=other.pk).exists()


# --- Bad input: PATCH ---------------------------------------------------------------------

BAD_PATCH = {
    "unknown_status": ("offer", {"status": "lost"}, "status"),
    "status_on_chat": ("chat", {"status": "done"}, "status"),
    "status_null": ("offer", {"status": None}, "status"),
    "unknown_scope": ("offer", {"scope": "world"}, "scope"),
    "unknown_category": ("offer", {"category": "cars"}, "category"),
    "empty_category_on_offer": ("offer", {"category": ""}, "category"),
    "empty_title_on_offer": ("offer", {"title": ""}, "title"),
    "title_too_long": ("offer", {"title": "T" * (TITLE_MAX + 1)}, "title"),
    "title_list": ("offer", {"title": ["a"]}, "title"),
    "body_empty": ("chat", {"body": ""}, "body"),
    "body_zero_width": ("chat", {"body": "\u200b"}, "body"),
    "body_too_long": ("chat", {"body": "b" * (BODY_MAX + 1)}, "body"),
    "body_null": ("chat", {"body": None}, "body"),
    "body_object": ("chat", {"body": {"a": 1}}, "body"),
    "expiry_5": ("offer", {"expiry_days": 5}, "expiry_days"),
    "expiry_abc": ("offer", {"expiry_days": "abc"}, "expiry_days"),
    "expiry_on_chat": ("chat", {"expiry_days": 7}, "expiry_days"),
    "remove_photo_ids_words": ("chat", {"remove_photo_ids": ["eins"]}, "remove_photo_ids"),
    "remove_photo_ids_not_list": ("chat", {"remove_photo_ids": 5}, "remove_photo_ids"),
    "valid_body_with_status_on_chat": ("chat", {"body": "Geändert", "status": "done"}, "status"),
    "valid_body_with_expiry_on_chat": (
        "chat",
        {"body": "Geändert", "expiry_days": 7},
        "expiry_days",
    ),
    "valid_status_with_bad_title": ("offer", {"status": "done", "title": ""}, "title"),
}


@pytest.mark.parametrize(
    ("kind", "payload", "field"), list(BAD_PATCH.values()), ids=list(BAD_PATCH)
)
def test_bad_patch_input_is_a_400_and_changes_nothing(author, kind, payload, field):
    factory = OfferFactory if kind == "offer" else PostFactory
    post = factory(author=author, body="Unverändert")
    columns = ["title", "body", "category", "status", "scope", "expires_at", "edited_at"]
    before = Post.objects.filter(pk=post.pk).values(*columns).get()

    response = client_for(author).patch(detail_url(post), payload, format="json")

    assert messages(response, field)
    assert Post.objects.filter(pk=post.pk).values(*columns).get() == before


def test_patch_with_a_photo_and_an_invalid_status_stores_no_file(author):
    post = PostFactory(author=author)
    files_before = stored_files()

    response = client_for(author).patch(
        detail_url(post),
        {"photos": [_upload("neu.jpg", jpeg_bytes())], "status": "done"},
        format="multipart",
    )

    assert messages(response, "status")
    assert not PostPhoto.objects.exists()
    assert stored_files() == files_before


@pytest.mark.parametrize("raw", ['["body", "x"]', '"x"', "7"], ids=["array", "string", "number"])
def test_patch_with_a_json_body_that_is_not_an_object_is_a_400(author, raw):
    post = PostFactory(author=author, body="Unverändert")

    response = client_for(author).patch(detail_url(post), raw, content_type="application/json")

    assert response.status_code == 400
    post.refresh_from_db()
    assert post.body == "Unverändert"


# --- Bad input: comments ------------------------------------------------------------------

BAD_COMMENT = {
    "missing": {},
    "empty": {"body": ""},
    "whitespace": {"body": "  \n\t "},
    "zero_width": {"body": "\u200b\u200c\u200d"},
    "too_long": {"body": "k" * (COMMENT_MAX + 1)},
    "far_too_long": {"body": "k" * 100_000},
    "null": {"body": None},
    "list": {"body": ["Hallo"]},
    "object": {"body": {"text": "Hallo"}},
    "bool": {"body": False},
}


@pytest.mark.parametrize("payload", list(BAD_COMMENT.values()), ids=list(BAD_COMMENT))
def test_bad_comment_is_a_400_and_saves_nothing(author, neighbour, payload):
    post = PostFactory(author=author)

    response = client_for(neighbour).post(comments_url(post), payload, format="json")

    assert messages(response, "body")
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


@pytest.mark.parametrize("raw", ['["Hallo"]', '"Hallo"'], ids=["array", "string"])
def test_comment_with_a_json_body_that_is_not_an_object_is_a_400(author, neighbour, raw):
    post = PostFactory(author=author)

    response = client_for(neighbour).post(comments_url(post), raw, content_type="application/json")

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_comment_at_the_limit_is_accepted_and_cleaned(author, neighbour):
    post = PostFactory(author=author)

    response = client_for(neighbour).post(
        comments_url(post), {"body": "\u200b" + "k" * COMMENT_MAX}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Comment.objects.get().body == "k" * COMMENT_MAX


# --- Search -------------------------------------------------------------------------------


@pytest.mark.skipif(not ON_POSTGRES, reason="German full-text search runs only on PostgreSQL")
@pytest.mark.parametrize(
    ("stored", "query"),
    [("Fahrrad", "Fahrräder"), ("Fahrräder", "Fahrrad"), ("Katze", "Katzen")],
)
def test_postgresql_search_finds_other_forms_of_a_german_word(author, stored, query):
    match = PostFactory(author=author, body=f"Wer repariert mein {stored}?")
    PostFactory(author=author, body="Wer mäht meinen Rasen?")

    assert ids(client_for(author).get(POSTS, {"q": query})) == [match.pk]


@pytest.mark.skipif(not ON_POSTGRES, reason="German full-text ranking runs only on PostgreSQL")
def test_postgresql_search_ranks_a_title_match_above_a_body_only_match(author):
    title_match = OfferFactory(author=author, title="Kinderwagen", body="Gut erhalten")
    body_match = OfferFactory(author=author, title="Biete", body="Ein Kinderwagen, gut erhalten")
    Post.objects.filter(pk=title_match.pk).update(created_at=timezone.now() - dt.timedelta(days=3))

    assert ids(client_for(author).get(POSTS, {"q": "Kinderwagen"})) == [
        title_match.pk,
        body_match.pk,
    ]


@pytest.mark.skipif(not ON_POSTGRES, reason="websearch syntax exists only on PostgreSQL")
@pytest.mark.parametrize(
    "query", ['"', "&|!():*", "-", "a & | b", "' OR 1=1 --", "\\", "<->", "Fahrrad:*"]
)
def test_postgresql_search_survives_operator_characters(author, query):
    PostFactory(author=author, body="Fahrrad")

    assert client_for(author).get(POSTS, {"q": query}).status_code == 200


@pytest.mark.skipif(ON_POSTGRES, reason="the substring fallback runs only off PostgreSQL")
def test_fallback_search_finds_substrings_in_title_and_body(author):
    in_body = PostFactory(author=author, body="Biete Fahrradanhänger")
    in_title = OfferFactory(author=author, title="FAHRRAD", body="gut")
    PostFactory(author=author, body="Wer mäht meinen Rasen?")

    found = ids(client_for(author).get(POSTS, {"q": "fahrrad"}))

    assert sorted(found) == sorted([in_body.pk, in_title.pk])


@pytest.mark.skipif(ON_POSTGRES, reason="the substring fallback runs only off PostgreSQL")
def test_fallback_search_needs_every_word(author):
    both = PostFactory(author=author, body="Rotes Fahrrad zu verschenken")
    PostFactory(author=author, body="Blaues Fahrrad zu verkaufen")

    assert ids(client_for(author).get(POSTS, {"q": "fahrrad rotes"})) == [both.pk]


@pytest.mark.parametrize("query", ["%", "_", "%%%", "\u200b"])
def test_search_treats_wildcards_as_text(author, query):
    PostFactory(author=author, body="Fahrrad")

    response = client_for(author).get(POSTS, {"q": query})

    assert response.status_code == 200
    assert ids(response) == ([] if query != "\u200b" else ids(client_for(author).get(POSTS)))


def test_feed_items_equal_the_post_serializer_output():
    """The feed builds its items by hand for speed; they must stay what PostSerializer says."""
    from rest_framework.test import APIRequestFactory

    from apps.posts.api import PostSerializer, feed_post_data
    from apps.posts.selectors import feed_for_user, feed_rows_for_user

    reader = UserFactory()
    offer = OfferFactory(
        author=UserFactory(home_municipality=reader.home_municipality),
        body="Siehe https://example.org <b>fett</b>\nZeile zwei",
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    PostPhotoFactory(post=offer)
    PostPhotoFactory(post=offer)
    ThanksFactory(user=reader, post=offer)
    PostFactory(author=reader, title="", body="Plausch ohne Titel")
    Post.objects.filter(pk=offer.pk).update(edited_at=timezone.now())

    page = feed_for_user(user=reader)
    request = APIRequestFactory().get(POSTS)
    thanked = {("post", offer.pk)}
    expected = PostSerializer(
        page.posts, many=True, context={"request": request, "thanked": thanked}
    ).data
    assert len(page.posts) == 2
    rows = feed_rows_for_user(user=reader).rows
    assert feed_post_data(rows, request=request, thanked=thanked) == json.loads(
        json.dumps(expected)
    )


@pytest.mark.parametrize("query", ["", "Fahrrad"])
def test_feed_rows_page_like_the_feed_of_posts(query):
    """The API's row pages and the web feed's post pages hold the same posts and cursors."""
    from apps.posts.selectors import feed_for_user, feed_rows_for_user

    reader = UserFactory()
    for number in range(7):
        PostFactory(author=reader, body=f"Fahrrad Nummer {number}" + " Fahrrad" * (number % 3))

    pages, rows_pages = [], []
    cursor = None
    while True:
        page = feed_for_user(user=reader, query=query, cursor=cursor, limit=3)
        rows = feed_rows_for_user(user=reader, query=query, cursor=cursor, limit=3)
        pages.append([post.pk for post in page.posts])
        rows_pages.append([row["id"] for row in rows.rows])
        assert rows.next_cursor == page.next_cursor
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == rows_pages
    assert len(pages) == 3
    assert sorted(pk for page in pages for pk in page) == sorted(
        Post.objects.values_list("pk", flat=True)
    )
