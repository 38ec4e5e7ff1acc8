"""Who sees a post: the municipality's residents, neighbours whose reading radius reaches it
(unless its author limited it to the village), its moderators and editors, and its author.
Everyone else gets exactly the answer a missing post gets, on every endpoint."""

from types import SimpleNamespace

import pytest

from apps.places.models import MunicipalityRole
from apps.places.selectors import readable_municipality_ids
from apps.posts.models import Comment, Post, Thanks
from tests.factories import (
    MunicipalityFactory,
    RoleFactory,
    UserFactory,
    client_for,
    editor_of,
    moderator_of,
)

from .factories import CommentFactory, PostFactory, PostPhotoFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"
SEARCH_WORD = "Rasenmäher"


@pytest.fixture
def places():
    # B lies about 5.6 km north of A; C is some 200 km away.
    return SimpleNamespace(
        a=MunicipalityFactory(name="Ahausen", slug="ahausen", latitude=48.80, longitude=10.60),
        b=MunicipalityFactory(name="Bebach", slug="bebach", latitude=48.85, longitude=10.60),
        c=MunicipalityFactory(name="Cestadt", slug="cestadt", latitude=50.10, longitude=8.70),
    )


@pytest.fixture
def people(places):
    remote_moderator = UserFactory(home_municipality=places.c, reading_radius_km=0)
    RoleFactory(user=remote_moderator, municipality=places.a, kind=MunicipalityRole.Kind.MODERATOR)
    return {
        "author": UserFactory(home_municipality=places.a, reading_radius_km=0),
        "a_resident": UserFactory(home_municipality=places.a, reading_radius_km=0),
        "b_neighbour": UserFactory(home_municipality=places.b, reading_radius_km=10),
        "b_short_radius": UserFactory(home_municipality=places.b, reading_radius_km=3),
        "b_homebody": UserFactory(home_municipality=places.b, reading_radius_km=0),
        "c_resident": UserFactory(home_municipality=places.c, reading_radius_km=30),
        "a_moderator": moderator_of(places.a, reading_radius_km=0),
        "a_editor": editor_of(places.a, reading_radius_km=0),
        "remote_moderator": remote_moderator,
        "homeless": UserFactory(home_municipality=None),
    }


def make_post(author, scope: str) -> SimpleNamespace:
    post = PostFactory(author=author, scope=scope, body=f"Wer leiht mir einen {SEARCH_WORD}?")
    photo = PostPhotoFactory(post=post)
    comment = CommentFactory(post=post, author=author, body="Gern, komm vorbei.")
    return SimpleNamespace(post=post, photo=photo, comment=comment)


# Who sees a post of A, by its scope.
SEES_NEARBY = {
    "author": True,
    "a_resident": True,
    "b_neighbour": True,
    "b_short_radius": False,
    "b_homebody": False,
    "c_resident": False,
    "a_moderator": True,
    "a_editor": True,
    "remote_moderator": True,
    "homeless": False,
}
SEES_VILLAGE_ONLY = {**SEES_NEARBY, "b_neighbour": False}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# Endpoints about one post: (request, status when readable).
ITEM_ENDPOINTS = {
    "detail": (lambda c, t: c.get(f"{POSTS}{t.post}/"), 200),
    "comments": (lambda c, t: c.get(f"{POSTS}{t.post}/comments/"), 200),
    "photo_thumb": (
        lambda c, t: c.get(f"{POSTS}{t.post}/photos/{t.photo}/", {"size": "thumb"}),
        200,
    ),
    "photo_full": (
        lambda c, t: c.get(f"{POSTS}{t.post}/photos/{t.photo}/", {"size": "full"}),
        200,
    ),
    "thanks": (lambda c, t: c.post(f"{POSTS}{t.post}/thanks/"), 200),
    "comment_thanks": (
        lambda c, t: c.post(f"{POSTS}{t.post}/comments/{t.comment}/thanks/"),
        200,
    ),
    "comment": (
        lambda c, t: c.post(f"{POSTS}{t.post}/comments/", {"body": "Hallo"}, format="json"),
        201,
    ),
}

# Listings that may contain the post.
LIST_ENDPOINTS = {
    "feed": lambda c: c.get(POSTS, {"limit": 50}),
    "search": lambda c: c.get(POSTS, {"q": SEARCH_WORD}),
    "feed_of_municipality": lambda c: c.get(POSTS, {"municipality": "ahausen"}),
}


def _targets(made) -> SimpleNamespace:
    return SimpleNamespace(post=made.post.pk, photo=made.photo.pk, comment=made.comment.pk)


def _missing_targets(made) -> SimpleNamespace:
    return SimpleNamespace(post=made.post.pk + 10_000, photo=made.photo.pk, comment=made.comment.pk)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [(Post.Scope.NEARBY, SEES_NEARBY), (Post.Scope.VILLAGE, SEES_VILLAGE_ONLY)],
    ids=["nearby", "village_only"],
)
@pytest.mark.parametrize("endpoint", list(ITEM_ENDPOINTS))
@pytest.mark.parametrize("viewer", list(SEES_NEARBY))
def test_post_of_a_is_readable_only_by_those_who_may_read_it(
    people, viewer, endpoint, scope, expected
):
    made = make_post(people["author"], scope)
    request, ok_status = ITEM_ENDPOINTS[endpoint]
    client = client_for(people[viewer])
    comments_before, thanks_before = Comment.objects.count(), Thanks.objects.count()

    response = request(client, _targets(made))

    if expected[viewer]:
        assert response.status_code == ok_status, response.content
        if endpoint.startswith("photo"):
            assert response["Content-Type"] == "image/jpeg"
            field = made.photo.thumbnail if endpoint == "photo_thumb" else made.photo.image
            served = response.content
            with field.open("rb") as stored:
                assert served == stored.read()
        if endpoint == "comments":
            assert [c["id"] for c in response.json()] == [made.comment.pk]
    else:
        missing = request(client, _missing_targets(made))
        assert missing.status_code == 404
        assert response.status_code == 404, response.content
        assert response.json() == missing.json()
        # A refused write leaves nothing behind.
        assert (Comment.objects.count(), Thanks.objects.count()) == (
            comments_before,
            thanks_before,
        )


@pytest.mark.parametrize(
    ("scope", "expected"),
    [(Post.Scope.NEARBY, SEES_NEARBY), (Post.Scope.VILLAGE, SEES_VILLAGE_ONLY)],
    ids=["nearby", "village_only"],
)
@pytest.mark.parametrize("listing", list(LIST_ENDPOINTS))
@pytest.mark.parametrize("viewer", list(SEES_NEARBY))
def test_post_of_a_is_listed_only_for_those_who_may_read_it(
    people, viewer, listing, scope, expected
):
    made = make_post(people["author"], scope)

    listed = _ids(LIST_ENDPOINTS[listing](client_for(people[viewer])))

    assert (made.post.pk in listed) is expected[viewer]


def test_reading_radius_decides_which_municipalities_are_read(places, people):
    # The fixture's geography, checked so the tests above test what they claim.
    assert places.a.pk in readable_municipality_ids(user=people["b_neighbour"])
    assert places.a.pk not in readable_municipality_ids(user=people["b_short_radius"])
    assert readable_municipality_ids(user=people["b_homebody"]) == [places.b.pk]
    assert places.a.pk not in readable_municipality_ids(user=people["c_resident"])


def test_author_who_moved_away_still_sees_own_village_only_post(places, people):
    author = people["author"]
    made = make_post(author, Post.Scope.VILLAGE)
    author.home_municipality = places.c
    author.save(update_fields=["home_municipality"])
    client = client_for(author)

    assert client.get(f"{POSTS}{made.post.pk}/").status_code == 200
    assert made.post.pk in _ids(client.get(POSTS))


def test_neighbour_loses_sight_of_a_post_when_its_author_limits_it_to_the_village(people):
    made = make_post(people["author"], Post.Scope.NEARBY)
    neighbour = client_for(people["b_neighbour"])
    assert neighbour.get(f"{POSTS}{made.post.pk}/").status_code == 200

    response = client_for(people["author"]).patch(
        f"{POSTS}{made.post.pk}/", {"scope": "village"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert neighbour.get(f"{POSTS}{made.post.pk}/").status_code == 404
    assert made.post.pk not in _ids(neighbour.get(POSTS))


def test_neighbour_with_shrunk_radius_no_longer_sees_posts_of_a(people):
    made = make_post(people["author"], Post.Scope.NEARBY)
    neighbour = people["b_neighbour"]
    neighbour.reading_radius_km = 2
    neighbour.save(update_fields=["reading_radius_km"])

    assert client_for(neighbour).get(f"{POSTS}{made.post.pk}/").status_code == 404


def test_residents_own_village_only_post_is_seen_by_fellow_residents_of_b(places, people):
    b_author = UserFactory(home_municipality=places.b, reading_radius_km=0)
    post = PostFactory(author=b_author, scope=Post.Scope.VILLAGE)

    assert post.pk in _ids(client_for(people["b_homebody"]).get(POSTS))
    assert post.pk not in _ids(client_for(people["a_resident"]).get(POSTS))
    assert client_for(people["a_moderator"]).get(f"{POSTS}{post.pk}/").status_code == 404


ANONYMOUS_REQUESTS = {
    "feed": ("get", "/api/v1/posts/"),
    "search": ("get", "/api/v1/posts/?q=Rasen"),
    "create": ("post", "/api/v1/posts/"),
    "detail": ("get", "/api/v1/posts/{post}/"),
    "patch": ("patch", "/api/v1/posts/{post}/"),
    "delete": ("delete", "/api/v1/posts/{post}/"),
    "comments": ("get", "/api/v1/posts/{post}/comments/"),
    "comment": ("post", "/api/v1/posts/{post}/comments/"),
    "comment_delete": ("delete", "/api/v1/posts/{post}/comments/{comment}/"),
    "thanks": ("post", "/api/v1/posts/{post}/thanks/"),
    "comment_thanks": ("post", "/api/v1/posts/{post}/comments/{comment}/thanks/"),
    "photo": ("get", "/api/v1/posts/{post}/photos/{photo}/?size=thumb"),
}


@pytest.mark.parametrize("endpoint", list(ANONYMOUS_REQUESTS))
def test_anonymous_visitor_gets_401_everywhere(people, endpoint):
    made = make_post(people["author"], Post.Scope.NEARBY)
    method, template = ANONYMOUS_REQUESTS[endpoint]
    url = template.format(**vars(_targets(made)))
    client = client_for(None)

    if method == "get":
        response = client.get(url)
    else:
        payload = {"kind": "chat", "body": "Hallo", "title": "x"}
        response = getattr(client, method)(url, payload, format="json")

    assert response.status_code == 401
    assert (Post.objects.count(), Comment.objects.count(), Thanks.objects.count()) == (1, 1, 0)
    made.post.refresh_from_db()
    assert made.post.body == f"Wer leiht mir einen {SEARCH_WORD}?"
