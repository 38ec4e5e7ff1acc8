"""The API of devices, preferences and mutes: who may, who may not, and bad input."""

import pytest

from apps.notifications import vapid
from apps.notifications.models import (
    MutedTarget,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from apps.notifications.services import notify
from tests.factories import UserFactory, client_for
from tests.notifications.devices import device_at as _device
from tests.notifications.push_receiver import PushReceiver

pytestmark = pytest.mark.django_db

ROLES = ["other_resident", "resident", "moderator", "editor", "other_editor"]
DEVICES = "/api/v1/push-subscriptions/"
PREFERENCES = "/api/v1/notification-preferences/"
MUTES = "/api/v1/notification-mutes/"


@pytest.fixture
def receiver(settings):
    settings.PUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    with PushReceiver() as running:
        yield running


def test_anonymous_gets_nothing_but_the_public_key(receiver):
    anonymous = client_for(None)
    for method, url in [
        ("get", DEVICES),
        ("post", DEVICES),
        ("delete", f"{DEVICES}1/"),
        ("get", PREFERENCES),
        ("patch", PREFERENCES),
        ("get", MUTES),
        ("post", MUTES),
    ]:
        assert getattr(anonymous, method)(url, {}, format="json").status_code in (401, 403), url
    answer = anonymous.get("/api/v1/push/vapid-public-key/")
    assert answer.status_code == 200 and answer.json() == {"public_key": vapid.public_key()}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_registers_lists_and_removes_only_their_own_devices(receiver, people, role):
    user = people[role]
    other = UserFactory()
    theirs = _device(receiver, other)
    api = client_for(user)
    info = receiver.subscription()
    created = api.post(DEVICES, info, format="json", HTTP_USER_AGENT="Firefox auf Android")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["endpoint"] == info["endpoint"] and body["user_agent"] == "Firefox auf Android"
    assert [d["id"] for d in api.get(DEVICES).json()] == [body["id"]]
    assert api.delete(f"{DEVICES}{theirs.pk}/").status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    assert api.delete(f"{DEVICES}{body['id']}/").status_code == 204
    assert not PushSubscription.objects.filter(user=user).exists()
    assert api.delete(f"{DEVICES}{10**30}/").status_code == 404


def test_the_same_browser_twice_is_one_device_and_a_shared_one_moves(receiver):
    anna, bernd = UserFactory(), UserFactory()
    info = receiver.subscription()
    assert client_for(anna).post(DEVICES, info, format="json").status_code == 201
    assert client_for(anna).post(DEVICES, info, format="json").status_code == 201
    assert PushSubscription.objects.get().user == anna
    assert client_for(bernd).post(DEVICES, info, format="json").status_code == 201
    assert PushSubscription.objects.get().user == bernd


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "https://evil.example.org/push/1"},
        {"endpoint": "http://fcm.googleapis.com/fcm/send/1"},
        {"endpoint": "ftp://127.0.0.1/x"},
        {"endpoint": 7},
        {"endpoint": "x" * 3000},
        {"keys": None},
        {"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": {"p256dh": "B" + "A" * 86, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": {"auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"keys": {"p256dh": None, "auth": "x"}},
    ],
)
def test_bad_subscriptions_are_400_and_change_nothing(receiver, people, change):
    info = {**receiver.subscription(), **change}
    answer = client_for(people["resident"]).post(DEVICES, info, format="json")
    assert answer.status_code == 400, answer.content
    assert not PushSubscription.objects.exists()


def test_bad_auth_secret_and_non_object_bodies_are_400(receiver, people):
    api = client_for(people["resident"])
    info = receiver.subscription()
    info["keys"]["auth"] = "AAAA"
    assert api.post(DEVICES, info, format="json").status_code == 400
    assert api.post(DEVICES, [1, 2], format="json").status_code == 400
    assert api.post(DEVICES, "null", content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()


def test_at_most_twenty_devices(receiver, people):
    user = people["resident"]
    for _ in range(20):
        _device(receiver, user)
    answer = client_for(user).post(DEVICES, receiver.subscription(), format="json")
    assert answer.status_code == 400
    assert PushSubscription.objects.filter(user=user).count() == 20


def test_a_changed_subscription_is_renewed_by_proving_the_old_secret(receiver, people):
    user = people["resident"]
    old = _device(receiver, user)
    new = receiver.subscription()
    anonymous = client_for(None)
    url = f"{DEVICES}renew/"
    wrong = {"old_endpoint": old.endpoint, "old_auth": "falsch", "subscription": new}
    assert anonymous.post(url, wrong, format="json").status_code == 403
    unknown = {"old_endpoint": "https://x/1", "old_auth": old.auth, "subscription": new}
    assert anonymous.post(url, unknown, format="json").status_code == 403
    bad_new = {"old_endpoint": old.endpoint, "old_auth": old.auth, "subscription": {"x": 1}}
    assert anonymous.post(url, bad_new, format="json").status_code == 400
    assert PushSubscription.objects.get().pk == old.pk  # nothing changed so far
    right = {"old_endpoint": old.endpoint, "old_auth": old.auth, "subscription": new}
    assert anonymous.post(url, right, format="json").status_code == 201
    (device,) = PushSubscription.objects.all()
    assert (device.user, device.endpoint) == (user, new["endpoint"])


@pytest.mark.parametrize("role", ROLES)
def test_preferences_are_ones_own(people, role):
    user, other = people[role], UserFactory()
    api = client_for(user)
    start = api.get(PREFERENCES).json()
    assert {row["kind"] for row in start["kinds"]} == set(Notification.Kind.values)
    comment = next(row for row in start["kinds"] if row["kind"] == "comment")
    assert (comment["in_app"], comment["push"], comment["email"]) == (True, True, False)
    assert start["quiet_hours"] == {"enabled": True, "start": "22:00", "end": "07:00"}
    changed = api.patch(
        PREFERENCES,
        {
            "kinds": {"comment": {"push": False}, "news": {"email": True}},
            "quiet_hours": {"enabled": True, "start": "21:30", "end": "06:00"},
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    rows = {row["kind"]: row for row in changed.json()["kinds"]}
    assert (rows["comment"]["in_app"], rows["comment"]["push"]) == (True, False)
    assert rows["news"]["email"] is True and rows["news"]["push"] is True
    assert changed.json()["quiet_hours"] == {"enabled": True, "start": "21:30", "end": "06:00"}
    assert not NotificationPreference.objects.filter(user=other).exists()
    assert not NotificationSettings.objects.filter(user=other).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"kinds": {"gibtsnicht": {"push": False}}},
        {"kinds": {"comment": {"push": "vielleicht"}}},
        {"kinds": {"comment": {"fax": True}}},
        {"kinds": []},
        {"quiet_hours": {"enabled": True, "start": "22:00", "end": "22:00"}},
        {"quiet_hours": {"enabled": True, "start": "25:00", "end": "07:00"}},
        {"quiet_hours": {"start": "22:00"}},
    ],
)
def test_bad_preferences_are_400_and_change_nothing(people, body):
    user = people["resident"]
    answer = client_for(user).patch(PREFERENCES, body, format="json")
    assert answer.status_code == 400, answer.content
    assert not NotificationPreference.objects.exists()
    assert not NotificationSettings.objects.exists()


def test_a_muted_post_notifies_nobody_who_muted_it(people):
    author, fan = people["resident"], people["moderator"]
    api = client_for(author)
    mute = {"target_type": "post", "target_id": 42}
    assert api.post(MUTES, mute, format="json").status_code == 201
    assert api.post(MUTES, mute, format="json").status_code == 201  # twice is once
    assert api.get(MUTES).json() == [mute]
    assert (
        notify(recipients=[author], kind="comment", target_type="post", target_id=42, actor=fan)
        == 0
    )
    assert api.delete(MUTES, mute, format="json").status_code == 204
    assert (
        notify(recipients=[author], kind="comment", target_type="post", target_id=42, actor=fan)
        == 1
    )
    assert not MutedTarget.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"target_type": "conversation", "target_id": 1},
        {"target_type": "post", "target_id": 0},
        {"target_type": "post", "target_id": 10**30},
        {"target_type": "post"},
        {},
    ],
)
def test_bad_mutes_are_400(people, body):
    answer = client_for(people["resident"]).post(MUTES, body, format="json")
    assert answer.status_code == 400
    assert not MutedTarget.objects.exists()
