import datetime as dt

import pytest
from django.utils import timezone

from apps.chat import services as chat
from apps.chat.models import Participant
from apps.concerns import services as concerns
from apps.concerns.models import Concern
from apps.events import services as events
from apps.events.models import Attendance, Event
from apps.notifications.models import Notification
from apps.notifications.rendering import notification_text
from apps.notifications.services import notify, notify_residents
from apps.notifications.tasks import notify_residents_of_news
from apps.posts import services as posts
from apps.posts.models import Post
from apps.realtime import presence
from apps.townhall import services as townhall
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _rows(**filters):
    return list(Notification.objects.filter(**filters).order_by("recipient_id"))


def _post(author, title="Rasenmäher zu verleihen"):
    return posts.post_create(author=author, kind=Post.Kind.CHAT, title=title, body="Text")


def test_comment_notifies_post_author_and_not_the_commenter(people):
    author, commenter = people["resident"], people["moderator"]
    post = _post(author)
    posts.comment_create(author=commenter, post=post, body="Gern!")
    (row,) = _rows()
    assert (row.recipient, row.kind, row.target_type, row.target_id) == (
        author,
        Kind.COMMENT,
        "post",
        post.pk,
    )
    assert row.actor == commenter and row.count == 1


def test_own_comment_notifies_nobody(people):
    post = _post(people["resident"])
    posts.comment_create(author=people["resident"], post=post, body="Nachtrag")
    assert _rows() == []


def test_comment_tells_earlier_commenters_as_a_reply(people):
    author, first, second = people["resident"], people["moderator"], people["editor"]
    post = _post(author)
    posts.comment_create(author=first, post=post, body="Eins")
    posts.comment_create(author=second, post=post, body="Zwei")
    assert [(r.recipient, r.kind) for r in _rows(kind=Kind.COMMENT_REPLY)] == [
        (first, Kind.COMMENT_REPLY)
    ]
    assert not _rows(recipient=second)


def test_unread_comments_collapse_into_one_line(people):
    author = people["resident"]
    post = _post(author, title="Hühner")
    posts.comment_create(author=people["moderator"], post=post, body="a")
    posts.comment_create(author=people["editor"], post=post, body="b")
    posts.comment_create(author=people["moderator"], post=post, body="c")
    (row,) = _rows(recipient=author)
    assert row.count == 3 and row.actor == people["moderator"]
    assert notification_text(row) == (
        "3 neue Kommentare zu deinem Beitrag „Hühner“, "
        f"zuletzt von {people['moderator'].public_name}."
    )


def test_a_read_notification_is_not_reused(people):
    author = people["resident"]
    post = _post(author)
    posts.comment_create(author=people["moderator"], post=post, body="a")
    Notification.objects.update(read_at=timezone.now())
    posts.comment_create(author=people["moderator"], post=post, body="b")
    rows = _rows(recipient=author)
    assert len(rows) == 2 and sorted(r.count for r in rows) == [1, 1]


def test_thanks_on_a_post_notifies_its_author_once(people):
    author, thanker = people["resident"], people["moderator"]
    post = _post(author)
    posts.thanks_toggle(user=thanker, post=post)
    posts.thanks_toggle(user=thanker, post=post)  # taken back: no new notification
    (row,) = _rows()
    assert (row.recipient, row.kind, row.actor) == (author, Kind.THANKS, thanker)
    posts.thanks_toggle(user=author, post=post)
    assert len(_rows()) == 1


def _conversation(a, b):
    return chat.conversation_start_direct(user=a, other_id=b.pk)


def test_message_notifies_the_other_without_live_socket(people, run_on_commit):
    sender, other = people["resident"], people["moderator"]
    conversation = _conversation(sender, other)
    with run_on_commit():
        chat.message_send(user=sender, conversation_id=conversation.pk, body="Hallo", client_id="1")
    with run_on_commit():
        chat.message_send(user=sender, conversation_id=conversation.pk, body="Da?", client_id="2")
    (row,) = _rows()
    assert (row.recipient, row.kind, row.target_type, row.target_id, row.count) == (
        other,
        Kind.MESSAGE,
        "conversation",
        conversation.pk,
        2,
    )


def test_quick_messages_queue_one_telling_that_counts_them_all(people, run_on_commit, monkeypatch):
    from apps.notifications import tasks

    sender, other = people["resident"], people["moderator"]
    conversation = _conversation(sender, other)
    queued = []
    monkeypatch.setattr(tasks.tell_absent_participants, "delay", lambda **kw: queued.append(kw))
    for n in range(3):
        with run_on_commit():
            chat.message_send(
                user=sender, conversation_id=conversation.pk, body=f"N{n}", client_id=f"q{n}"
            )
    assert queued == [{"conversation_id": conversation.pk}]
    assert _rows() == []

    tasks.tell_absent_participants(**queued[0])
    tasks.tell_absent_participants(**queued[0])  # run twice: still three, not six
    (row,) = _rows()
    assert (row.recipient, row.count, row.actor) == (other, 3, sender)
    # Once it ran, the next message queues a telling again.
    with run_on_commit():
        chat.message_send(user=sender, conversation_id=conversation.pk, body="N3", client_id="q3")
    assert len(queued) == 2


def test_telling_leaves_out_who_has_read_meanwhile(people, run_on_commit, monkeypatch):
    from apps.notifications import tasks

    sender, other = people["resident"], people["moderator"]
    conversation = _conversation(sender, other)
    queued = []
    monkeypatch.setattr(tasks.tell_absent_participants, "delay", lambda **kw: queued.append(kw))
    with run_on_commit():
        chat.message_send(user=sender, conversation_id=conversation.pk, body="Hi", client_id="r")
    chat.conversation_mark_read(user=other, conversation_id=conversation.pk)
    tasks.tell_absent_participants(**queued[0])
    assert _rows() == []


def test_message_to_someone_present_or_muted_notifies_nobody(people, run_on_commit):
    sender, present, muted = people["resident"], people["moderator"], people["editor"]
    presence.socket_opened(present.pk)
    first = _conversation(sender, present)
    second = _conversation(sender, muted)
    Participant.objects.filter(conversation=second, user=muted).update(muted=True)
    with run_on_commit():
        chat.message_send(user=sender, conversation_id=first.pk, body="Hallo", client_id="a")
        chat.message_send(user=sender, conversation_id=second.pk, body="Hallo", client_id="b")
    assert _rows() == []


def _news(editor, village, **extra):
    return townhall.news_create(
        actor=editor, municipality=village, title="Straßenfest", body="Am Samstag", **extra
    )


def test_news_reaches_every_resident_but_not_other_villages_or_the_author(
    people, village, run_on_commit
):
    with run_on_commit():
        news = _news(people["editor"], village)
    recipients = {r.recipient for r in _rows(kind=Kind.NEWS, target_id=news.pk)}
    assert recipients == {people["resident"], people["moderator"]}


def test_urgent_warning_has_its_own_kind(people, village, run_on_commit):
    with run_on_commit():
        _news(people["editor"], village, urgent=True)
    assert {r.kind for r in _rows()} == {Kind.URGENT_WARNING}


def test_news_to_residents_goes_in_batches_and_is_idempotent(
    village, other_village, django_assert_max_num_queries
):
    residents = [UserFactory(home_municipality=village) for _ in range(7)]
    UserFactory(home_municipality=village, is_active=False)
    UserFactory(home_municipality=other_village)
    common = {"kind": Kind.NEWS, "target_type": "news", "target_id": 99, "title": "Amtsblatt"}
    # 7 residents in batches of 3: 3 batches of 6 queries each, whatever the size.
    with django_assert_max_num_queries(3 * 6):
        created = notify_residents(municipality_id=village.pk, batch_size=3, **common)
    assert created == 7
    Notification.objects.filter(recipient=residents[0]).update(read_at=timezone.now())
    assert notify_residents(municipality_id=village.pk, batch_size=3, **common) == 0
    assert Notification.objects.count() == 7
    assert {r.recipient_id for r in _rows()} == {p.pk for p in residents}


def test_news_task_twice_adds_nobody(people, village):
    news = _news(people["editor"], village, publish_at=timezone.now() + dt.timedelta(days=1))
    assert notify_residents_of_news(news_id=news.pk) == 2
    assert notify_residents_of_news(news_id=news.pk) == 0
    assert notify_residents_of_news(news_id=10**15) == 0


def _event(editor, village):
    start = timezone.now() + dt.timedelta(days=3)
    return events.event_create(
        actor=editor,
        municipality=village,
        title="Maibaum",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )


def test_cancelled_event_notifies_attendees_but_not_the_canceller(people, village):
    editor = people["editor"]
    event = _event(editor, village)
    for person in (people["resident"], editor):
        Attendance.objects.create(event=event, user=person)
    events.event_cancel(actor=editor, event=event)
    events.event_cancel(actor=editor, event=event)  # twice: nobody told again
    (row,) = _rows()
    assert (row.recipient, row.kind, row.target_id) == (
        people["resident"],
        Kind.EVENT_CANCELLED,
        event.pk,
    )
    assert Event.objects.get(pk=event.pk).is_cancelled


def test_a_changed_event_notifies_its_attendees_once_collapsed(people, village):
    editor = people["editor"]
    event = _event(editor, village)
    Attendance.objects.create(event=event, user=people["resident"])
    later = event.starts_at + dt.timedelta(hours=1)
    for title in ("Maibaum aufstellen", "Maibaum aufstellen mit Musik"):
        events.event_update(
            actor=editor,
            event=event,
            title=title,
            starts_at=later,
            ends_at=later + dt.timedelta(hours=2),
        )
    (row,) = _rows()
    assert (row.recipient, row.kind, row.target_id) == (
        people["resident"],
        Kind.EVENT_CHANGED,
        event.pk,
    )
    assert row.count == 2


def test_concern_status_and_town_hall_message_notify_the_reporter(people, village):
    reporter, editor = people["resident"], people["editor"]
    concern = Concern.objects.create(
        municipality=village, reporter=reporter, category="other", description="Schlagloch"
    )
    concerns.concern_set_status(actor=editor, concern=concern, status=Concern.Status.IN_PROGRESS)
    concerns.message_create(author=editor, concern=concern, body="Wir kümmern uns.")
    concerns.message_create(author=reporter, concern=concern, body="Danke!")
    assert sorted(r.kind for r in _rows()) == [Kind.CONCERN_MESSAGE, Kind.CONCERN_STATUS]
    assert {r.recipient for r in _rows()} == {reporter}


def test_unread_count_is_published_after_commit_only(people, frames, run_on_commit):
    author = people["resident"]
    post = _post(author)
    with run_on_commit() as callbacks:
        posts.comment_create(author=people["moderator"], post=post, body="a")
        assert frames == []  # nothing before the commit
    assert callbacks
    assert (author.pk, {"type": "notifications.unread", "unread": 1}) in frames


def test_rolled_back_notification_publishes_nothing(
    people, frames, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(
                    recipients=[people["resident"]],
                    kind=Kind.THANKS,
                    target_type="post",
                    target_id=1,
                )
                raise RuntimeError
        except RuntimeError:
            pass
    assert frames == [] and _rows() == []
