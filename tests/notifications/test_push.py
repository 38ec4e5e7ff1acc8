"""Web Push end to end against a local push service that checks VAPID and decrypts every
payload (tests/notifications/push_receiver.py): what arrives, what the answers do."""

import datetime as dt
import socket
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from apps.notifications import push, tasks, vapid
from apps.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushDelivery,
    PushSubscription,
)
from apps.notifications.services import notify
from tests.factories import MunicipalityFactory, UserFactory
from tests.notifications.devices import device_at as _device
from tests.notifications.push_receiver import PushReceiver

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
State = PushDelivery.State
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def receiver():
    with PushReceiver(expected_vapid_public_key=vapid.public_key()) as running:
        yield running


def _awake(user):
    """Quiet hours off, so a test at night still pushes."""
    NotificationSettings.objects.update_or_create(user=user, defaults={"quiet_hours": False})
    return user


def _comment_notification(recipient, actor, target_id=7, title="Rasenmäher"):
    notify(
        recipients=[recipient],
        kind=Kind.COMMENT,
        target_type="post",
        target_id=target_id,
        title=title,
        actor=actor,
    )
    return Notification.objects.get(recipient=recipient, target_id=target_id, read_at=None)


def test_a_comment_arrives_encrypted_and_signed_on_every_device(receiver, run_on_commit, settings):
    author, commenter = _awake(UserFactory()), UserFactory(first_name="Anna", last_name="Maier")
    phone, laptop = _device(receiver, author), _device(receiver, author)
    with run_on_commit():
        notification = _comment_notification(author, commenter)
    first, second = receiver.wait_for_deliveries(2)
    assert {first.endpoint, second.endpoint} == {phone.endpoint, laptop.endpoint}
    data = first.json
    assert data["title"] == "Neuer Kommentar zu deinem Beitrag"
    assert data["body"] == "Anna M. hat deinen Beitrag „Rasenmäher“ kommentiert."
    assert data["url"] == f"/benachrichtigungen/{notification.pk}/"
    assert data["target"] == f"/beitraege/{notification.target_id}/"
    assert data["tag"] == first.topic == f"post-{notification.target_id}"
    assert first.urgency == "normal" and first.ttl == settings.PUSH_TTL
    assert first.vapid_key == vapid.public_key()
    assert first.vapid_claims["aud"] == receiver.origin
    assert first.vapid_claims["sub"] == settings.VAPID_SUBJECT
    assert receiver.rejected == []
    assert set(PushDelivery.objects.values_list("state", flat=True)) == {State.SENT}
    phone.refresh_from_db()
    assert phone.last_success_at is not None and phone.failures == 0


def test_the_payload_speaks_the_recipients_language(receiver, run_on_commit):
    author = _awake(UserFactory(language="en"))
    _device(receiver, author)
    with run_on_commit():
        _comment_notification(author, UserFactory(first_name="Anna", last_name="Maier"))
    (delivery,) = receiver.wait_for_deliveries(1)
    assert delivery.json["title"] == "New comment on your post"
    assert "commented on your post" in delivery.json["body"]


def test_a_second_comment_pushes_again_with_the_collapsed_text(receiver, run_on_commit):
    author = _awake(UserFactory())
    _device(receiver, author)
    with run_on_commit():
        _comment_notification(author, UserFactory())
    with run_on_commit():
        _comment_notification(author, UserFactory(first_name="Bernd", last_name="Huber"))
    first, second = receiver.wait_for_deliveries(2)
    assert first.topic == second.topic
    assert second.json["body"].startswith("2 neue Kommentare")


def test_gone_devices_are_deleted_and_the_rest_of_the_batch_goes_on(receiver, run_on_commit):
    author = _awake(UserFactory())
    gone = _device(receiver, author)
    missing = _device(receiver, author)
    broken = PushSubscription.objects.create(
        user=author, endpoint=f"{receiver.origin}/push/nokeys", p256dh="kaputt", auth="kaputt"
    )
    fine = _device(receiver, author)
    receiver.script(gone.endpoint, [(410, {})])
    receiver.script(missing.endpoint, [(404, {})])
    with run_on_commit():
        _comment_notification(author, UserFactory())
    receiver.wait_for_deliveries(1)
    assert [d.endpoint for d in receiver.deliveries] == [fine.endpoint]
    assert set(PushSubscription.objects.values_list("pk", flat=True)) == {broken.pk, fine.pk}
    broken.refresh_from_db()
    assert broken.failures == 1


def _pending(receiver, user, **device):
    subscription = _device(receiver, user, **device)
    notification = _comment_notification(user, UserFactory())
    ids = push.plan_pushes([notification.pk])
    return subscription, PushDelivery.objects.get(pk__in=ids, subscription=subscription)


def test_429_is_retried_when_the_service_says_and_nothing_is_deleted(receiver, settings):
    subscription, delivery = _pending(receiver, _awake(UserFactory()))
    receiver.script(subscription.endpoint, [(429, {"Retry-After": "7"})])
    report = push.push_deliveries([delivery.pk])
    assert report.retry == [(delivery.pk, 7.0)] and report.sent == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.claim) == (State.PENDING, 1, None)
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    report = push.push_deliveries([delivery.pk])
    assert report.sent == 1 and len(receiver.deliveries) == 1


def test_server_errors_back_off_exponentially_then_give_up(receiver, settings):
    settings.PUSH_RETRY_BASE, settings.PUSH_MAX_ATTEMPTS = 10, 3
    subscription, delivery = _pending(receiver, _awake(UserFactory()))
    receiver.script(subscription.endpoint, [(503, {})], forever=True)
    waits = [push.push_deliveries([delivery.pk]).retry for _ in range(2)]
    assert waits == [[(delivery.pk, 10.0)], [(delivery.pk, 20.0)]]
    report = push.push_deliveries([delivery.pk])
    assert report.failed == 1 and report.retry == []
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.FAILED, 3)
    assert subscription.failures == 1
    assert push.push_deliveries([delivery.pk]).failed == 0  # given up stays given up
    assert receiver.counts[503] == 3


def test_retry_after_as_an_http_date():
    now = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    assert push.retry_after_seconds("Wed, 02 Dec 2026 10:01:30 GMT", now=now) == 90
    assert push.retry_after_seconds("120", now=now) == 120
    assert push.retry_after_seconds("bald", now=now) is None
    assert push.retry_after_seconds(None) is None


def test_a_retry_task_is_scheduled_with_the_wait(receiver, monkeypatch):
    subscription, delivery = _pending(receiver, _awake(UserFactory()))
    receiver.script(subscription.endpoint, [(429, {"Retry-After": "30"})])
    scheduled = []
    monkeypatch.setattr(tasks.push_batch, "apply_async", lambda **kwargs: scheduled.append(kwargs))
    assert tasks.push_batch(delivery_ids=[delivery.pk]) == {
        "sent": 0,
        "gone": 0,
        "failed": 0,
        "retry": 1,
    }
    assert scheduled == [{"kwargs": {"delivery_ids": [delivery.pk]}, "countdown": 30}]


def test_a_service_that_does_not_answer_times_out_and_is_retried(settings):
    settings.PUSH_TIMEOUT = 0.3
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        with PushReceiver() as receiver:
            user = _awake(UserFactory())
            subscription, delivery = _pending(receiver, user)
        port = silent.getsockname()[1]
        PushSubscription.objects.filter(pk=subscription.pk).update(
            endpoint=f"http://127.0.0.1:{port}/push/x"
        )
        report = push.push_deliveries([delivery.pk])
    finally:
        silent.close()
    assert [pk for pk, _wait in report.retry] == [delivery.pk]
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_redelivered_task_does_not_push_twice(receiver):
    _subscription, delivery = _pending(receiver, _awake(UserFactory()))
    tasks.push_batch(delivery_ids=[delivery.pk])
    tasks.push_batch(delivery_ids=[delivery.pk])
    assert push.plan_pushes([delivery.notification_id]) == []
    assert len(receiver.requests) == 1


def test_deliveries_claimed_by_a_running_task_are_left_alone_until_stale(receiver, settings):
    _subscription, delivery = _pending(receiver, _awake(UserFactory()))
    PushDelivery.objects.filter(pk=delivery.pk).update(
        claim=uuid.uuid4(), claimed_at=timezone.now()
    )
    assert push.push_deliveries([delivery.pk]).sent == 0
    stale = timezone.now() - dt.timedelta(seconds=settings.PUSH_CLAIM_SECONDS + 1)
    PushDelivery.objects.filter(pk=delivery.pk).update(claimed_at=stale)
    assert push.push_deliveries([delivery.pk]).sent == 1


def _at(hour, minute=0):
    return dt.datetime(2026, 12, 2, hour, minute, tzinfo=BERLIN)


def test_quiet_hours_hold_back_pushes_but_not_warnings(receiver):
    sleeper, night_owl = UserFactory(), _awake(UserFactory())
    for person in (sleeper, night_owl):
        _device(receiver, person)
    comments = [_comment_notification(p, UserFactory()).pk for p in (sleeper, night_owl)]
    warnings = []
    for person in (sleeper, night_owl):
        notify(recipients=[person], kind=Kind.URGENT_WARNING, target_type="news", target_id=3)
        warnings.append(Notification.objects.get(recipient=person, kind=Kind.URGENT_WARNING).pk)

    def pushed_to(ids, at):
        planned = PushDelivery.objects.filter(pk__in=push.plan_pushes(ids, at=at))
        return set(planned.values_list("subscription__user_id", flat=True))

    assert pushed_to(comments, _at(23, 30)) == {night_owl.pk}
    assert pushed_to(comments, _at(6, 59)) == {night_owl.pk}
    assert pushed_to(warnings, _at(23, 30)) == {sleeper.pk, night_owl.pk}
    assert pushed_to(comments, _at(7, 0)) == {sleeper.pk, night_owl.pk}


def test_own_quiet_hours_within_a_day():
    user = UserFactory()
    NotificationSettings.objects.create(
        user=user, quiet_start=dt.time(13, 0), quiet_end=dt.time(15, 0)
    )
    from apps.notifications.preferences import quiet_among

    assert quiet_among([user.pk], at=_at(14)) == {user.pk}
    assert quiet_among([user.pk], at=_at(23)) == set()


def test_push_turned_off_for_a_kind_sends_nothing_but_keeps_the_bell(receiver, run_on_commit):
    user = _awake(UserFactory())
    _device(receiver, user)
    NotificationPreference.objects.create(
        user=user, kind=Kind.COMMENT, in_app=True, push=False, email=False
    )
    with run_on_commit():
        _comment_notification(user, UserFactory())
    assert PushDelivery.objects.count() == 0 and receiver.requests == []
    assert Notification.objects.get(recipient=user).in_app


def test_push_only_kinds_stay_out_of_the_centre(receiver, run_on_commit, client):
    user = _awake(UserFactory())
    _device(receiver, user)
    NotificationPreference.objects.create(
        user=user, kind=Kind.COMMENT, in_app=False, push=True, email=False
    )
    with run_on_commit():
        _comment_notification(user, UserFactory())
    receiver.wait_for_deliveries(1)
    client.force_login(user)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_every_channel_off_makes_no_notification_at_all(receiver, run_on_commit):
    user = _awake(UserFactory())
    NotificationPreference.objects.create(
        user=user, kind=Kind.COMMENT, in_app=False, push=False, email=False
    )
    assert notify(recipients=[user], kind=Kind.COMMENT, target_type="post", target_id=1) == 0
    assert not Notification.objects.exists()


def test_an_urgent_warning_reaches_every_residents_phone_at_high_urgency(
    receiver, run_on_commit, settings
):
    from apps.townhall import services as townhall
    from tests.factories import editor_of

    settings.PUSH_BATCH_SIZE = 2  # more than one batch task
    village, elsewhere = MunicipalityFactory(), MunicipalityFactory()
    editor = editor_of(village)
    residents = [UserFactory(home_municipality=village) for _ in range(5)]
    outsider = UserFactory(home_municipality=elsewhere)
    for person in [*residents, outsider]:
        _device(receiver, person)
    with run_on_commit():
        news = townhall.news_create(
            actor=editor,
            municipality=village,
            title="Hochwasser",
            body="Bitte Keller räumen.",
            urgent=True,
        )
    receiver.wait_for_deliveries(5)
    assert {d.urgency for d in receiver.deliveries} == {"high"}
    assert {d.topic for d in receiver.deliveries} == {f"news-{news.pk}"}
    assert all(d.json["urgent"] for d in receiver.deliveries)
    assert outsider.pk not in set(
        PushDelivery.objects.values_list("subscription__user_id", flat=True)
    )


def test_chat_messages_push_only_to_people_without_a_live_socket(receiver, run_on_commit):
    from apps.chat import services as chat
    from apps.realtime import presence

    sender, away, here = (_awake(UserFactory()) for _ in range(3))
    for person in (away, here):
        _device(receiver, person)
    conversation = chat.conversation_create_group(
        user=sender, title="Chor", participant_ids=[away.pk, here.pk]
    )
    presence.socket_opened(here.pk)
    try:
        with run_on_commit():
            chat.message_send(
                user=sender, conversation_id=conversation.pk, body="Probe um 8", client_id="c1"
            )
        (delivery,) = receiver.wait_for_deliveries(1)
    finally:
        presence.socket_closed(here.pk)
    away_endpoints = set(
        PushSubscription.objects.filter(user=away).values_list("endpoint", flat=True)
    )
    assert delivery.endpoint in away_endpoints
    assert delivery.json["tag"] == f"conversation-{conversation.pk}"


def test_embedded_keys_are_made_once_and_kept(tmp_path, settings):
    settings.VAR_DIR, settings.VAPID_PRIVATE_KEY = tmp_path, ""
    vapid.forget_keys()
    try:
        first = vapid.key_pair()
        vapid.forget_keys()
        assert vapid.key_pair() == first
        assert (tmp_path / "vapid.json").stat().st_mode & 0o777 == 0o600
    finally:
        vapid.forget_keys()


def test_keys_from_the_environment(settings, capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.VAPID_PRIVATE_KEY = lines["VAPID_PRIVATE_KEY"]
    settings.VAPID_PUBLIC_KEY = lines["VAPID_PUBLIC_KEY"]
    vapid.forget_keys()
    try:
        assert vapid.public_key() == lines["VAPID_PUBLIC_KEY"]
        settings.VAPID_PUBLIC_KEY = vapid.new_key_pair().public
        vapid.forget_keys()
        with pytest.raises(ImproperlyConfigured):
            vapid.key_pair()
    finally:
        vapid.forget_keys()


def test_vapid_tokens_are_signed_once_per_push_service():
    vapid.forget_keys()
    one = vapid.vapid_headers("https://push.example.org/a", now=1000.0)
    assert vapid.vapid_headers("https://push.example.org/b", now=2000.0) is one
    assert vapid.vapid_headers("https://other.example.org/a", now=2000.0) is not one
    later = 1000.0 + vapid.TOKEN_SECONDS - vapid.TOKEN_MARGIN + 1
    assert vapid.vapid_headers("https://push.example.org/a", now=later) != one
    vapid.forget_keys()


def test_a_redelivered_warning_task_pushes_nobody_twice(receiver, settings):
    from apps.townhall.models import News
    from tests.factories import editor_of

    village = MunicipalityFactory()
    residents = [UserFactory(home_municipality=village) for _ in range(3)]
    for person in residents:
        _device(receiver, person)
    news = News.objects.create(
        municipality=village,
        author=editor_of(village),
        title="Sturm",
        body="Drinnen bleiben.",
        urgent=True,
        publish_at=timezone.now(),
    )
    tasks.notify_residents_of_news(news_id=news.pk)
    receiver.wait_for_deliveries(3)
    tasks.notify_residents_of_news(news_id=news.pk)
    assert len(receiver.requests) == 3
    assert set(PushDelivery.objects.values_list("state", flat=True)) == {State.SENT}
