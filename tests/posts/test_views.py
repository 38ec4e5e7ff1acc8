"""The feed's web pages: who may open what, the journey without JavaScript, the htmx
fragments, the filters, bad input, and a constant number of queries per feed page."""

import base64
import datetime as dt
import html
import io
import json
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from apps.posts import services
from apps.posts.models import Comment, Post, PostPhoto, Thanks
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

FEED_URL = "/dorf/"
CREATE_URL = "/beitraege/neu/"
CARD_ID = re.compile(r'id="post-(\d+)-title"')
LOAD_MORE = re.compile(r'<p class="load-more" id="load-more">\s*<a [^>]*href="([^"]+)"')


# --- Data -----------------------------------------------------------------------------------


def jpeg_bytes(size=(64, 48), color=(200, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def photo_upload(name: str = "foto.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes() if data is None else data, "image/jpeg")


def make_post(author, *, kind=Post.Kind.REQUEST, photos: int = 0, **fields) -> Post:
    """A post made the one way posts are made: through the service."""
    if kind != Post.Kind.CHAT:
        fields.setdefault("title", "Wer hilft beim Einkaufen?")
        fields.setdefault("category", Post.Category.EVERYDAY_HELP)
    fields.setdefault("body", "Ich komme gerade schlecht zum Laden.")
    return services.post_create(
        author=author,
        kind=kind,
        photos=[photo_upload(f"foto{n}.jpg") for n in range(photos)],
        **fields,
    )


def card_ids(response) -> list[int]:
    return [int(pk) for pk in CARD_ID.findall(response.content.decode())]


def load_more_href(response) -> str | None:
    match = LOAD_MORE.search(response.content.decode())
    return html.unescape(match.group(1)) if match else None


def thanks_form(response, url: str) -> str:
    """The Danke button's form for one post or comment, as rendered."""
    match = re.search(
        rf'<form method="post" action="{re.escape(url)}".*?</form>',
        response.content.decode(),
        re.DOTALL,
    )
    assert match, f"no thanks form for {url}"
    return match.group(0)


def login_redirect(path: str) -> str:
    return f"{reverse(settings.LOGIN_URL)}?next={path}"


def cursor_of(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- People and places ----------------------------------------------------------------------


@pytest.fixture
def village():
    return MunicipalityFactory(name="Heimdorf", slug="heimdorf", latitude=48.80, longitude=10.60)


@pytest.fixture
def nearby_village():
    # About 2.7 km from Heimdorf: inside the default 5 km reading radius.
    return MunicipalityFactory(
        name="Nachbarhausen", slug="nachbarhausen", latitude=48.82, longitude=10.62
    )


@pytest.fixture
def far_village():
    return MunicipalityFactory(name="Fernau", slug="fernau", latitude=50.10, longitude=8.20)


@pytest.fixture
def author(village):
    return UserFactory(home_municipality=village, first_name="Berta")


@pytest.fixture
def villager(village):
    return UserFactory(home_municipality=village, first_name="Dora")


@pytest.fixture
def neighbour(nearby_village):
    return UserFactory(home_municipality=nearby_village, first_name="Karl")


@pytest.fixture
def stranger(far_village):
    return UserFactory(home_municipality=far_village, first_name="Fritz")


@pytest.fixture
def scene(author, villager):
    """A Suche with a photo and a comment by someone else from the village."""
    post = make_post(author, photos=1)
    comment = services.comment_create(author=villager, post=post, body="Ich kann Dienstag.")
    return SimpleNamespace(post=post, comment=comment, photo=post.photos.get())


# --- Who may open what ----------------------------------------------------------------------


def _detail(s):
    return reverse("posts:detail", args=[s.post.pk])


def _edit(s):
    return reverse("posts:edit", args=[s.post.pk])


def _delete(s):
    return reverse("posts:delete", args=[s.post.pk])


def _comment_delete(s):
    return reverse("posts:comment_delete", args=[s.post.pk, s.comment.pk])


def _comment_thanks(s):
    return reverse("posts:comment_thanks", args=[s.post.pk, s.comment.pk])


EDIT_DATA = {"category": "rides", "title": "Geändert", "body": "Neuer Text", "scope": "nearby"}

# name: (method, url, data)
ACTIONS = {
    "detail": ("get", _detail, {}),
    "edit_form": ("get", _edit, {}),
    "edit": ("post", _edit, EDIT_DATA),
    "delete_form": ("get", _delete, {}),
    "delete": ("post", _delete, {}),
    "status": ("post", lambda s: reverse("posts:status", args=[s.post.pk]), {"status": "done"}),
    "extend": ("post", lambda s: reverse("posts:extend", args=[s.post.pk]), {"days": "90"}),
    "thanks": ("post", lambda s: reverse("posts:thanks", args=[s.post.pk]), {}),
    "comment": (
        "post",
        lambda s: reverse("posts:comment_create", args=[s.post.pk]),
        {"body": "Ich auch!"},
    ),
    "comment_delete": ("post", _comment_delete, {}),
    "comment_thanks": ("post", _comment_thanks, {}),
    "photo_thumb": (
        "get",
        lambda s: reverse("posts:photo", args=[s.post.pk, s.photo.pk, "thumb"]),
        {},
    ),
    "photo_full": (
        "get",
        lambda s: reverse("posts:photo", args=[s.post.pk, s.photo.pk, "full"]),
        {},
    ),
}
AUTHOR_ONLY = ["edit_form", "edit", "delete_form", "delete", "status", "extend"]


def _call(client, scene, action: str):
    method, url, data = ACTIONS[action]
    path = url(scene)
    return path, getattr(client, method)(path, data)


def _assert_untouched(scene) -> None:
    post = Post.objects.get(pk=scene.post.pk)
    assert (post.title, post.status, post.edited_at) == (scene.post.title, "open", None)
    assert post.expires_at == scene.post.expires_at
    assert (post.comment_count, post.thanks_count) == (1, 0)
    assert list(post.comments.values_list("pk", flat=True)) == [scene.comment.pk]
    assert not Thanks.objects.exists()
    assert post.photos.count() == 1


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_visitor_is_sent_to_login_and_changes_nothing(client, scene, action):
    path, response = _call(client, scene, action)

    assertRedirects(response, login_redirect(path), fetch_redirect_response=False)
    _assert_untouched(scene)


@pytest.mark.parametrize("path", [FEED_URL, CREATE_URL, "/leute/1/beitraege/"])
def test_anonymous_visitor_is_sent_to_login_from_feed_pages(client, path):
    response = client.get(path)

    assertRedirects(response, login_redirect(path), fetch_redirect_response=False)


@pytest.mark.parametrize("action", ACTIONS)
def test_resident_of_far_village_gets_not_found_for_a_post_they_cannot_see(
    client, scene, stranger, action
):
    client.force_login(stranger)

    _path, response = _call(client, scene, action)

    assert response.status_code == 404
    _assert_untouched(scene)


def test_resident_of_far_village_does_not_find_the_post_in_feed_or_author_page(
    client, scene, stranger, author
):
    client.force_login(stranger)

    assert scene.post.pk not in card_ids(client.get(FEED_URL))
    assert scene.post.pk not in card_ids(client.get(f"/leute/{author.pk}/beitraege/"))


@pytest.mark.parametrize("action", ["detail", "comment", "thanks", "photo_thumb"])
def test_village_only_post_is_not_found_by_neighbouring_village(client, author, neighbour, action):
    post = make_post(author, photos=1, scope=Post.Scope.VILLAGE)
    scene = SimpleNamespace(post=post, photo=post.photos.get())
    client.force_login(neighbour)

    _path, response = _call(client, scene, action)

    assert response.status_code == 404
    assert post.pk not in card_ids(client.get(FEED_URL))
    assert not post.comments.exists()


@pytest.mark.parametrize("action", AUTHOR_ONLY)
def test_neighbour_who_can_see_the_post_may_not_change_it(client, scene, neighbour, action):
    client.force_login(neighbour)
    assert client.get(_detail(scene)).status_code == 200

    _path, response = _call(client, scene, action)

    assert response.status_code == 403
    _assert_untouched(scene)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("detail", 200),
        ("thanks", 302),
        ("comment", 302),
        ("comment_thanks", 302),
        ("photo_thumb", 200),
        ("photo_full", 200),
    ],
)
def test_neighbour_who_can_see_the_post_may_read_thank_and_comment(
    client, scene, neighbour, action, status
):
    client.force_login(neighbour)

    _path, response = _call(client, scene, action)

    assert response.status_code == status


def _post(scene) -> Post | None:
    return Post.objects.filter(pk=scene.post.pk).first()


AUTHOR_EFFECTS = {
    "detail": (200, lambda s: _post(s).title == s.post.title),
    "edit_form": (200, lambda s: _post(s).edited_at is None),
    "edit": (302, lambda s: (_post(s).title, _post(s).category) == ("Geändert", "rides")),
    "delete_form": (200, lambda s: _post(s) is not None),
    "delete": (302, lambda s: _post(s) is None and not Comment.objects.exists()),
    "status": (302, lambda s: _post(s).status == Post.Status.DONE),
    "extend": (302, lambda s: _post(s).expires_at > timezone.now() + dt.timedelta(days=89)),
    "thanks": (302, lambda s: _post(s).thanks_count == 1),
    "comment": (302, lambda s: _post(s).comments.count() == 2),
    "comment_delete": (302, lambda s: not Comment.objects.filter(pk=s.comment.pk).exists()),
    "comment_thanks": (302, lambda s: Comment.objects.get(pk=s.comment.pk).thanks_count == 1),
    "photo_thumb": (200, lambda s: True),
    "photo_full": (200, lambda s: True),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_author_can_use_every_page_of_their_post(client, scene, author, action):
    status, took_effect = AUTHOR_EFFECTS[action]
    client.force_login(author)

    _path, response = _call(client, scene, action)

    assert response.status_code == status
    assert took_effect(scene)


def test_comment_can_be_deleted_by_its_author(client, scene, villager):
    client.force_login(villager)

    response = client.post(_comment_delete(scene))

    assertRedirects(response, _detail(scene) + "#comments", fetch_redirect_response=False)
    assert not Comment.objects.filter(pk=scene.comment.pk).exists()
    assert Post.objects.get(pk=scene.post.pk).comment_count == 0


def test_comment_can_be_deleted_by_the_posts_author(client, scene, author):
    client.force_login(author)

    client.post(_comment_delete(scene))

    assert not Comment.objects.filter(pk=scene.comment.pk).exists()


def test_comment_cannot_be_deleted_by_a_third_person(client, scene, neighbour):
    client.force_login(neighbour)

    response = client.post(_comment_delete(scene))

    assert response.status_code == 403
    _assert_untouched(scene)


def test_delete_button_shows_only_on_comments_one_may_delete(client, scene, neighbour):
    mine = services.comment_create(author=neighbour, post=scene.post, body="Meiner")
    client.force_login(neighbour)

    response = client.get(_detail(scene))

    own = reverse("posts:comment_delete", args=[scene.post.pk, mine.pk])
    assertContains(response, f'action="{own}"')
    assertNotContains(response, f'action="{_comment_delete(scene)}"')


def test_comment_of_another_post_is_not_found_under_this_one(client, scene, author):
    other = make_post(author)
    client.force_login(author)

    response = client.post(reverse("posts:comment_delete", args=[other.pk, scene.comment.pk]))

    assert response.status_code == 404
    assert Comment.objects.filter(pk=scene.comment.pk).exists()


@pytest.mark.parametrize(
    "photo_path",
    [
        lambda s: reverse("posts:photo", args=[s.post.pk, s.photo.pk, "huge"]),
        lambda s: reverse("posts:photo", args=[s.other.pk, s.photo.pk, "thumb"]),
    ],
    ids=["unknown_size", "photo_of_another_post"],
)
def test_photo_is_only_served_in_known_sizes_under_its_own_post(client, scene, author, photo_path):
    scene.other = make_post(author)
    client.force_login(author)

    assert client.get(photo_path(scene)).status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("action", ["status", "extend", "thanks", "comment", "comment_delete"])
def test_changing_pages_answer_only_post(client, scene, author, method, action):
    client.force_login(author)

    response = getattr(client, method)(ACTIONS[action][1](scene))

    assert response.status_code == 405
    _assert_untouched(scene)


# --- The journey without JavaScript ---------------------------------------------------------


def test_suche_with_photo_is_seen_thanked_and_done_without_javascript(client, author, neighbour):
    client.force_login(author)
    response = client.post(
        CREATE_URL,
        {
            "kind": "request",
            "category": "rides",
            "title": "Mitfahrt nach <Ulm> & zurück",
            "body": "Wer fährt Freitag?\n<script>alert(1)</script>\nInfos: https://bahn.de/x.",
            "photos": [photo_upload("fahrplan.jpg")],
            "scope": "nearby",
            "expiry_days": "14",
        },
    )
    post = Post.objects.get()
    photo = post.photos.get()
    assertRedirects(response, _detail(SimpleNamespace(post=post)), fetch_redirect_response=False)
    assert (post.kind, post.category, post.status) == ("request", "rides", "open")
    assert dt.timedelta(days=13) < post.expires_at - timezone.now() <= dt.timedelta(days=14)

    detail = client.get(response.url)
    assertContains(detail, "Mitfahrt nach &lt;Ulm&gt; &amp; zurück")
    assertContains(detail, "Wer fährt Freitag?<br>\n&lt;script&gt;alert(1)&lt;/script&gt;<br>")
    assertNotContains(detail, "<script>alert(1)")
    assertContains(detail, '<a href="https://bahn.de/x" rel="nofollow noopener noreferrer ugc"')
    thumb_url = f"/beitraege/{post.pk}/fotos/{photo.pk}/thumb/"
    assertContains(detail, f'src="{thumb_url}"')

    picture = client.get(thumb_url)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert "private" in picture["Cache-Control"]
    with Image.open(io.BytesIO(picture.content)) as image:
        assert image.format == "JPEG"

    client.force_login(neighbour)
    feed = client.get(FEED_URL)
    assert card_ids(feed) == [post.pk]
    assertContains(feed, "Mitfahrt nach &lt;Ulm&gt; &amp; zurück")
    assertContains(feed, f'src="{thumb_url}"')

    response = client.post(
        reverse("posts:comment_create", args=[post.pk]), {"body": "Ich fahre um 8 Uhr."}
    )
    assertRedirects(
        response, _detail(SimpleNamespace(post=post)) + "#comments", fetch_redirect_response=False
    )
    thanks_url = reverse("posts:thanks", args=[post.pk])
    assertRedirects(client.post(thanks_url), _detail(SimpleNamespace(post=post)))

    detail = client.get(_detail(SimpleNamespace(post=post)))
    assertContains(detail, "Ich fahre um 8 Uhr.")
    button = thanks_form(detail, thanks_url)
    assert 'aria-pressed="true"' in button
    assert '<span class="count">1</span>' in button
    assertContains(client.get(FEED_URL), "1 Kommentar")

    client.force_login(author)
    response = client.post(reverse("posts:status", args=[post.pk]), {"status": "done"}, follow=True)
    assertContains(response, "Status geändert: erledigt")

    client.force_login(neighbour)
    assert post.pk not in card_ids(client.get(FEED_URL))
    assert client.get(_detail(SimpleNamespace(post=post))).status_code == 200
    assert card_ids(client.get(f"/leute/{author.pk}/beitraege/")) == [post.pk]
    client.force_login(author)
    assert card_ids(client.get(f"/leute/{author.pk}/beitraege/")) == [post.pk]


def test_create_form_preselects_the_kind_from_the_link(client, author):
    client.force_login(author)

    response = client.get(CREATE_URL + "?kind=offer")

    assert response.status_code == 200
    assert re.search(
        r'<input type="radio" name="kind" value="offer"[^>]* checked', response.content.decode()
    )


def test_plausch_needs_no_title_category_or_expiry(client, author):
    client.force_login(author)

    response = client.post(
        CREATE_URL,
        {"kind": "chat", "body": "Schönes Wetter heute!", "scope": "village", "expiry_days": "30"},
    )

    post = Post.objects.get()
    assertRedirects(response, _detail(SimpleNamespace(post=post)), fetch_redirect_response=False)
    assert (post.title, post.category, post.expires_at, post.scope) == ("", "", None, "village")


# --- htmx -----------------------------------------------------------------------------------


def test_thanks_with_htmx_returns_only_the_button_with_the_new_count(client, scene, neighbour):
    client.force_login(neighbour)
    url = reverse("posts:thanks", args=[scene.post.pk])

    response = client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith(f'<form method="post" action="{url}"')
    assert 'aria-pressed="true"' in content
    assert '<span class="count">1</span>' in content

    again = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'aria-pressed="false"' in again
    assert '<span class="count">0</span>' in again
    assert Post.objects.get(pk=scene.post.pk).thanks_count == 0


def test_comment_thanks_with_htmx_returns_only_the_button(client, scene, neighbour):
    client.force_login(neighbour)

    response = client.post(_comment_thanks(scene), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert "<html" not in content
    assert f'action="{_comment_thanks(scene)}"' in content
    assert '<span class="count">1</span>' in content
    assert 'aria-pressed="true"' in content


@pytest.fixture
def many_posts(author, neighbour):
    """45 posts in the village and around it: more than two feed pages of 20."""
    posts = [
        make_post(author if n % 3 else neighbour, kind=Post.Kind.CHAT, body=f"Beitrag Nummer {n}")
        for n in range(45)
    ]
    return [p.pk for p in reversed(posts)]


def test_load_more_link_works_without_javascript_until_every_post_was_shown_once(
    client, villager, many_posts
):
    client.force_login(villager)
    seen = []
    path = FEED_URL
    for _page in range(10):
        response = client.get(path)
        assert response.status_code == 200
        seen.extend(card_ids(response))
        href = load_more_href(response)
        if href is None:
            break
        assert href.startswith("?") and "cursor=" in href
        assert 'hx-get="' in response.content.decode()
        path = FEED_URL + href
    assert seen == many_posts


def test_feed_page_with_cursor_for_htmx_returns_only_the_next_cards_and_link(
    client, villager, many_posts
):
    client.force_login(villager)
    href = load_more_href(client.get(FEED_URL))

    response = client.get(FEED_URL + href, headers={"HX-Request": "true"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert "<form" not in content
    assert card_ids(response) == many_posts[20:40]
    next_href = load_more_href(response)
    assert next_href and next_href != href
    assert f'hx-get="{html.escape(next_href)}"' in content

    last = client.get(FEED_URL + next_href, headers={"HX-Request": "true"})
    assert card_ids(last) == many_posts[40:]
    assert load_more_href(last) is None


def test_load_more_through_search_results_shows_every_match_once(client, villager, many_posts):
    client.force_login(villager)
    seen = []
    path = FEED_URL + "?q=Beitrag"
    for _page in range(10):
        response = client.get(path)
        assert response.status_code == 200
        seen.extend(card_ids(response))
        href = load_more_href(response)
        if href is None:
            break
        assert "q=Beitrag" in href
        path = FEED_URL + href
    assert sorted(seen) == sorted(many_posts)


def test_load_more_link_keeps_the_filters(client, villager, many_posts):
    client.force_login(villager)

    href = load_more_href(client.get(FEED_URL + "?kind=chat&only_home=on"))

    assert "kind=chat" in href
    assert "only_home=on" in href


# --- Filters --------------------------------------------------------------------------------


@pytest.fixture
def mixed_feed(author, neighbour):
    return {
        "chat": make_post(author, kind=Post.Kind.CHAT, body="Das Dorffest war schön."),
        "offer": make_post(
            author,
            kind=Post.Kind.OFFER,
            category=Post.Category.LENDING,
            title="Rasenmäher zu verleihen",
            body="Benzinmäher, frisch gewartet.",
        ),
        "ride": make_post(
            author,
            kind=Post.Kind.REQUEST,
            category=Post.Category.RIDES,
            title="Mitfahrt zum Arzt",
            body="Dienstag früh nach Nördlingen.",
        ),
        "nearby": make_post(
            neighbour,
            kind=Post.Kind.OFFER,
            category=Post.Category.GIVEAWAY,
            title="Äpfel zu verschenken",
            body="Eine ganze Kiste.",
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["nearby", "ride", "offer", "chat"]),
        ("?kind=offer", ["nearby", "offer"]),
        ("?kind=request", ["ride"]),
        ("?category=rides", ["ride"]),
        ("?kind=offer&category=giveaway", ["nearby"]),
        ("?only_home=on", ["ride", "offer", "chat"]),
        ("?q=Rasenmäher", ["offer"]),
        ("?q=Kiste", ["nearby"]),
        ("?q=Rasenmäher&only_home=on", ["offer"]),
        ("?q=Kiste&only_home=on", []),
        ("?q=Schneeschieber", []),
    ],
)
def test_feed_filters_by_kind_category_own_village_and_search(
    client, villager, mixed_feed, query, expected
):
    client.force_login(villager)

    response = client.get(FEED_URL + query)

    assert response.status_code == 200
    assert card_ids(response) == [mixed_feed[name].pk for name in expected]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        cursor_of(["2024-01-01T00:00:00+00:00"]),
        cursor_of(["gestern", 5]),
        cursor_of(["2024-01-01T00:00:00", 5]),
        cursor_of(["2024-01-01T00:00:00+00:00", "5"]),
        cursor_of(["2024-01-01T00:00:00+00:00", True]),
        cursor_of({"created": "2024-01-01T00:00:00+00:00"}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        # Times without a UTC form: year 1 east of Greenwich, year 9999 west of it.
        cursor_of(["0001-01-01T00:00:00+01:00", 5]),
        cursor_of(["9999-12-31T23:59:59-05:00", 5]),
    ],
)
def test_garbage_cursor_gives_a_400_page_with_an_error(client, villager, mixed_feed, cursor):
    client.force_login(villager)

    response = client.get(FEED_URL, {"cursor": cursor})

    assert response.status_code == 400
    assertContains(response, "Ungültiger Cursor", status_code=400)
    assertContains(response, 'role="alert"', status_code=400)
    assert card_ids(response) == []


def test_garbage_cursor_for_htmx_is_an_error_too(client, villager, mixed_feed):
    client.force_login(villager)

    response = client.get(FEED_URL, {"cursor": "garbage"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert card_ids(response) == []


# --- Bad input ------------------------------------------------------------------------------


VALID_OFFER = {
    "kind": "offer",
    "category": "giveaway",
    "title": "Kinderwagen zu verschenken",
    "body": "Gut erhalten, abzuholen im Oberdorf.",
    "scope": "nearby",
    "expiry_days": "30",
}


def _truncated_jpeg() -> bytes:
    data = jpeg_bytes(size=(400, 300))
    return data[: len(data) // 2]


def _oversized_jpeg() -> bytes:
    # A real JPEG, padded after its end marker: only the size is wrong.
    data = jpeg_bytes()
    return data + b"\0" * (settings.POST_PHOTO_MAX_BYTES + 1 - len(data))


BAD_CREATE_INPUT = {
    "offer_without_title": ({"title": ""}, None, "title", "Bitte gib einen Titel an."),
    "offer_without_category": ({"category": ""}, None, "category", "Bitte wähle eine Kategorie."),
    "overlong_title": ({"title": "T" * 121}, None, "title", "höchstens 120 Zeichen"),
    "overlong_body": ({"body": "B" * 5001}, None, "body", "höchstens 5000 Zeichen"),
    "empty_body": ({"body": ""}, None, "body", None),
    "blank_body": ({"body": "  \n\t "}, None, "body", None),
    "zero_width_body": (
        {"body": "\u200b\u200c\u200d\ufeff"},
        None,
        "body",
        "Bitte schreib einen Text.",
    ),
    "zero_width_title": ({"title": "\u200b\u2060"}, None, "title", "Bitte gib einen Titel an."),
    "unknown_kind": ({"kind": "gossip"}, None, "kind", None),
    "unknown_category": ({"category": "weapons"}, None, "category", None),
    "unknown_scope": ({"scope": "everyone"}, None, "scope", None),
    "unknown_expiry": ({"expiry_days": "5"}, None, "expiry_days", None),
    "non_image_photo": (
        {},
        lambda: [photo_upload("foto.jpg", b"<html><script>alert(1)</script></html>")],
        "photos",
        "kein gültiges Bild",
    ),
    "truncated_jpeg": (
        {},
        lambda: [photo_upload("kaputt.jpg", _truncated_jpeg())],
        "photos",
        "kein gültiges Bild",
    ),
    "empty_photo": ({}, lambda: [photo_upload("leer.jpg", b"")], "photos", None),
    "too_large_photo": (
        {},
        lambda: [photo_upload("riesig.jpg", _oversized_jpeg())],
        "photos",
        "zu groß",
    ),
    "five_photos": (
        {},
        lambda: [photo_upload(f"f{n}.jpg") for n in range(5)],
        "photos",
        "Höchstens 4 Fotos",
    ),
    "one_bad_photo_among_good_ones": (
        {},
        lambda: [photo_upload("gut.jpg"), photo_upload("schlecht.jpg", b"GIF89a kaputt")],
        "photos",
        "schlecht.jpg",
    ),
}


def _assert_field_error(response, field: str, message: str | None) -> None:
    assert response.status_code == 400
    assertContains(response, 'role="alert"', status_code=400)
    assertContains(response, f'id="id_{field}_error"', status_code=400)
    if message:
        assertContains(response, message, status_code=400)


@pytest.mark.parametrize("case", BAD_CREATE_INPUT)
def test_bad_input_on_create_form_shows_an_error_and_saves_nothing(client, author, case):
    changes, files, field, message = BAD_CREATE_INPUT[case]
    data = {**VALID_OFFER, **changes}
    if files:
        data["photos"] = files()
    client.force_login(author)

    response = client.post(CREATE_URL, data)

    _assert_field_error(response, field, message)
    assert not Post.objects.exists()
    assert not PostPhoto.objects.exists()


def test_valid_offer_with_four_photos_is_saved(client, author):
    client.force_login(author)

    client.post(CREATE_URL, {**VALID_OFFER, "photos": [photo_upload() for _ in range(4)]})

    assert Post.objects.get().photos.count() == 4


def test_photo_with_too_many_pixels_is_refused(client, author, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    client.force_login(author)

    response = client.post(CREATE_URL, {**VALID_OFFER, "photos": [photo_upload()]})

    _assert_field_error(response, "photos", "zu viele Bildpunkte")
    assert not Post.objects.exists()


@pytest.fixture
def offer(author):
    return make_post(
        author,
        kind=Post.Kind.OFFER,
        category=Post.Category.GIVEAWAY,
        title="Kinderwagen zu verschenken",
        body="Gut erhalten.",
        photos=3,
    )


def _unchanged(offer) -> None:
    fresh = Post.objects.get(pk=offer.pk)
    assert (fresh.title, fresh.body, fresh.category, fresh.edited_at) == (
        offer.title,
        offer.body,
        offer.category,
        None,
    )
    assert sorted(fresh.photos.values_list("pk", flat=True)) == sorted(
        offer.photos.values_list("pk", flat=True)
    )


BAD_EDIT_INPUT = {
    "without_title": ({"title": ""}, None, "title", "Bitte gib einen Titel an."),
    "without_category": ({"category": ""}, None, "category", "Bitte wähle eine Kategorie."),
    "overlong_title": ({"title": "T" * 121}, None, "title", "höchstens 120 Zeichen"),
    "overlong_body": ({"body": "B" * 5001}, None, "body", "höchstens 5000 Zeichen"),
    "empty_body": ({"body": ""}, None, "body", None),
    "zero_width_body": ({"body": "\u200b\u200b"}, None, "body", "Bitte schreib einen Text."),
    "unknown_scope": ({"scope": "everyone"}, None, "scope", None),
    "non_image_photo": (
        {},
        lambda: [photo_upload("foto.jpg", b"kein Bild")],
        "photos",
        "kein gültiges Bild",
    ),
    "beyond_four_photos": (
        {},
        lambda: [photo_upload(), photo_upload()],
        "photos",
        "Höchstens 4 Fotos",
    ),
}


@pytest.mark.parametrize("case", BAD_EDIT_INPUT)
def test_bad_input_on_edit_form_shows_an_error_and_changes_nothing(client, author, offer, case):
    changes, files, field, message = BAD_EDIT_INPUT[case]
    data = {
        "category": offer.category,
        "title": "Neuer Titel",
        "body": "Neuer Text",
        "scope": offer.scope,
        **changes,
    }
    if files:
        data["photos"] = files()
    client.force_login(author)

    response = client.post(_edit(SimpleNamespace(post=offer)), data)

    _assert_field_error(response, field, message)
    _unchanged(offer)


def test_removing_a_photo_makes_room_for_a_new_one_up_to_four(client, author, offer):
    first = offer.photos.first()
    client.force_login(author)

    response = client.post(
        _edit(SimpleNamespace(post=offer)),
        {
            "category": offer.category,
            "title": offer.title,
            "body": offer.body,
            "scope": offer.scope,
            "remove_photos": [first.pk],
            "photos": [photo_upload(), photo_upload()],
        },
    )

    assert response.status_code == 302
    assert offer.photos.count() == 4
    assert not offer.photos.filter(pk=first.pk).exists()


def test_removing_a_photo_of_another_post_is_refused(client, author, offer, scene):
    client.force_login(author)

    response = client.post(
        _edit(SimpleNamespace(post=offer)),
        {
            "category": offer.category,
            "title": offer.title,
            "body": offer.body,
            "scope": offer.scope,
            "remove_photos": [scene.photo.pk],
        },
    )

    assert response.status_code == 400
    assert PostPhoto.objects.filter(pk=scene.photo.pk).exists()
    _unchanged(offer)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("K" * 2001, "höchstens 2000 Zeichen"),
        ("", None),
        ("\u200b\u200d", "Bitte schreib einen Kommentar."),
    ],
    ids=["overlong", "empty", "zero_width"],
)
def test_bad_comment_shows_an_error_and_saves_nothing(client, scene, neighbour, body, message):
    client.force_login(neighbour)

    response = client.post(reverse("posts:comment_create", args=[scene.post.pk]), {"body": body})

    _assert_field_error(response, "body", message)
    _assert_untouched(scene)


def test_comment_of_two_thousand_characters_is_fine(client, scene, neighbour):
    client.force_login(neighbour)

    client.post(reverse("posts:comment_create", args=[scene.post.pk]), {"body": "K" * 2000})

    assert scene.post.comments.count() == 2


# --- Edit, delete, status, extend -----------------------------------------------------------


def test_author_edits_text_removes_one_photo_and_adds_one(client, author, offer):
    removed, kept, kept_too = offer.photos.order_by("position")
    client.force_login(author)
    assertNotContains(client.get(_detail(SimpleNamespace(post=offer))), "bearbeitet")
    edit_page = client.get(_edit(SimpleNamespace(post=offer)))
    assertContains(edit_page, f'name="remove_photos" value="{removed.pk}"')
    assertContains(edit_page, 'value="Kinderwagen zu verschenken"')

    response = client.post(
        _edit(SimpleNamespace(post=offer)),
        {
            "category": "lending",
            "title": "Kinderwagen zu verleihen",
            "body": "Doch nur leihweise.\nBitte pfleglich behandeln.",
            "scope": "village",
            "remove_photos": [removed.pk],
            "photos": [photo_upload("neu.jpg")],
        },
        follow=True,
    )

    offer.refresh_from_db()
    assert (offer.title, offer.category, offer.scope) == (
        "Kinderwagen zu verleihen",
        "lending",
        "village",
    )
    assert offer.body == "Doch nur leihweise.\nBitte pfleglich behandeln."
    photos = list(offer.photos.order_by("position"))
    assert [p.pk for p in photos[:2]] == [kept.pk, kept_too.pk]
    assert len(photos) == 3 and photos[2].pk not in (removed.pk, kept.pk, kept_too.pk)
    assertContains(response, "bearbeitet")
    assertContains(response, "Doch nur leihweise.<br>\nBitte pfleglich behandeln.")
    assertContains(response, f"/fotos/{photos[2].pk}/thumb/")
    assertNotContains(response, f"/fotos/{removed.pk}/")
    assert client.get(f"/beitraege/{offer.pk}/fotos/{removed.pk}/thumb/").status_code == 404


def test_delete_asks_for_confirmation_first(client, scene, author):
    client.force_login(author)

    response = client.get(_delete(scene))

    assertContains(response, "Beitrag löschen?")
    assertContains(response, '<form method="post">')
    assert Post.objects.filter(pk=scene.post.pk).exists()


def test_delete_removes_the_post_with_its_comments_and_thanks(client, scene, author, neighbour):
    services.thanks_toggle(user=neighbour, post=scene.post)
    services.thanks_toggle(user=neighbour, comment=scene.comment)
    other = make_post(neighbour)
    services.comment_create(author=author, post=other, body="Bleibt stehen.")
    client.force_login(author)

    response = client.post(_delete(scene))

    assertRedirects(response, FEED_URL, fetch_redirect_response=False)
    assert not Post.objects.filter(pk=scene.post.pk).exists()
    assert Comment.objects.count() == 1
    assert not Thanks.objects.exists()
    assert not PostPhoto.objects.filter(pk=scene.photo.pk).exists()
    assert card_ids(client.get(FEED_URL)) == [other.pk]
    client.force_login(neighbour)
    assert client.get(_detail(scene)).status_code == 404


def test_unknown_status_shows_an_error_and_changes_nothing(client, scene, author):
    client.force_login(author)

    response = client.post(
        reverse("posts:status", args=[scene.post.pk]), {"status": "vanished"}, follow=True
    )

    assertContains(response, "Unbekannter Status.")
    assert Post.objects.get(pk=scene.post.pk).status == "open"


def test_reserved_offer_stays_in_the_feed_with_a_badge(client, scene, author, villager):
    client.force_login(author)
    client.post(reverse("posts:status", args=[scene.post.pk]), {"status": "reserved"})
    client.force_login(villager)

    response = client.get(FEED_URL)

    assert card_ids(response) == [scene.post.pk]
    assertContains(response, '<span class="badge">reserviert</span>')


@pytest.fixture
def expired(scene):
    past = timezone.now() - dt.timedelta(days=1)
    Post.objects.filter(pk=scene.post.pk).update(expires_at=past, archived_at=past)
    return Post.objects.get(pk=scene.post.pk)


def test_extending_an_expired_post_brings_it_back_into_the_feed(client, expired, author, villager):
    client.force_login(villager)
    assert expired.pk not in card_ids(client.get(FEED_URL))
    assertContains(client.get(f"/beitraege/{expired.pk}/"), "Abgelaufen")
    client.force_login(author)

    response = client.post(reverse("posts:extend", args=[expired.pk]), {"days": "14"}, follow=True)

    assertContains(response, "Dein Beitrag ist verlängert.")
    fresh = Post.objects.get(pk=expired.pk)
    assert fresh.archived_at is None
    assert dt.timedelta(days=13) < fresh.expires_at - timezone.now() <= dt.timedelta(days=14)
    client.force_login(villager)
    assert card_ids(client.get(FEED_URL)) == [expired.pk]


@pytest.mark.parametrize("days", ["5", "", "vierzehn", "-7", "99999999999999999999"])
def test_extending_by_days_not_offered_shows_an_error_and_changes_nothing(
    client, expired, author, villager, days
):
    client.force_login(author)

    response = client.post(reverse("posts:extend", args=[expired.pk]), {"days": days}, follow=True)

    assert response.status_code == 200
    assertContains(response, "Bitte wähle 7, 14, 30 oder 90 Tage.")
    fresh = Post.objects.get(pk=expired.pk)
    assert (fresh.expires_at, fresh.archived_at) == (expired.expires_at, expired.archived_at)
    client.force_login(villager)
    assert card_ids(client.get(FEED_URL)) == []


# --- Queries --------------------------------------------------------------------------------


def _fill_feed(count: int, authors: list, readers: list) -> None:
    for n in range(count):
        writer = authors[n % len(authors)]
        post = make_post(writer, photos=1, title=f"Suche Nummer {n}")
        for reader in readers[: 1 + n % 2]:
            comment = services.comment_create(author=reader, post=post, body=f"Antwort {n}")
            services.thanks_toggle(user=reader, post=post)
            services.thanks_toggle(user=writer, comment=comment)


def _feed_queries(client) -> tuple[int, int]:
    client.get(FEED_URL)  # warm: the same per-request work both times
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FEED_URL)
    assert response.status_code == 200
    return len(queries), len(card_ids(response))


def test_feed_costs_the_same_queries_for_five_posts_as_for_twenty(
    client, village, nearby_village, villager
):
    authors = [
        UserFactory(home_municipality=village),
        UserFactory(home_municipality=nearby_village),
        UserFactory(home_municipality=village),
    ]
    readers = [villager, UserFactory(home_municipality=nearby_village)]
    client.force_login(villager)

    _fill_feed(5, authors, readers)
    queries_for_five, shown = _feed_queries(client)
    assert shown == 5

    _fill_feed(15, authors, readers)
    queries_for_twenty, shown = _feed_queries(client)
    assert shown == 20

    assert queries_for_twenty == queries_for_five


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/beitraege/{HUGE}/",
        f"/beitraege/{HUGE}/bearbeiten/",
        f"/beitraege/{{post}}/kommentare/{HUGE}/danke/",
        f"/beitraege/{{post}}/fotos/{HUGE}/thumb/",
        f"/leute/{HUGE}/beitraege/",
    ],
)
def test_ids_beyond_the_database_range_are_simply_not_found(client, scene, author, path):
    client.force_login(author)
    path = path.format(post=scene.post.pk)

    response = client.post(path) if "danke" in path else client.get(path)

    assert response.status_code == 404
