import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notify, prune_read_notifications
from tests.factories import UserFactory, client_for

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
WITH_BELL = override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [__import__("django.conf").conf.settings.BASE_DIR / "templates"],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.template.context_processors.i18n",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                    "apps.chat.context_processors.chat",
                    "apps.notifications.context_processors.notifications",
                ]
            },
        }
    ]
)


def _notify(user, *, target_id=1, actor=None, kind=Notification.Kind.THANKS):
    notify(
        recipients=[user],
        kind=kind,
        target_type="post",
        target_id=target_id,
        title=f"Beitrag {target_id}",
        actor=actor,
    )
    return Notification.objects.filter(recipient=user).latest("id")


@pytest.fixture
def resident_notification(people):
    return _notify(people["resident"], actor=people["moderator"])


@pytest.mark.parametrize("role", ROLES)
def test_centre_page_shows_only_ones_own(visit, people, resident_notification, role):
    response = visit(role).get(reverse("notifications:list"))
    if role == "anonymous":
        assert response.status_code == 302  # to the sign-in page
        return
    assert response.status_code == 200
    shown = "sagt Danke für „Beitrag 1“" in response.content.decode()
    assert shown == (role == "resident")


@pytest.mark.parametrize("role", ROLES)
def test_following_a_notification_marks_it_read_only_for_its_recipient(
    visit, people, resident_notification, role
):
    url = reverse("notifications:open", args=[resident_notification.pk])
    response = visit(role).get(url)
    resident_notification.refresh_from_db()
    if role == "resident":
        assert response.status_code == 302
        assert response["Location"] == reverse("posts:detail", args=[1])
        assert resident_notification.read_at is not None
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert resident_notification.read_at is None


@pytest.mark.parametrize("role", ROLES)
def test_mark_all_read_form_touches_only_ones_own(visit, people, resident_notification, role):
    mine = None if people[role] is None else _notify(people[role], target_id=2)
    response = visit(role).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    resident_notification.refresh_from_db()
    assert (resident_notification.read_at is not None) == (role == "resident")
    if mine is not None:
        mine.refresh_from_db()
        assert mine.read_at is not None


def test_huge_and_bad_ids_and_cursors_are_not_errors(client, people):
    client.force_login(people["resident"])
    assert client.get(f"/benachrichtigungen/{10**30}/").status_code == 404
    assert client.get("/benachrichtigungen/?cursor=%%%").status_code == 200
    api = client_for(people["resident"])
    assert api.post(f"/api/v1/notifications/{10**30}/read/").status_code == 404
    assert api.get("/api/v1/notifications/?cursor=nonsense").status_code == 400
    assert api.get("/api/v1/notifications/?limit=abc").status_code == 400
    assert api.get("/api/v1/notifications/?limit=-1").status_code == 400
    assert api.get("/api/v1/notifications/?limit=0").status_code == 200
    assert api.get("/api/v1/notifications/read-all/").status_code == 405


def test_bell_shows_the_unread_count_in_one_query(client, people, resident_notification):
    client.force_login(people["resident"])
    with WITH_BELL:
        html = client.get(reverse("posts:feed")).content.decode()
    assert 'id="notifications-badge" data-count="1"' in html


def test_centre_page_query_count_does_not_grow(client, people, django_assert_num_queries):
    user = people["resident"]
    client.force_login(user)
    _notify(user, actor=UserFactory())
    client.get(reverse("notifications:list"))
    # Session, user, the page of notifications, and the two unread badges of the menu.
    with django_assert_num_queries(5) as few:
        client.get(reverse("notifications:list"))
    for target in range(2, 12):
        _notify(user, target_id=target, actor=UserFactory())
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:list"))


# --- API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_ones_own(people, resident_notification, role):
    response = client_for(people[role]).get("/api/v1/notifications/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == ([resident_notification.pk] if role == "resident" else [])


@pytest.mark.parametrize("role", ROLES)
def test_api_mark_one_read_is_404_for_others(people, resident_notification, role):
    response = client_for(people[role]).post(
        f"/api/v1/notifications/{resident_notification.pk}/read/"
    )
    resident_notification.refresh_from_db()
    if role == "resident":
        assert response.status_code == 200
        assert response.json()["unread"] is False
        assert resident_notification.read_at is not None
    else:
        assert response.status_code in ((401, 403) if role == "anonymous" else (404,))
        assert resident_notification.read_at is None


@pytest.mark.parametrize("role", ROLES)
def test_api_read_all_and_unread_count(people, resident_notification, role):
    api = client_for(people[role])
    count = api.get("/api/v1/notifications/unread-count/")
    response = api.post("/api/v1/notifications/read-all/")
    resident_notification.refresh_from_db()
    if role == "anonymous":
        assert count.status_code in (401, 403) and response.status_code in (401, 403)
        assert resident_notification.read_at is None
        return
    assert count.json() == {"unread": 1 if role == "resident" else 0}
    assert response.json() == {"marked": 1 if role == "resident" else 0, "unread": 0}
    assert (resident_notification.read_at is not None) == (role == "resident")


def test_api_item_has_every_field_and_collapses(people):
    user = people["resident"]
    _notify(user, actor=people["moderator"], kind=Notification.Kind.COMMENT)
    _notify(user, actor=people["editor"], kind=Notification.Kind.COMMENT)
    (item,) = client_for(user).get("/api/v1/notifications/").json()["results"]
    assert item["count"] == 2 and item["unread"] is True and item["read_at"] is None
    assert item["actor"] == {"id": people["editor"].pk, "name": people["editor"].public_name}
    assert item["target"] == {
        "type": "post",
        "id": 1,
        "title": "Beitrag 1",
        "url": reverse("posts:detail", args=[1]),
    }
    latest = people["editor"].public_name
    assert item["text"] == f"2 neue Kommentare zu deinem Beitrag „Beitrag 1“, zuletzt von {latest}."
    assert set(item) == {
        "id", "kind", "text", "target", "actor", "count", "unread", "read_at",
        "created_at", "updated_at",
    }  # fmt: skip


def test_api_cursor_pages_and_unread_filter(people, django_assert_num_queries):
    user = people["resident"]
    for target in range(1, 6):
        _notify(user, target_id=target, actor=UserFactory())
    Notification.objects.filter(target_id__in=[1, 2]).update(read_at=timezone.now())
    api = client_for(user)
    seen, cursor = [], None
    for _page in range(5):
        url = "/api/v1/notifications/?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).json()
        seen += [item["target"]["id"] for item in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [5, 4, 3, 2, 1]
    unread = api.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [item["target"]["id"] for item in unread] == [5, 4, 3]


def test_api_list_query_count_does_not_grow(people, django_assert_num_queries):
    user = people["resident"]
    api = client_for(user, via="session")
    _notify(user, actor=UserFactory())
    api.get("/api/v1/notifications/")
    with django_assert_num_queries(3) as few:
        api.get("/api/v1/notifications/")
    for target in range(2, 12):
        _notify(user, target_id=target, actor=UserFactory())
    with django_assert_num_queries(len(few.captured_queries)):
        api.get("/api/v1/notifications/")


def test_prune_deletes_only_old_read_notifications(people):
    user = people["resident"]
    old_read = _notify(user, target_id=1)
    recent_read = _notify(user, target_id=2)
    old_unread = _notify(user, target_id=3)
    now = timezone.now()
    Notification.objects.filter(pk=old_read.pk).update(read_at=now - dt.timedelta(days=91))
    Notification.objects.filter(pk=recent_read.pk).update(read_at=now - dt.timedelta(days=89))
    Notification.objects.filter(pk=old_unread.pk).update(created_at=now - dt.timedelta(days=400))
    assert prune_read_notifications(now=now) == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        recent_read.pk,
        old_unread.pk,
    }
    with override_settings(NOTIFICATIONS_KEEP_READ_DAYS=10):
        assert prune_read_notifications(now=now) == 1


def test_every_target_kind_opens_its_page(client, people, village):
    """Following a notification leads to the page of what it is about, news under their
    municipality included."""
    user = people["resident"]
    client.force_login(user)
    for target_type, expected in [
        ("post", "/beitraege/5/"),
        ("conversation", "/nachrichten/5/"),
        ("news", f"/gemeinden/{village.slug}/rathaus/5/"),
        ("event", "/veranstaltungen/5/"),
        ("concern", "/anliegen/5/"),
    ]:
        notify(
            recipients=[user],
            kind=Notification.Kind.NEWS,
            target_type=target_type,
            target_id=5,
            municipality_id=village.pk,
        )
        row = Notification.objects.get(target_type=target_type)
        response = client.get(reverse("notifications:open", args=[row.pk]))
        assert (response.status_code, response["Location"]) == (302, expected), target_type
