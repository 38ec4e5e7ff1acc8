"""The service layer of concern reports: the status workflow, the private exchange,
assignment, publishing, and the live frames that follow a commit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.concerns import services
from apps.concerns.models import Concern, ConcernMessage, ConcernUpdate
from tests.factories import UserFactory, editor_of

from .factories import ConcernFactory

pytestmark = pytest.mark.django_db

S = Concern.Status


def test_a_report_goes_to_the_reporters_home_municipality(reporter, village):
    concern = services.concern_create(
        reporter=reporter,
        category=Concern.Category.STREET_LIGHT,
        description="  Die Laterne\r\nflackert  ",
        address="Kirchweg 3",
    )
    concern.refresh_from_db()
    assert concern.municipality == village
    assert concern.status == S.RECEIVED
    assert concern.description == "Die Laterne\nflackert"
    assert concern.latitude is None and concern.longitude is None


def test_a_point_alone_is_enough_and_is_rounded_to_six_places(reporter):
    concern = services.concern_create(
        reporter=reporter,
        category=Concern.Category.DUMPING,
        description="Sperrmüll im Wald",
        latitude="48,86123456",
        longitude=10.6523,
    )
    concern.refresh_from_db()
    assert str(concern.latitude) == "48.861235"
    assert str(concern.longitude) == "10.652300"
    assert concern.address == ""


def test_an_unconfirmed_account_cannot_report(village):
    person = UserFactory(home_municipality=village, email_confirmed_at=None)
    with pytest.raises(PermissionDenied):
        services.concern_create(
            reporter=person, category="road", description="Loch", address="Hauptstraße"
        )
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (S.RECEIVED, S.IN_PROGRESS, True),
        (S.RECEIVED, S.DONE, True),
        (S.RECEIVED, S.REJECTED, True),
        (S.IN_PROGRESS, S.DONE, True),
        (S.IN_PROGRESS, S.REJECTED, True),
        (S.DONE, S.IN_PROGRESS, True),
        (S.REJECTED, S.IN_PROGRESS, True),
        (S.IN_PROGRESS, S.RECEIVED, False),
        (S.DONE, S.REJECTED, False),
        (S.DONE, S.DONE, False),
        (S.RECEIVED, S.RECEIVED, False),
    ],
)
def test_status_workflow(people, concern, old, new, allowed):
    Concern.objects.filter(pk=concern.pk).update(status=old)
    concern.refresh_from_db()
    if allowed:
        services.concern_set_status(actor=people["editor"], concern=concern, status=new)
        concern.refresh_from_db()
        assert concern.status == new
        assert ConcernUpdate.objects.get(concern=concern).new_status == new
    else:
        with pytest.raises(ValidationError):
            services.concern_set_status(actor=people["editor"], concern=concern, status=new)
        concern.refresh_from_db()
        assert concern.status == old
        assert not ConcernUpdate.objects.exists()


def test_status_change_with_message_and_public_note(
    people, concern, sent_frames, reporter, django_capture_on_commit_callbacks
):
    editor = people["editor"]
    with pytest.raises(ValidationError):
        services.concern_set_status(actor=editor, concern=concern, status="vielleicht")
    with django_capture_on_commit_callbacks(execute=True):
        update = services.concern_set_status(
            actor=editor,
            concern=concern,
            status=S.DONE,
            message="Das Loch ist geflickt. Danke!",
            public_note="Repariert am Montag.",
        )
    message = ConcernMessage.objects.get(concern=concern)
    assert message.from_town_hall and message.update == update
    assert message.body == "Das Loch ist geflickt. Danke!"
    assert update.public_note == "Repariert am Montag."
    # After commit, a live hint to the reporter (and the rest of the town hall).
    assert sent_frames, "no frame published"
    ids, frame = sent_frames[-1]
    assert frame == {"type": "concerns.changed", "concern": concern.pk}
    assert reporter.pk in ids and editor.pk not in ids


@pytest.mark.parametrize("role", ["resident", "moderator", "other_editor", "other_resident"])
def test_only_the_town_hall_changes_status(people, concern, role):
    with pytest.raises(PermissionDenied):
        services.concern_set_status(actor=people[role], concern=concern, status=S.DONE)
    with pytest.raises(PermissionDenied):
        services.concern_set_status(actor=concern.reporter, concern=concern, status=S.DONE)
    concern.refresh_from_db()
    assert concern.status == S.RECEIVED


def test_no_frame_is_sent_when_the_transaction_rolls_back(
    people, concern, sent_frames, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.concern_set_status(actor=people["editor"], concern=concern, status=S.DONE)
        raise RuntimeError("boom")
    assert sent_frames == []
    concern.refresh_from_db()
    assert concern.status == S.RECEIVED


def test_the_reporter_can_answer_also_after_the_report_is_closed(
    people, concern, reporter, sent_frames, django_capture_on_commit_callbacks
):
    services.concern_set_status(actor=people["editor"], concern=concern, status=S.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_create(
            author=reporter, concern=concern, body="Das Loch ist wieder da."
        )
    assert message.from_town_hall is False
    # The town hall hears of it live; the reporter, who wrote it, does not.
    [(ids, frame)] = sent_frames
    assert ids == [people["editor"].pk]
    assert frame == {"type": "concerns.changed", "concern": concern.pk}


@pytest.mark.parametrize("role", ["resident", "moderator", "other_editor"])
def test_nobody_else_joins_the_exchange(people, concern, role):
    with pytest.raises(PermissionDenied):
        services.message_create(author=people[role], concern=concern, body="Ich auch!")
    assert not ConcernMessage.objects.exists()


def test_empty_or_overlong_message_is_refused(concern, reporter):
    for body in ("", "   \n ", "x" * 2001):
        with pytest.raises(ValidationError):
            services.message_create(author=reporter, concern=concern, body=body)
    assert not ConcernMessage.objects.exists()


def test_assign_only_to_an_editor_of_the_same_municipality(people, concern, village):
    colleague = editor_of(village)
    services.concern_assign(actor=people["editor"], concern=concern, assignee=colleague)
    concern.refresh_from_db()
    assert concern.assignee == colleague
    for wrong in (people["other_editor"], people["moderator"], concern.reporter):
        with pytest.raises(ValidationError):
            services.concern_assign(actor=people["editor"], concern=concern, assignee=wrong)
    concern.refresh_from_db()
    assert concern.assignee == colleague
    services.concern_assign(actor=people["editor"], concern=concern, assignee=None)
    concern.refresh_from_db()
    assert concern.assignee is None
    with pytest.raises(PermissionDenied):
        services.concern_assign(actor=people["other_editor"], concern=concern, assignee=None)


def test_publish_and_take_back(people, concern):
    services.concern_publish(
        actor=people["editor"],
        concern=concern,
        published=True,
        public_text="Schlagloch in der Ortsmitte",
        photos_public=True,
    )
    concern.refresh_from_db()
    assert concern.is_public and concern.photos_public
    assert concern.shown_text == "Schlagloch in der Ortsmitte"
    services.concern_publish(actor=people["editor"], concern=concern, published=False)
    concern.refresh_from_db()
    assert not concern.is_public and not concern.photos_public
    with pytest.raises(PermissionDenied):
        services.concern_publish(actor=concern.reporter, concern=concern, published=True)


def test_a_deleted_reporter_leaves_the_report_with_the_town_hall(concern):
    concern.reporter.delete()
    concern.refresh_from_db()
    assert concern.reporter is None


def test_staff_act_as_every_town_hall(concern):
    staff = UserFactory(is_staff=True)
    services.concern_set_status(actor=staff, concern=concern, status=S.IN_PROGRESS)
    other = ConcernFactory()
    services.concern_set_status(actor=staff, concern=other, status=S.REJECTED)


def test_a_new_report_reaches_the_town_hall_live_and_nobody_else(
    people, reporter, sent_frames, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = services.concern_create(
            reporter=reporter, category="other", description="Bank kaputt", address="Am Weiher"
        )
    [(ids, frame)] = sent_frames
    assert ids == [people["editor"].pk]
    assert frame == {"type": "concerns.changed", "concern": concern.pk}
