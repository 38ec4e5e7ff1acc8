"""/api/v1/conversations/ from the outside: who may do what, and bad input changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Block
from apps.chat import services
from apps.chat.models import Conversation, Message, Participant
from tests.factories import UserFactory, client_for
from tests.posts.factories import OfferFactory

pytestmark = pytest.mark.django_db

CONVERSATIONS = reverse("api:conversations")


def detail(pk):
    return reverse("api:conversation_detail", args=[pk])


def messages_url(pk):
    return reverse("api:conversation_messages", args=[pk])


def message_url(pk, message_id):
    return reverse("api:conversation_message_detail", args=[pk, message_id])


@pytest.fixture
def anna():
    return UserFactory(first_name="Anna", last_name="Berger")


@pytest.fixture
def ben():
    return UserFactory(first_name="Ben", last_name="Kurz")


@pytest.fixture
def direct(anna, ben):
    return services.conversation_start_direct(user=anna, other_id=ben.pk)


def send(user, conversation, body="Hallo", client_id=None):
    return services.message_send(
        user=user,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id or f"c-{Message.objects.count()}-{user.pk}",
    )[0]


# --- starting conversations -------------------------------------------------------------


def test_starting_a_direct_conversation_twice_finds_the_same_one(anna, ben):
    first = client_for(anna).post(CONVERSATIONS, {"user": ben.pk}, format="json")
    again = client_for(ben).post(CONVERSATIONS, {"user": anna.pk}, format="json")

    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["title"] == "Ben K."
    assert again.json()["title"] == "Anna B."
    assert {p["id"] for p in first.json()["participants"]} == {anna.pk, ben.pk}
    assert Conversation.objects.count() == 1


def test_a_group_is_created_with_its_title_and_people(anna, ben):
    carla = UserFactory()
    response = client_for(anna).post(
        CONVERSATIONS,
        {"title": "Gartenfreunde", "participants": [ben.pk, carla.pk]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "group"
    assert response.json()["title"] == "Gartenfreunde"
    assert len(response.json()["participants"]) == 3


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"user": "abc"},
        {"user": True},
        {"user": 10**30},
        {"user": -1},
        {"user": 1, "participants": [2]},
        {"participants": [1]},
        {"title": "", "participants": []},
        {"title": 5, "participants": [1]},
        {"title": "x" * 400, "participants": [1]},
        [],
        "text",
    ],
)
def test_bad_start_payloads_are_refused_and_create_nothing(anna, payload):
    response = client_for(anna).post(CONVERSATIONS, payload, format="json")

    assert response.status_code == 400
    assert Conversation.objects.count() == 0


def test_no_conversation_with_oneself_a_missing_or_a_blocked_person(anna, ben):
    client = client_for(anna)
    assert client.post(CONVERSATIONS, {"user": anna.pk}, format="json").status_code == 400
    assert client.post(CONVERSATIONS, {"user": 987654}, format="json").status_code == 400
    Block.objects.create(blocker=ben, blocked=anna)
    response = client.post(CONVERSATIONS, {"user": ben.pk}, format="json")
    assert response.status_code == 403
    assert Conversation.objects.count() == 0


def test_unconfirmed_people_cannot_start_conversations(ben):
    unconfirmed = UserFactory(email_confirmed_at=None)

    response = client_for(unconfirmed).post(CONVERSATIONS, {"user": ben.pk}, format="json")

    assert response.status_code == 403
    assert Conversation.objects.count() == 0


def test_anonymous_gets_401_everywhere(direct):
    client = client_for(None)
    for url in (CONVERSATIONS, detail(direct.pk), messages_url(direct.pk)):
        assert client.get(url).status_code == 401
    assert (
        client.post(messages_url(direct.pk), {"body": "x", "client_id": "a"}, format="json")
    ).status_code == 401
    assert Message.objects.count() == 0


# --- the list and reading ----------------------------------------------------------------


def test_the_list_shows_newest_activity_first_with_unread_counts(anna, ben):
    carla = UserFactory()
    older = services.conversation_start_direct(user=anna, other_id=carla.pk)
    newer = services.conversation_start_direct(user=anna, other_id=ben.pk)
    send(carla, older, "Von Carla")
    send(ben, newer, "Von Ben")
    send(ben, newer, "Noch was")

    items = client_for(anna).get(CONVERSATIONS).json()

    assert [item["id"] for item in items] == [newer.pk, older.pk]
    assert items[0]["unread_count"] == 2
    assert items[0]["last_message"]["body"] == "Noch was"
    assert items[1]["unread_count"] == 1


def test_the_list_costs_the_same_queries_for_one_or_many_conversations(
    anna, django_assert_max_num_queries
):
    for _ in range(2):
        other = UserFactory()
        send(other, services.conversation_start_direct(user=anna, other_id=other.pk))
    client = client_for(anna)
    with django_assert_max_num_queries(8) as few:
        client.get(CONVERSATIONS)
    for _ in range(8):
        other = UserFactory()
        send(other, services.conversation_start_direct(user=anna, other_id=other.pk))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(CONVERSATIONS).json()) == 10


def test_outsiders_see_a_conversation_as_missing(direct, anna):
    send(anna, direct)
    outsider = client_for(UserFactory())

    assert outsider.get(detail(direct.pk)).status_code == 404
    assert outsider.get(messages_url(direct.pk)).status_code == 404
    response = outsider.post(
        messages_url(direct.pk), {"body": "Hallo", "client_id": "x"}, format="json"
    )
    assert response.status_code == 404
    assert outsider.post(reverse("api:conversation_read", args=[direct.pk])).status_code == 404
    assert outsider.patch(detail(direct.pk), {"muted": True}, format="json").status_code == 404
    assert Message.objects.count() == 1
    assert client_for(UserFactory()).get(CONVERSATIONS).json() == []


def test_messages_page_back_and_forth_by_id(direct, anna, ben):
    sent = [send(anna if n % 2 else ben, direct, f"Nachricht {n}") for n in range(7)]
    client = client_for(anna)

    newest = client.get(messages_url(direct.pk), {"limit": 3}).json()
    assert [m["id"] for m in newest["results"]] == [m.pk for m in sent[4:]]
    assert newest["has_older"] is True
    older = client.get(messages_url(direct.pk), {"limit": 3, "before": sent[4].pk}).json()
    assert [m["id"] for m in older["results"]] == [m.pk for m in sent[1:4]]
    after = client.get(messages_url(direct.pk), {"limit": 10, "after": sent[5].pk}).json()
    assert [m["id"] for m in after["results"]] == [sent[6].pk]
    assert after["has_newer"] is False


@pytest.mark.parametrize(
    "params", [{"before": "x"}, {"after": "-5"}, {"limit": "viele"}, {"before": "9" * 40}]
)
def test_bad_message_page_parameters_are_a_400(direct, anna, params):
    assert client_for(anna).get(messages_url(direct.pk), params).status_code == 400


def test_huge_ids_in_the_path_are_a_404_not_a_500(anna):
    client = client_for(anna)
    assert client.get(detail(10**30)).status_code == 404
    assert client.get(messages_url(10**19)).status_code == 404


# --- sending, editing, deleting ------------------------------------------------------------


def test_a_send_is_idempotent_by_client_id(direct, anna, ben):
    client = client_for(anna)
    payload = {"body": "Kommst du morgen?", "client_id": "abc-1"}

    first = client.post(messages_url(direct.pk), payload, format="json")
    retry = client.post(messages_url(direct.pk), payload, format="json")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["client_id"] == "abc-1"
    assert Message.objects.count() == 1
    seen_by_ben = client_for(ben).get(messages_url(direct.pk)).json()["results"][0]
    assert seen_by_ben["client_id"] is None
    assert seen_by_ben["body_html"] == "Kommst du morgen?"


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "", "client_id": "a"},
        {"body": "   \u200b ", "client_id": "a"},
        {"body": "x" * 4001, "client_id": "a"},
        {"body": 5, "client_id": "a"},
        {"body": "Hallo"},
        {"body": "Hallo", "client_id": ""},
        {"body": "Hallo", "client_id": "x" * 65},
        {"body": "Hallo", "client_id": 7},
        {"body": "Hallo", "client_id": "a", "post": "x"},
        {"body": "Hallo", "client_id": "a", "post": 999999},
    ],
)
def test_bad_messages_are_refused_and_save_nothing(direct, anna, payload):
    response = client_for(anna).post(messages_url(direct.pk), payload, format="json")

    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_hostile_text_is_stored_as_text_and_rendered_escaped(direct, anna):
    body = '<script>alert(1)</script> siehe https://example.org/?a=1&b="2"'
    response = client_for(anna).post(
        messages_url(direct.pk), {"body": body, "client_id": "h"}, format="json"
    )

    assert response.status_code == 201
    html = response.json()["body_html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org/?a=1&amp;b=' in html


def test_exactly_4000_characters_is_fine(direct, anna):
    response = client_for(anna).post(
        messages_url(direct.pk), {"body": "x" * 4000, "client_id": "long"}, format="json"
    )
    assert response.status_code == 201


def test_a_private_answer_carries_the_post(anna, ben):
    offer = OfferFactory(author=ben, title="Rasenmäher zu verleihen")
    anna.home_municipality = ben.home_municipality
    anna.save()
    conversation = services.conversation_start_direct(user=anna, other_id=ben.pk)

    response = client_for(anna).post(
        messages_url(conversation.pk),
        {"body": "Ist er noch frei?", "client_id": "p1", "post": offer.pk},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["post"]["title"] == "Rasenmäher zu verleihen"
    assert response.json()["post"]["url"] == reverse("posts:detail", args=[offer.pk])


def test_a_post_of_someone_else_cannot_be_attached(direct, anna):
    stranger_post = OfferFactory(author=UserFactory(home_municipality=anna.home_municipality))

    response = client_for(anna).post(
        messages_url(direct.pk),
        {"body": "Hallo", "client_id": "p2", "post": stranger_post.pk},
        format="json",
    )

    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_only_the_author_edits_and_deletes_within_15_minutes(direct, anna, ben):
    message = send(anna, direct, "Erste Fassung")
    url = message_url(direct.pk, message.pk)

    assert client_for(ben).patch(url, {"body": "Fremd"}, format="json").status_code == 403
    assert client_for(ben).delete(url).status_code == 403
    assert client_for(UserFactory()).patch(url, {"body": "x"}, format="json").status_code == 404
    edited = client_for(anna).patch(url, {"body": "Zweite Fassung"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["body"] == "Zweite Fassung"
    assert edited.json()["edited_at"] is not None

    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=15, seconds=1)
    )
    assert client_for(anna).patch(url, {"body": "Zu spät"}, format="json").status_code == 403
    assert client_for(anna).delete(url).status_code == 403
    message.refresh_from_db()
    assert message.body == "Zweite Fassung"
    assert message.deleted_at is None


def test_a_deleted_message_keeps_its_place_without_text(direct, anna, ben):
    message = send(anna, direct, "Geheimnis")

    response = client_for(anna).delete(message_url(direct.pk, message.pk))

    assert response.status_code == 200
    seen = client_for(ben).get(messages_url(direct.pk)).json()["results"][0]
    assert seen["deleted"] is True
    assert seen["body"] == seen["body_html"] == ""
    assert client_for(ben).get(CONVERSATIONS).json()[0]["unread_count"] == 0


def test_a_message_id_of_another_conversation_is_refused(direct, anna):
    other = services.conversation_start_direct(user=anna, other_id=UserFactory().pk)
    message = send(anna, other)

    response = client_for(anna).patch(
        message_url(direct.pk, message.pk), {"body": "x"}, format="json"
    )

    assert response.status_code == 400
    message.refresh_from_db()
    assert message.body == "Hallo"


def test_reading_clears_the_unread_count(direct, anna, ben):
    first = send(anna, direct, "Eins")
    send(anna, direct, "Zwei")
    client = client_for(ben)

    upto_first = client.post(
        reverse("api:conversation_read", args=[direct.pk]), {"message": first.pk}, format="json"
    )
    assert upto_first.json() == {"last_read_message": first.pk, "unread_count": 1}
    everything = client.post(reverse("api:conversation_read", args=[direct.pk]))
    assert everything.json()["unread_count"] == 0
    backwards = client.post(
        reverse("api:conversation_read", args=[direct.pk]), {"message": first.pk}, format="json"
    )
    assert backwards.json()["unread_count"] == 0
    assert backwards.json()["last_read_message"] > first.pk


def test_the_rate_limit_answers_429_and_saves_nothing_more(direct, anna, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    client = client_for(anna)
    codes = [
        client.post(
            messages_url(direct.pk), {"body": f"n{n}", "client_id": f"r{n}"}, format="json"
        ).status_code
        for n in range(4)
    ]

    assert codes == [201, 201, 201, 429]
    assert Message.objects.count() == 3


# --- groups --------------------------------------------------------------------------------


def test_muting_is_per_person(direct, anna, ben):
    response = client_for(anna).patch(detail(direct.pk), {"muted": True}, format="json")

    assert response.json()["muted"] is True
    assert client_for(ben).get(detail(direct.pk)).json()["muted"] is False


def test_a_direct_conversation_cannot_be_renamed_or_left(direct, anna):
    client = client_for(anna)
    assert client.patch(detail(direct.pk), {"title": "Neu"}, format="json").status_code == 400
    assert client.delete(detail(direct.pk)).status_code == 400
    assert Participant.objects.filter(conversation=direct).count() == 2


def test_leaving_a_group_ends_access(anna, ben):
    group = services.conversation_create_group(user=anna, title="Chor", participant_ids=[ben.pk])
    send(anna, group)

    assert client_for(ben).delete(detail(group.pk)).status_code == 204
    assert client_for(ben).get(messages_url(group.pk)).status_code == 404
    assert [p["id"] for p in client_for(anna).get(detail(group.pk)).json()["participants"]] == [
        anna.pk
    ]


def test_people_added_to_a_group_see_its_history_as_unread(anna, ben):
    group = services.conversation_create_group(user=anna, title="Chor", participant_ids=[ben.pk])
    send(anna, group, "Probe am Dienstag")
    carla = UserFactory()

    response = client_for(ben).post(
        reverse("api:conversation_participants", args=[group.pk]),
        {"participants": [carla.pk]},
        format="json",
    )

    assert response.status_code == 200
    mine = client_for(carla).get(CONVERSATIONS).json()
    assert mine[0]["id"] == group.pk
    assert mine[0]["unread_count"] == 1


def test_the_schema_documents_every_message_field(direct, anna):
    """The API's MessageSerializer only documents; message_data builds the output. They must
    name the same fields."""
    from apps.chat.api import MessageSerializer

    message = send(anna, direct)
    data = client_for(anna).get(messages_url(direct.pk)).json()["results"][0]

    assert set(data) == set(MessageSerializer().fields)
    assert data["id"] == message.pk
    schema = client_for(anna).get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/conversations/{id}/messages/" in schema["paths"]
