"""The chat pages work as plain forms, without JavaScript."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Block
from apps.chat import services
from apps.chat.models import Conversation, Message, Participant
from tests.factories import UserFactory
from tests.posts.factories import OfferFactory

pytestmark = pytest.mark.django_db

LIST = reverse("chat:list")


@pytest.fixture
def anna():
    return UserFactory(first_name="Anna", last_name="Berger")


@pytest.fixture
def ben(anna):
    return UserFactory(first_name="Ben", last_name="Kurz", home_municipality=anna.home_municipality)


@pytest.fixture
def direct(anna, ben):
    return services.conversation_start_direct(user=anna, other_id=ben.pk)


def signed_in(client, user):
    client.force_login(user)
    return client


def detail(pk):
    return reverse("chat:detail", args=[pk])


def test_anonymous_visitors_are_sent_to_login(client, direct):
    for url in (LIST, detail(direct.pk), reverse("chat:group_create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    response = client.post(detail(direct.pk), {"body": "x", "client_id": "a"})
    assert response.status_code == 302
    assert Message.objects.count() == 0


def test_outsiders_get_a_404(client, direct):
    signed_in(client, UserFactory())
    assert client.get(detail(direct.pk)).status_code == 404
    assert client.post(detail(direct.pk), {"body": "x", "client_id": "a"}).status_code == 404
    assert client.post(reverse("chat:mute", args=[direct.pk]), {"muted": "1"}).status_code == 404
    assert Message.objects.count() == 0


def test_a_message_is_sent_with_a_plain_form_once_even_if_posted_twice(client, direct, anna):
    signed_in(client, anna)
    page = client.get(detail(direct.pk))
    client_id = page.context["form"]["client_id"].value()

    for _ in range(2):
        response = client.post(detail(direct.pk), {"body": "Hallo Ben!", "client_id": client_id})
        assert response.status_code == 302

    assert list(Message.objects.values_list("body", flat=True)) == ["Hallo Ben!"]
    assert "Hallo Ben!" in client.get(detail(direct.pk)).content.decode()


def test_every_form_gets_a_new_client_id(client, direct, anna):
    signed_in(client, anna)
    first = client.get(detail(direct.pk)).context["form"]["client_id"].value()
    second = client.get(detail(direct.pk)).context["form"]["client_id"].value()
    assert first and second and first != second


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_a_bad_message_shows_a_form_error_and_saves_nothing(client, direct, anna, body):
    signed_in(client, anna)

    response = client.post(detail(direct.pk), {"body": body, "client_id": "abc"})

    assert response.status_code == 400
    assert response.context["form"].errors
    assert Message.objects.count() == 0


def test_opening_a_conversation_reads_it_and_the_menu_badge_counts_unread(
    client, direct, anna, ben
):
    services.message_send(user=anna, conversation_id=direct.pk, body="Eins", client_id="1")
    services.message_send(user=anna, conversation_id=direct.pk, body="Zwei", client_id="2")
    signed_in(client, ben)

    feed_page = client.get(LIST).content.decode()
    assert 'data-count="2"' in feed_page
    client.get(detail(direct.pk))
    assert 'data-count="0"' in client.get(LIST).content.decode()
    assert Participant.objects.get(conversation=direct, user=ben).unread_count == 0


def test_the_list_shows_conversations_with_a_preview(client, direct, anna, ben):
    services.message_send(user=ben, conversation_id=direct.pk, body="Bis morgen!", client_id="b")
    signed_in(client, anna)

    page = client.get(LIST).content.decode()

    assert "Ben K." in page
    assert "Bis morgen!" in page
    assert "1 ungelesen" in page


def test_write_to_a_person_from_the_profile(client, anna, ben):
    signed_in(client, anna)
    profile = client.get(reverse("accounts:profile", args=[ben.pk])).content.decode()
    assert reverse("chat:start_direct", args=[ben.pk]) in profile

    response = client.post(reverse("chat:start_direct", args=[ben.pk]))

    conversation = Conversation.objects.get()
    assert response.url == detail(conversation.pk) + "#compose"


def test_a_blocked_person_cannot_be_written_to(client, anna, ben):
    Block.objects.create(blocker=ben, blocked=anna)
    signed_in(client, anna)

    response = client.post(reverse("chat:start_direct", args=[ben.pk]), follow=True)

    assert Conversation.objects.count() == 0
    assert "nicht schreiben" in response.content.decode()


def test_private_answer_to_a_post_shows_and_sends_the_post(client, anna, ben):
    offer = OfferFactory(author=ben, title="Kinderwagen zu verschenken")
    signed_in(client, anna)
    detail_page = client.get(reverse("posts:detail", args=[offer.pk])).content.decode()
    assert "Privat antworten" in detail_page

    response = client.post(reverse("chat:start_direct", args=[ben.pk]), {"post": offer.pk})
    page = client.get(response.url)
    assert "Kinderwagen zu verschenken" in page.content.decode()
    form = page.context["form"]
    client.post(
        response.url.split("#")[0],
        {"body": "Noch da?", "client_id": form["client_id"].value(), "post": offer.pk},
    )

    message = Message.objects.get()
    assert message.post == offer


def test_no_private_answer_button_on_ones_own_post(client, ben):
    offer = OfferFactory(author=ben)
    signed_in(client, ben)
    assert (
        "Privat antworten"
        not in client.get(reverse("posts:detail", args=[offer.pk])).content.decode()
    )


def test_a_group_is_made_from_people_one_already_writes_with(client, anna, ben, direct):
    stranger = UserFactory()
    signed_in(client, anna)
    form_page = client.get(reverse("chat:group_create")).content.decode()
    assert "Ben K." in form_page

    refused = client.post(
        reverse("chat:group_create"), {"title": "Chor", "participants": [stranger.pk]}
    )
    assert refused.status_code == 400
    made = client.post(reverse("chat:group_create"), {"title": "Chor", "participants": [ben.pk]})

    group = Conversation.objects.get(kind="group")
    assert made.url == detail(group.pk)
    assert set(group.participants.values_list("user_id", flat=True)) == {anna.pk, ben.pk}


def test_mute_and_leave(client, anna, ben):
    group = services.conversation_create_group(user=anna, title="Chor", participant_ids=[ben.pk])
    signed_in(client, ben)

    client.post(reverse("chat:mute", args=[group.pk]), {"muted": "1"})
    assert Participant.objects.get(conversation=group, user=ben).muted is True
    client.post(reverse("chat:leave", args=[group.pk]))
    assert not Participant.objects.filter(conversation=group, user=ben).exists()
    assert client.get(detail(group.pk)).status_code == 404


def test_edit_and_delete_pages_for_the_author_only(client, direct, anna, ben):
    message, _created = services.message_send(
        user=anna, conversation_id=direct.pk, body="Tippfeler", client_id="t"
    )
    edit_url = reverse("chat:message_edit", args=[direct.pk, message.pk])
    delete_url = reverse("chat:message_delete", args=[direct.pk, message.pk])

    signed_in(client, ben)
    assert client.post(edit_url, {"body": "Fremd"}).status_code == 400
    client.post(delete_url)
    message.refresh_from_db()
    assert message.body == "Tippfeler" and message.deleted_at is None

    signed_in(client, anna)
    assert client.post(edit_url, {"body": "Tippfehler"}).status_code == 302
    message.refresh_from_db()
    assert message.body == "Tippfehler"
    client.post(delete_url)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert "Diese Nachricht wurde gelöscht." in client.get(detail(direct.pk)).content.decode()


def test_no_edit_link_after_15_minutes(client, direct, anna):
    message, _created = services.message_send(
        user=anna, conversation_id=direct.pk, body="Alt", client_id="o"
    )
    signed_in(client, anna)
    edit_url = reverse("chat:message_edit", args=[direct.pk, message.pk])
    assert edit_url in client.get(detail(direct.pk)).content.decode()

    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=16)
    )

    assert edit_url not in client.get(detail(direct.pk)).content.decode()
    assert client.post(edit_url, {"body": "Neu"}).status_code == 400


def test_older_messages_are_a_link_away(client, direct, anna, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 100
    for n in range(55):
        services.message_send(user=anna, conversation_id=direct.pk, body=f"N{n}", client_id=f"{n}")
    signed_in(client, anna)

    page = client.get(detail(direct.pk))
    first_shown = page.context["page"].messages[0]
    older = client.get(detail(direct.pk), {"before": first_shown.pk})

    assert page.context["page"].has_older
    assert [m.body for m in older.context["page"].messages] == [f"N{n}" for n in range(5)]


def test_writing_to_a_huge_or_missing_person_id_is_refused_not_a_500(client, anna):
    signed_in(client, anna)
    for user_id in (10**30, 987654):
        response = client.post(reverse("chat:start_direct", args=[user_id]), follow=True)
        assert response.status_code == 200
    assert Conversation.objects.count() == 0
