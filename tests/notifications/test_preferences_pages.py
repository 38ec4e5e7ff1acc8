"""The notification settings page, muting a post from its page, and the push offer."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.notifications.models import (
    MutedTarget,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from apps.posts import services as posts
from apps.posts.models import Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["other_resident", "resident", "moderator", "editor", "other_editor"]
URL = "/benachrichtigungen/einstellungen/"


def _device(user, n=1):
    return PushSubscription.objects.create(
        user=user,
        endpoint=f"https://fcm.googleapis.com/fcm/send/{user.pk}-{n}",
        p256dh="x",
        auth="y",
        user_agent="Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    )


def test_anonymous_is_sent_to_login(client):
    for url in (URL, "/benachrichtigungen/stumm/"):
        response = client.post(url) if "stumm" in url else client.get(url)
        assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_their_own_settings_and_devices(visit, people, role):
    user = people[role]
    _device(user)
    _device(UserFactory(), 2)
    html = visit(role).get(URL).content.decode()
    assert "Firefox auf Android" in html and html.count('name="device"') == 1
    assert 'name="comment-push" aria-label' in html
    assert 'id="push-enable"' in html and "data-vapid-key=" in html


def test_channels_are_saved_from_checkboxes(client, people):
    user = people["resident"]
    client.force_login(user)
    response = client.post(
        URL, {"action": "channels", "comment-in_app": "on", "news-push": "on", "news-email": "on"}
    )
    assert response.status_code == 302
    comment = NotificationPreference.objects.get(user=user, kind="comment")
    news = NotificationPreference.objects.get(user=user, kind="news")
    assert (comment.in_app, comment.push, comment.email) == (True, False, False)
    assert (news.in_app, news.push, news.email) == (False, True, True)


def test_quiet_hours_are_saved_and_bad_ones_are_form_errors(client, people):
    user = people["resident"]
    client.force_login(user)
    same = {"action": "quiet", "quiet_hours": "on", "quiet_start": "21:00", "quiet_end": "21:00"}
    response = client.post(URL, same)
    assert response.status_code == 200 and "müssen verschieden sein" in response.content.decode()
    bad = {"action": "quiet", "quiet_hours": "on", "quiet_start": "26:00", "quiet_end": "x"}
    assert client.post(URL, bad).status_code == 200
    assert not NotificationSettings.objects.exists()
    good = {"action": "quiet", "quiet_start": "21:00", "quiet_end": "06:30"}
    assert client.post(URL, good).status_code == 302
    row = NotificationSettings.objects.get(user=user)
    assert (row.quiet_hours, row.quiet_start, row.quiet_end) == (
        False,
        dt.time(21, 0),
        dt.time(6, 30),
    )


def test_a_device_is_removed_only_by_its_owner(client, people):
    user = people["resident"]
    mine, theirs = _device(user), _device(UserFactory(), 2)
    client.force_login(user)
    other = client.post(URL, {"action": "remove_device", "device": theirs.pk})
    assert other.status_code == 404
    assert client.post(URL, {"action": "remove_device", "device": "x"}).status_code == 404
    assert client.post(URL, {"action": "remove_device", "device": mine.pk}).status_code == 302
    assert list(PushSubscription.objects.all()) == [theirs]


def test_an_unknown_action_is_400(client, people):
    client.force_login(people["resident"])
    assert client.post(URL, {"action": "kaputt"}).status_code == 400


def _post(author):
    return posts.post_create(author=author, kind=Post.Kind.CHAT, title="Sperrmüll", body="Text")


def test_a_post_is_muted_and_unmuted_from_its_page(client, people):
    user = people["resident"]
    post = _post(people["moderator"])
    client.force_login(user)
    page = reverse("posts:detail", args=[post.pk])
    assert "Stummschalten" in client.get(page).content.decode()
    form = {"target_type": "post", "target_id": post.pk, "next": page}
    response = client.post("/benachrichtigungen/stumm/", {**form, "mute": "1"})
    assert (response.status_code, response["Location"]) == (302, page)
    assert MutedTarget.objects.filter(user=user, target_id=post.pk).exists()
    assert "Stummschaltung aufheben" in client.get(page).content.decode()
    client.post("/benachrichtigungen/stumm/", {**form, "mute": "0"})
    assert not MutedTarget.objects.exists()


@pytest.mark.parametrize(
    "form",
    [
        {"target_type": "conversation", "target_id": "1", "mute": "1"},
        {"target_type": "post", "target_id": "abc", "mute": "1"},
        {"target_type": "post", "target_id": str(10**30), "mute": "1"},
    ],
)
def test_bad_mutes_are_400(client, people, form):
    client.force_login(people["resident"])
    assert client.post("/benachrichtigungen/stumm/", form).status_code == 400
    assert not MutedTarget.objects.exists()


def test_mute_never_redirects_elsewhere(client, people):
    client.force_login(people["resident"])
    form = {"target_type": "post", "target_id": "5", "mute": "1", "next": "https://evil.example"}
    response = client.post("/benachrichtigungen/stumm/", form)
    assert response["Location"] == "/benachrichtigungen/"


def test_push_is_offered_once_after_a_first_comment(client, people):
    user = people["resident"]
    post = _post(people["moderator"])
    client.force_login(user)
    page = reverse("posts:detail", args=[post.pk])
    assert 'id="push-prompt"' not in client.get(page).content.decode()
    client.post(reverse("posts:comment_create", args=[post.pk]), {"body": "Gern!"})
    assert 'id="push-prompt"' in client.get(page).content.decode()
    assert 'id="push-prompt"' not in client.get(page).content.decode()
    client.post(reverse("posts:comment_create", args=[post.pk]), {"body": "Nochmal"})
    assert 'id="push-prompt"' not in client.get(page).content.decode()


def test_a_background_fetch_leaves_the_offer_for_the_next_page(client, people):
    post = _post(people["moderator"])
    client.force_login(people["resident"])
    page = reverse("posts:detail", args=[post.pk])
    client.post(reverse("posts:comment_create", args=[post.pk]), {"body": "Gern!"})
    fetched = client.get(page, headers={"Sec-Fetch-Mode": "cors"}).content.decode()
    assert 'id="push-prompt"' not in fetched
    assert 'id="push-prompt"' in client.get(page).content.decode()


def test_the_service_worker_shows_pushes_and_renews_subscriptions(client):
    script = client.get("/sw.js").content.decode()
    for needle in (
        'addEventListener("push"',
        "showNotification",
        'addEventListener("notificationclick"',
        "focus()",
        'addEventListener("pushsubscriptionchange"',
        "/api/v1/push-subscriptions/renew/",
        "/api/v1/push/vapid-public-key/",
    ):
        assert needle in script, needle


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet auf Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari auf iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge auf Windows",
        ),
        ("", "Unbekannter Browser"),
        ("curl/8.0", "Unbekannter Browser"),
    ],
)
def test_devices_are_named_the_way_people_know_them(user_agent, name):
    from apps.notifications.models import device_name

    assert device_name(user_agent) == name


def test_the_settings_page_is_linked_from_the_account_settings_and_the_centre(client, people):
    client.force_login(people["resident"])
    for page in ("/konto/einstellungen/", "/benachrichtigungen/"):
        assert f'href="{URL}"' in client.get(page).content.decode(), page
