"""Publishing town-hall news through the services: only the municipality's editors, every
bad input refused with a clear message and nothing saved, scheduling and its announcement
(once), and live notices for the board only after commit."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from apps.townhall import live, services, tasks
from apps.townhall.models import News, NewsPhoto
from tests.factories import UserFactory

from .helpers import HugeUpload, backdate, make_news, pdf_bytes, pdf_upload, photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def frames(monkeypatch):
    """The (group, message) pairs handed to the channel layer."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(live, "publish_to_groups", lambda pairs: sent.extend(pairs))
    return sent


def board_frame(municipality) -> tuple[str, dict]:
    return (f"board.{municipality.pk}", {"type": "event.frame", "frame": {"type": "board.changed"}})


def stored(name: str) -> bool:
    return bool(name) and storages["private"].exists(name)


# --- Who may publish ------------------------------------------------------------------------


def test_editor_publishes_news_with_photos_and_pdf_and_the_board_hears_after_commit(
    people, village, frames, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        news = make_news(people["editor"], photos=2, attachment=pdf_upload("Amtsblatt 3:26.pdf"))
        assert frames == [], "nothing may go out before the commit"

    news.refresh_from_db()
    assert (news.municipality, news.author, news.public, news.urgent) == (
        village,
        people["editor"],
        True,
        False,
    )
    assert news.announced_at is not None and news.publish_at <= timezone.now()
    assert news.attachment_name == "Amtsblatt 3_26.pdf"
    assert news.attachment_size == len(pdf_bytes())
    assert stored(news.attachment.name)
    assert [p.position for p in news.photos.all()] == [0, 1]
    assert all(stored(p.image.name) and stored(p.thumbnail.name) for p in news.photos.all())
    assert frames == [board_frame(village)]


@pytest.mark.parametrize("role", ["resident", "moderator", "other_editor", "other_resident"])
def test_nobody_but_the_editors_of_the_municipality_publishes(people, village, role):
    with pytest.raises(PermissionDenied):
        make_news(people[role], village)

    assert not News.objects.exists()


def test_anonymous_cannot_publish(village):
    with pytest.raises(PermissionDenied):
        make_news(AnonymousUser(), village)


def test_editor_of_another_municipality_cannot_change_or_delete(people, village):
    news = make_news(people["editor"])

    with pytest.raises(PermissionDenied):
        services.news_update(
            actor=people["other_editor"], news=news, title="X", body="Y", public=True, urgent=False
        )
    with pytest.raises(PermissionDenied):
        services.news_delete(actor=people["moderator"], news=news)

    assert News.objects.get(pk=news.pk).title == "Wasser wird abgestellt"


def test_deactivated_editor_cannot_publish(people, village):
    editor = people["editor"]
    editor.is_active = False
    editor.save()

    with pytest.raises(PermissionDenied):
        make_news(editor)


# --- Bad input -------------------------------------------------------------------------------

NOW = timezone.now


def _in(**delta):
    return lambda: timezone.now() + dt.timedelta(**delta)


# name: (fields, field with the error)
BAD = {
    "empty_title": ({"title": "  "}, "title"),
    "long_title": ({"title": "T" * 151}, "title"),
    "empty_body": ({"body": "\n \u200b"}, "body"),
    "long_body": ({"body": "x" * 10_001}, "body"),
    "publish_an_hour_ago": ({"publish_at": _in(hours=-1)}, "publish_at"),
    "publish_in_two_years": ({"publish_at": _in(days=800)}, "publish_at"),
    "publish_year_9999_urgent": (
        {"publish_at": lambda: dt.datetime(9999, 12, 31, tzinfo=dt.UTC), "urgent": True},
        "publish_at",
    ),
    "publish_naive_time": ({"publish_at": lambda: dt.datetime(2030, 1, 1, 12)}, "publish_at"),
    "warning_ended_already": ({"urgent": True, "urgent_until": _in(hours=-2)}, "urgent_until"),
    "warning_for_a_month": ({"urgent": True, "urgent_until": _in(days=30)}, "urgent_until"),
    "pinned_in_the_past": ({"pinned_until": _in(days=-1)}, "pinned_until"),
    "pinned_for_two_years": ({"pinned_until": _in(days=800)}, "pinned_until"),
    "public_not_a_bool": ({"public": "yes"}, "public"),
    "urgent_not_a_bool": ({"urgent": 1}, "urgent"),
    "not_a_pdf": (
        {"attachment": lambda: pdf_upload("brief.pdf", b"GIF89a not a pdf")},
        "attachment",
    ),
    "pdf_without_end": (
        {"attachment": lambda: pdf_upload("kaputt.pdf", pdf_bytes()[:-7])},
        "attachment",
    ),
    "empty_pdf": ({"attachment": lambda: pdf_upload("leer.pdf", b"")}, "attachment"),
    "hundred_megabyte_pdf": ({"attachment": HugeUpload}, "attachment"),
    "five_photos": ({"photos": lambda: [photo_upload() for _ in range(5)]}, "photos"),
    "photo_not_an_image": (
        {"photos": lambda: [photo_upload(), photo_upload("x.jpg", b"%PDF-1.4 no")]},
        "photos",
    ),
}


@pytest.mark.parametrize(("fields", "field"), list(BAD.values()), ids=list(BAD))
def test_bad_input_is_refused_with_a_message_and_saves_nothing(people, fields, field, frames):
    values = {key: value() if callable(value) else value for key, value in fields.items()}
    photos = values.pop("photos", [])
    with pytest.raises(ValidationError) as error:
        services.news_create(
            actor=people["editor"],
            municipality=people["editor"].home_municipality,
            title=values.pop("title", "Titel"),
            body=values.pop("body", "Text"),
            photos=photos,
            **values,
        )

    assert field in error.value.message_dict
    assert all(message.strip() for message in error.value.message_dict[field])
    assert not News.objects.exists()
    assert not NewsPhoto.objects.exists()
    assert frames == []


def test_limits_themselves_are_accepted(people):
    now = timezone.now()
    news = make_news(
        people["editor"],
        title="T" * 150,
        body="x" * 10_000,
        publish_at=now + dt.timedelta(days=364),
        urgent=True,
        urgent_until=now + dt.timedelta(days=364 + 13),
        pinned_until=now + dt.timedelta(days=364),
        photos=4,
    )

    assert news.photos.count() == 4 and len(news.title) == 150


def test_a_time_a_few_minutes_ago_counts_as_now(people):
    before = timezone.now()
    news = make_news(people["editor"], publish_at=before - dt.timedelta(minutes=5))

    assert news.publish_at >= before
    assert news.announced_at is not None


def test_urgent_warning_runs_24_hours_unless_told_and_plain_news_has_no_end(people):
    warning = make_news(people["editor"], urgent=True, urgent_until=None)
    plain = make_news(people["editor"], urgent=False, urgent_until=timezone.now())

    assert warning.urgent_until == warning.publish_at + dt.timedelta(hours=24)
    assert plain.urgent_until is None


def test_text_is_cleaned_of_invisible_and_control_characters(people):
    news = make_news(people["editor"], title=" Straße\u200b  gesperrt\x07 ", body="a\r\nb\x00c")

    assert news.title == "Straße gesperrt"
    assert news.body == "a\nbc"


# --- Scheduling ------------------------------------------------------------------------------


def test_scheduled_news_is_announced_once_when_its_time_comes(
    people, village, frames, django_capture_on_commit_callbacks
):
    publish_at = timezone.now() + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        news = make_news(people["editor"], publish_at=publish_at)
    assert news.announced_at is None
    assert frames == []

    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_due_news(now=publish_at - dt.timedelta(minutes=1)) == 0
    assert frames == []

    later = publish_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_due_news(now=later) == 1
        assert services.announce_due_news(now=later) == 0
    assert News.objects.get(pk=news.pk).announced_at == later
    assert frames == [board_frame(village)]


def test_beat_task_announces_due_news(people, monkeypatch, django_capture_on_commit_callbacks):
    news = make_news(people["editor"], publish_at=timezone.now() + dt.timedelta(hours=1))
    backdate(news, hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.announce_due_news.delay().get() == 1

    assert News.objects.get(pk=news.pk).announced_at is not None


def test_rolled_back_news_is_never_announced(people, frames, django_capture_on_commit_callbacks):
    class Rollback(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        make_news(people["editor"])
        raise Rollback

    assert frames == []
    assert not News.objects.exists()


# --- Changing and deleting -------------------------------------------------------------------


def _update(news, actor, **fields):
    values = {
        "title": news.title,
        "body": news.body,
        "public": news.public,
        "urgent": news.urgent,
        "urgent_until": news.urgent_until,
        "pinned_until": news.pinned_until,
        "publish_at": news.publish_at,
    }
    return services.news_update(actor=actor, news=news, **{**values, **fields})


def test_published_news_cannot_be_scheduled_again(people):
    news = make_news(people["editor"])

    with pytest.raises(ValidationError) as error:
        _update(news, people["editor"], publish_at=timezone.now() + dt.timedelta(days=1))

    assert "publish_at" in error.value.message_dict
    assert News.objects.get(pk=news.pk).publish_at <= timezone.now()


def test_scheduled_news_can_be_moved_or_published_now(
    people, frames, django_capture_on_commit_callbacks
):
    editor = people["editor"]
    news = make_news(editor, publish_at=timezone.now() + dt.timedelta(days=2))
    later = timezone.now() + dt.timedelta(days=3)

    _update(news, editor, publish_at=later)
    assert News.objects.get(pk=news.pk).publish_at == later
    assert frames == []

    with django_capture_on_commit_callbacks(execute=True):
        _update(news, editor, publish_at=None)
    news.refresh_from_db()
    assert news.publish_at <= timezone.now() and news.announced_at is not None
    assert frames == [board_frame(news.municipality)]


def test_an_expired_warning_can_be_edited_without_touching_its_end(people):
    news = make_news(people["editor"], urgent=True)
    ended = timezone.now() - dt.timedelta(hours=1)
    News.objects.filter(pk=news.pk).update(urgent_until=ended)
    news.refresh_from_db()

    _update(news, people["editor"], title="Rohrbruch behoben")

    news.refresh_from_db()
    assert (news.title, news.urgent_until) == ("Rohrbruch behoben", ended)


def test_update_replaces_photos_and_attachment_and_deletes_old_files_after_commit(
    people, django_capture_on_commit_callbacks
):
    news = make_news(people["editor"], photos=2, attachment=pdf_upload())
    first, second = news.photos.all()
    old_pdf = news.attachment.name

    with django_capture_on_commit_callbacks(execute=True):
        _update(
            news,
            people["editor"],
            add_photos=[photo_upload(), photo_upload()],
            remove_photo_ids=[first.pk],
            attachment=pdf_upload("neu.pdf"),
        )

    news.refresh_from_db()
    assert [p.position for p in news.photos.all()] == [1, 2, 3]
    assert not stored(first.image.name) and stored(second.image.name)
    assert not stored(old_pdf) and stored(news.attachment.name)
    assert news.attachment_name == "neu.pdf"
    assert news.edited_at is not None


def test_fifth_photo_on_update_is_refused(people):
    news = make_news(people["editor"], photos=3)

    with pytest.raises(ValidationError):
        _update(news, people["editor"], add_photos=[photo_upload(), photo_upload()])

    assert news.photos.count() == 3


def test_delete_removes_news_and_files_and_tells_the_board(
    people, village, frames, django_capture_on_commit_callbacks
):
    news = make_news(people["editor"], photos=1, attachment=pdf_upload())
    names = [news.attachment.name, news.photos.get().image.name]

    with django_capture_on_commit_callbacks(execute=True):
        services.news_delete(actor=people["editor"], news=news)

    assert not News.objects.exists()
    assert not any(stored(name) for name in names)
    assert frames[-1] == board_frame(village)


def test_site_staff_may_publish_anywhere(village):
    staff = UserFactory(is_staff=True)

    assert make_news(staff, village).municipality == village
