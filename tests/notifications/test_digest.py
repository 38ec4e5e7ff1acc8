import datetime as dt
import smtplib

import pytest
from django.conf import settings
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from apps.notifications import digest
from apps.notifications.digest import (
    send_digests,
    unsubscribe_token,
    unsubscribe_url,
    user_from_unsubscribe_token,
)
from apps.notifications.models import Notification, NotificationSettings
from apps.notifications.preferences import (
    channels_for,
    digest_enabled_kinds,
    preferences_update,
)
from apps.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Target = Notification.TargetType


def _opt_in(user, *kinds):
    preferences_update(user=user, changes={kind: {"email": True} for kind in kinds})
    return user


def _news(recipient, *, title="Straßenfest am Samstag", target_id=1, kind=Kind.NEWS):
    notify(
        recipients=[recipient], kind=kind, target_type=Target.NEWS, target_id=target_id, title=title
    )
    return Notification.objects.get(recipient=recipient, kind=kind, target_id=target_id)


def _age(notification, hours):
    Notification.objects.filter(pk=notification.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=hours)
    )


def _html(message):
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def _last_digest_at(user):
    found = NotificationSettings.objects.filter(user=user).first()
    return found and found.last_digest_at


# --- Who gets what ----------------------------------------------------------------------


def test_opted_in_resident_gets_one_email_with_text_and_html_parts():
    anna = _opt_in(UserFactory(first_name="Anna"), Kind.NEWS)
    first = _news(anna, title="Straßenfest am Samstag", target_id=1)
    second = _news(anna, title="Kaffee & Kuchen", target_id=2)

    assert send_digests() == 1

    (message,) = mail.outbox
    assert message.to == [anna.email]
    assert message.subject == "DorfFunk: 2 neue Benachrichtigungen"
    assert "Hallo Anna," in message.body
    assert "Neues vom Rathaus: „Kaffee & Kuchen“" in message.body  # not HTML-escaped
    site = settings.SITE_URL
    assert f"{site}/benachrichtigungen/{first.pk}/" in message.body
    assert f"{site}/benachrichtigungen/{second.pk}/" in message.body
    # Newest first.
    assert message.body.index("Kaffee") < message.body.index("Straßenfest")
    html = _html(message)
    assert "Neues vom Rathaus: „Kaffee &amp; Kuchen“" in html
    assert f'href="{site}/benachrichtigungen/{second.pk}/"' in html
    assert '<html lang="de">' in html


def test_digest_lists_only_unread_notifications_of_email_kinds_since_the_last_digest():
    anna = _opt_in(UserFactory(), Kind.NEWS, Kind.URGENT_WARNING)
    NotificationSettings.objects.create(
        user=anna, last_digest_at=timezone.now() - dt.timedelta(hours=30)
    )
    _news(anna, title="Neu und ungelesen", target_id=1)
    _news(anna, title="Wasserrohrbruch", target_id=2, kind=Kind.URGENT_WARNING)
    read = _news(anna, title="Schon gelesen", target_id=3)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    before = _news(anna, title="Vor der letzten Zusammenfassung", target_id=4)
    _age(before, hours=31)
    notify(
        recipients=[anna],
        kind=Kind.EVENT_CHANGED,
        target_type=Target.EVENT,
        target_id=5,
        title="Kein E-Mail-Thema",
    )

    assert send_digests() == 1

    (message,) = mail.outbox
    assert message.subject == "DorfFunk: 2 neue Benachrichtigungen"
    assert "Neu und ungelesen" in message.body
    assert "Wasserrohrbruch" in message.body
    for absent in ("Schon gelesen", "Vor der letzten Zusammenfassung", "Kein E-Mail-Thema"):
        assert absent not in message.body


def test_without_an_earlier_digest_the_last_day_counts():
    anna = _opt_in(UserFactory(), Kind.NEWS)
    _age(_news(anna, title="Vorgestern", target_id=1), hours=48)
    _news(anna, title="Heute", target_id=2)

    send_digests()

    (message,) = mail.outbox
    assert "Heute" in message.body and "Vorgestern" not in message.body


def test_residents_who_did_not_opt_in_get_no_email():
    bernd = UserFactory()
    _news(bernd)
    switched_off = _opt_in(UserFactory(), Kind.NEWS)
    preferences_update(user=switched_off, changes={Kind.NEWS: {"email": False}})
    _news(switched_off)

    assert send_digests() == 0
    assert mail.outbox == []


def test_inactive_or_unconfirmed_people_get_no_email():
    gone = _opt_in(UserFactory(is_active=False), Kind.NEWS)
    unconfirmed = _opt_in(UserFactory(email_confirmed_at=None), Kind.NEWS)
    _news(gone)
    _news(unconfirmed)

    assert send_digests() == 0
    assert mail.outbox == []


def test_opted_in_resident_with_nothing_new_gets_no_email():
    anna = _opt_in(UserFactory(), Kind.NEWS)

    assert send_digests() == 0
    assert mail.outbox == []
    assert _last_digest_at(anna) is None


def test_second_run_the_same_day_sends_nothing():
    anna = _opt_in(UserFactory(), Kind.NEWS)
    _news(anna)
    now = timezone.now()

    assert send_digests(now=now) == 1
    assert _last_digest_at(anna) == now
    assert send_digests(now=now + dt.timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1


def test_what_grows_after_a_digest_comes_in_the_next_one():
    anna = _opt_in(UserFactory(), Kind.NEWS)
    _news(anna, title="Erstes", target_id=1)
    send_digests()
    _news(anna, title="Zweites", target_id=2)

    assert send_digests(now=timezone.now() + dt.timedelta(seconds=1)) == 1
    assert "Zweites" in mail.outbox[1].body and "Erstes" not in mail.outbox[1].body


def test_long_digest_lists_the_newest_and_says_how_many_more(monkeypatch):
    monkeypatch.setattr(digest, "LIST_LIMIT", 3)
    anna = _opt_in(UserFactory(), Kind.NEWS)
    for target_id in range(1, 6):
        _news(anna, title=f"Meldung {target_id}", target_id=target_id)

    send_digests()

    (message,) = mail.outbox
    assert message.subject == "DorfFunk: 5 neue Benachrichtigungen"
    assert message.body.count("Neues vom Rathaus") == 3
    assert "… und 2 weitere:" in message.body
    assert "Meldung 5" in message.body and "Meldung 1" not in message.body
    assert "… und 2 weitere:" in _html(message)


def test_one_new_notification_reads_in_the_singular():
    _news(_opt_in(UserFactory(), Kind.NEWS))

    send_digests()

    assert mail.outbox[0].subject == "DorfFunk: eine neue Benachrichtigung"


def test_english_resident_gets_the_digest_in_english():
    anna = _opt_in(UserFactory(first_name="Anna", language="en"), Kind.NEWS)
    _news(anna, title="Street party")

    send_digests()

    (message,) = mail.outbox
    assert "Hi Anna," in message.body
    assert "News from the town hall: “Street party”" in message.body
    assert "Neues vom Rathaus" not in message.body
    assert "News from the town hall" in _html(message)
    assert '<html lang="en">' in _html(message)


def test_digest_carries_one_click_unsubscribe_headers():
    anna = _opt_in(UserFactory(), Kind.NEWS)
    _news(anna)

    send_digests()

    (message,) = mail.outbox
    url = unsubscribe_url(anna)
    assert url.startswith(settings.SITE_URL + "/benachrichtigungen/abbestellen/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and url in _html(message)
    assert digest.preferences_url() in message.body
    rendered = message.message()
    assert rendered["List-Unsubscribe"] == f"<{url}>"


# --- Failures and batching --------------------------------------------------------------


def test_a_failing_send_does_not_stop_the_others(monkeypatch):
    broken = _opt_in(UserFactory(email="kaputt@example.org"), Kind.NEWS)
    fine = _opt_in(UserFactory(), Kind.NEWS)
    _news(broken)
    _news(fine)
    send_messages = EmailBackend.send_messages

    def refuse_one(backend, messages):
        if any("kaputt@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"kaputt@example.org": (550, b"no")})
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_one)

    assert send_digests() == 1

    assert [m.to for m in mail.outbox] == [[fine.email]]
    assert _last_digest_at(broken) is None
    assert _last_digest_at(fine) is not None
    # Once the address works again, the next run brings it all.
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    assert send_digests() == 1
    assert mail.outbox[-1].to == [broken.email]


def test_people_are_taken_in_chunks(monkeypatch):
    monkeypatch.setattr(digest, "CHUNK_SIZE", 2)
    people = [_opt_in(UserFactory(), Kind.NEWS) for _ in range(5)]
    for person in people:
        _news(person)

    assert send_digests() == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def test_queries_do_not_grow_per_resident_beyond_recording_the_digest(
    django_assert_max_num_queries,
):
    people = [_opt_in(UserFactory(), Kind.NEWS, Kind.URGENT_WARNING) for _ in range(20)]
    for person in people:
        _news(person, target_id=1)
        _news(person, target_id=2, kind=Kind.URGENT_WARNING)
    for _ in range(20):
        _news(UserFactory())  # not opted in: costs nothing

    # People and their notifications: one query each per chunk; then one upsert of
    # last_digest_at per email sent.
    with django_assert_max_num_queries(2 + 20):
        assert send_digests() == 20


# --- The token --------------------------------------------------------------------------


def test_unsubscribe_token_leads_back_to_its_user_and_tampering_fails():
    anna = UserFactory()
    token = unsubscribe_token(anna)

    assert user_from_unsubscribe_token(token) == anna
    assert user_from_unsubscribe_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert user_from_unsubscribe_token(f"{anna.pk + 1}:" + token.split(":", 1)[1]) is None
    assert user_from_unsubscribe_token("") is None
    assert user_from_unsubscribe_token("kein-token") is None


def test_unsubscribe_token_of_another_purpose_does_not_work():
    anna = UserFactory()
    assert user_from_unsubscribe_token(signing.Signer().sign(str(anna.pk))) is None


# --- The unsubscribe page ---------------------------------------------------------------


def _page(user):
    return reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user)})


def test_unsubscribe_page_shows_the_masked_address_without_login(client):
    anna = _opt_in(UserFactory(email="anna.zimmermann@example.org"), Kind.NEWS)

    response = client.get(_page(anna))

    assert response.status_code == 200
    content = response.content.decode()
    assert "E-Mail-Zusammenfassung abbestellen" in content
    assert "a***@example.org" in content
    assert "anna.zimmermann@example.org" not in content
    assert '<form method="post">' in content
    # Looking does not unsubscribe: mail scanners open links.
    assert digest_enabled_kinds(anna) == [Kind.NEWS]


def test_unsubscribe_post_turns_email_off_for_every_kind(client):
    client.handler.enforce_csrf_checks = True
    anna = _opt_in(UserFactory(), Kind.NEWS, Kind.MESSAGE, Kind.URGENT_WARNING)

    response = client.post(_page(anna))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Erledigt" in content
    assert f'href="{digest.preferences_path()}"' in content
    assert digest_enabled_kinds(anna) == []
    # Only email: the other channels stay as chosen.
    assert channels_for([anna.pk], Kind.NEWS)[anna.pk].push is True


def test_one_click_unsubscribe_by_a_mail_program_works_twice(client):
    client.handler.enforce_csrf_checks = True
    anna = _opt_in(UserFactory(), Kind.NEWS)
    body = "List-Unsubscribe=One-Click"

    first = client.post(_page(anna), data=body, content_type="application/x-www-form-urlencoded")
    again = client.post(_page(anna), data=body, content_type="application/x-www-form-urlencoded")

    assert (first.status_code, again.status_code) == (200, 200)
    assert digest_enabled_kinds(anna) == []
    _news(anna)
    assert send_digests() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_unsubscribe_link_changes_nothing(client, method):
    anna = _opt_in(UserFactory(), Kind.NEWS)
    token = unsubscribe_token(anna)
    tampered = token[:-2] + ("xy" if not token.endswith("xy") else "yz")

    for bad in (tampered, "1", "abc:def", f"{anna.pk}:"):
        url = reverse("notifications:unsubscribe", kwargs={"token": bad})
        response = getattr(client, method)(url)
        assert response.status_code == 404
        assert "ungültig" in response.content.decode()

    assert digest_enabled_kinds(anna) == [Kind.NEWS]
