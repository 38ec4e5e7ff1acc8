"""Who sees and handles a concern report, on every page and endpoint: the reporter and the
town hall (editors) of its municipality see it in full; nobody else sees it at all until the
town hall publishes it, and then without the reporter's name. Something one may not see
answers exactly like something missing."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.concerns.models import Concern, ConcernMessage
from tests.factories import client_for

from .factories import ConcernMessageFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
FULL = {"reporter", "editor"}
HANDLES = {"editor"}


@pytest.fixture
def everyone(people, reporter):
    return {**people, "reporter": reporter}


@pytest.fixture
def target(concern):
    ConcernMessageFactory(concern=concern, body="Bitte schnell reparieren")
    return SimpleNamespace(pk=concern.pk, photo=concern.photos.get().pk, slug="heimdorf")


def _web(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _expected_web(role: str, *, full_status: int, handle_only: bool = False) -> int:
    if role == "anonymous":
        return 302  # to the login page
    if role in FULL:
        if handle_only and role not in HANDLES:
            return 403  # the reporter may read, not handle
        return full_status
    return 404


WEB_PAGES = {
    "detail": (lambda c, t: c.get(reverse("concerns:detail", args=[t.pk])), 200, False),
    "message": (
        lambda c, t: c.post(reverse("concerns:message", args=[t.pk]), {"body": "Neu"}),
        302,
        False,
    ),
    "status": (
        lambda c, t: c.post(reverse("concerns:status", args=[t.pk]), {"status": "in_progress"}),
        302,
        True,
    ),
    "assign": (
        lambda c, t: c.post(reverse("concerns:assign", args=[t.pk]), {"assignee": ""}),
        302,
        True,
    ),
    "publish": (
        lambda c, t: c.post(reverse("concerns:publish", args=[t.pk]), {"published": ""}),
        302,
        True,
    ),
}


@pytest.mark.parametrize("page", list(WEB_PAGES))
@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_web_pages_of_one_report(client, everyone, target, page, role):
    request, full_status, handle_only = WEB_PAGES[page]
    before = (Concern.objects.values().get(pk=target.pk), ConcernMessage.objects.count())
    response = request(_web(client, everyone[role]), target)
    expected = _expected_web(role, full_status=full_status, handle_only=handle_only)
    assert response.status_code == expected, response.content[:300]
    if expected != full_status:
        assert (
            Concern.objects.values().get(pk=target.pk),
            ConcernMessage.objects.count(),
        ) == before


@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_photo_of_an_unpublished_report(client, everyone, target, role):
    url = reverse("concerns:photo", args=[target.pk, target.photo, "thumb"])
    response = _web(client, everyone[role]).get(url)
    assert response.status_code == (200 if role in FULL else 404)
    if role in FULL:
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("page", ["inbox", "export"])
@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_inbox_and_export_are_for_the_town_hall(client, everyone, target, page, role):
    response = _web(client, everyone[role]).get(reverse(f"concerns:{page}", args=[target.slug]))
    expected = {"anonymous": 302, "editor": 200}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_unpublished_report_is_not_on_the_public_pages(client, everyone, target, role):
    c = _web(client, everyone[role])
    listing = c.get(reverse("concerns:published", args=[target.slug]))
    assert listing.status_code == 200
    assert "Schlagloch vor der Bäckerei" not in listing.content.decode()
    detail = c.get(reverse("concerns:published_detail", args=[target.slug, target.pk]))
    assert detail.status_code == 404


@pytest.mark.parametrize("photos_public", [False, True])
@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_published_report_is_public_without_the_reporters_name(
    client, everyone, concern, target, role, photos_public
):
    Concern.objects.filter(pk=concern.pk).update(
        published_at=concern.created_at, photos_public=photos_public
    )
    c = _web(client, everyone[role])
    for url in (
        reverse("concerns:published", args=[target.slug]),
        reverse("concerns:published_detail", args=[target.slug, target.pk]),
    ):
        response = c.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert "Schlagloch vor der Bäckerei" in text
        assert concern.reporter.public_name not in text
        assert concern.reporter.email not in text
        # The private exchange never shows in public.
        assert "Bitte schnell reparieren" not in text
    photo = c.get(reverse("concerns:photo", args=[target.pk, target.photo, "full"]))
    assert photo.status_code == (200 if photos_public or role in FULL else 404)
    # The full page (with the exchange) stays for reporter and town hall only.
    detail = c.get(reverse("concerns:detail", args=[target.pk]))
    assert detail.status_code == _expected_web(role, full_status=200)


@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_create_page_needs_an_account(client, everyone, role):
    response = _web(client, everyone[role]).get(reverse("concerns:create"))
    assert response.status_code == (302 if role == "anonymous" else 200)


# --- API ------------------------------------------------------------------------------------

API = "/api/v1/concerns/"


def _api_expected(role: str, ok: int, *, handle_only: bool = False) -> int | set:
    if role == "anonymous":
        return {401, 403}
    if role in FULL:
        if handle_only and role not in HANDLES:
            return 403
        return ok
    return 404


API_ENDPOINTS = {
    "detail": (lambda c, t: c.get(f"{API}{t.pk}/"), 200, False),
    "messages": (lambda c, t: c.get(f"{API}{t.pk}/messages/"), 200, False),
    "message_create": (
        lambda c, t: c.post(f"{API}{t.pk}/messages/", {"body": "Neu"}, format="json"),
        201,
        False,
    ),
    "status": (
        lambda c, t: c.post(f"{API}{t.pk}/status/", {"status": "in_progress"}, format="json"),
        200,
        True,
    ),
    "assign": (
        lambda c, t: c.post(f"{API}{t.pk}/assign/", {"assignee": None}, format="json"),
        200,
        True,
    ),
    "publish": (
        lambda c, t: c.post(f"{API}{t.pk}/publish/", {"published": False}, format="json"),
        200,
        True,
    ),
    "photo": (lambda c, t: c.get(f"{API}{t.pk}/photos/{t.photo}/", {"size": "thumb"}), 200, False),
}


OPEN_TO_READ = {"detail", "photo"}


@pytest.mark.parametrize("endpoint", list(API_ENDPOINTS))
@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_api_endpoints_of_one_report(everyone, target, endpoint, role):
    request, ok, handle_only = API_ENDPOINTS[endpoint]
    before = (Concern.objects.values().get(pk=target.pk), ConcernMessage.objects.count())
    response = request(client_for(everyone[role]), target)
    expected = _api_expected(role, ok, handle_only=handle_only)
    if role == "anonymous" and endpoint in OPEN_TO_READ:
        # Reading is open to anyone, for published reports; this one is not.
        expected = 404
    if isinstance(expected, set):
        assert response.status_code in expected
    else:
        assert response.status_code == expected, getattr(response, "data", response)
    if response.status_code != ok:
        assert (
            Concern.objects.values().get(pk=target.pk),
            ConcernMessage.objects.count(),
        ) == before


@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_api_list_shows_a_report_to_its_reporter_and_town_hall_only(everyone, target, role):
    response = client_for(everyone[role]).get(API)
    if role == "anonymous":
        assert response.status_code in {401, 403}
        return
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == ([target.pk] if role in FULL else [])
    published = client_for(everyone[role]).get(API, {"published": 1})
    assert published.status_code == 200 and published.json()["results"] == []


@pytest.mark.parametrize("role", [*ROLES, "reporter"])
def test_api_published_report_without_reporter(everyone, concern, target, role):
    Concern.objects.filter(pk=concern.pk).update(published_at=concern.created_at)
    c = client_for(everyone[role])
    listing = c.get(API, {"published": 1, "municipality": "heimdorf"})
    assert listing.status_code == 200
    [item] = listing.json()["results"]
    assert item["id"] == target.pk and item["reporter"] is None and item["full"] is False
    assert item["photos"] == []
    detail = c.get(f"{API}{target.pk}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["full"] is (role in FULL)
    assert (data["reporter"] is not None) is (role in FULL)
    assert (concern.reporter.public_name in str(data)) is (role in FULL)
    messages = c.get(f"{API}{target.pk}/messages/")
    assert messages.status_code == _api_expected(role, 200) or (
        role == "anonymous" and messages.status_code in {401, 403}
    )


def test_moderators_do_not_see_concerns_in_any_listing(people, target):
    response = client_for(people["moderator"]).get(API, {"municipality": "heimdorf"})
    assert response.json()["results"] == []
