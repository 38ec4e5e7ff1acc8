"""/api/v1/concerns/: the same services and selectors as the pages, in JSON."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.concerns.models import Concern, ConcernMessage
from tests.factories import UserFactory, client_for, editor_of

from .factories import ConcernFactory, ConcernPhotoFactory, jpeg_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/concerns/"


def test_create_with_photos_by_multipart(reporter, village):
    response = client_for(reporter).post(
        API,
        {
            "category": "dumping",
            "description": "Altreifen am Waldrand",
            "latitude": "48.81",
            "longitude": "10.59",
            "photos": [upload("a.jpg", jpeg_bytes()), upload("b.jpg", jpeg_bytes((30, 30)))],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["full"] is True and data["status"] == "received"
    assert data["municipality"]["slug"] == village.slug
    assert data["latitude"] == 48.81 and data["longitude"] == 10.59
    assert data["reporter"]["name"] == reporter.public_name
    assert len(data["photos"]) == 2
    photo = client_for(reporter).get(data["photos"][0]["thumbnail_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_create_by_json_with_numbers(reporter):
    response = client_for(reporter).post(
        API,
        {"category": "green", "description": "Ast auf dem Weg", "latitude": 50, "longitude": 8},
        format="json",
    )
    assert response.status_code == 201
    assert Concern.objects.get().latitude == 50


def test_status_message_and_exchange(people, concern, reporter):
    editor = people["editor"]
    response = client_for(editor).post(
        f"{API}{concern.pk}/status/",
        {"status": "done", "message": "Erledigt!", "public_note": "Geflickt."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["public_notes"][0]["note"] == "Geflickt."
    answer = client_for(reporter).post(
        f"{API}{concern.pk}/messages/", {"body": "Danke!"}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["from_town_hall"] is False
    exchange = client_for(reporter).get(f"{API}{concern.pk}/messages/").json()
    assert [m["body"] for m in exchange] == ["Erledigt!", "Danke!"]
    assert exchange[0]["status"] == "done" and exchange[0]["from_town_hall"] is True
    # The reporter sees "the town hall", not which clerk.
    assert exchange[0]["author"] is None
    seen_by_editor = client_for(editor).get(f"{API}{concern.pk}/messages/").json()
    assert seen_by_editor[0]["author"]["id"] == editor.pk


def test_list_filters_and_pages(people, reporter, village):
    for n in range(3):
        ConcernFactory(reporter=reporter, category="road", description=f"Loch {n}")
    ConcernFactory(reporter=reporter, category="playground", status=Concern.Status.DONE)
    editor = client_for(people["editor"])
    assert len(editor.get(API).json()["results"]) == 4
    assert len(editor.get(API, {"category": "road"}).json()["results"]) == 3
    assert len(editor.get(API, {"status": "done"}).json()["results"]) == 1
    assert editor.get(API, {"mine": 1}).json()["results"] == []
    first = editor.get(API, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next_offset"] == 2
    second = editor.get(API, {"limit": 2, "offset": 2}).json()
    assert len(second["results"]) == 2 and second["next_offset"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 4
    assert len(client_for(reporter).get(API, {"mine": 1}).json()["results"]) == 4
    assert client_for(people["other_editor"]).get(API).json()["results"] == []


def test_assign_and_publish(people, concern, village):
    colleague = editor_of(village)
    c = client_for(people["editor"])
    response = c.post(f"{API}{concern.pk}/assign/", {"assignee": colleague.pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"]["id"] == colleague.pk
    response = c.post(
        f"{API}{concern.pk}/publish/",
        {"published": True, "public_text": "Loch Ortsmitte", "photos_public": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["published"] is True
    public = client_for(None).get(f"{API}{concern.pk}/").json()
    assert public["description"] == "Loch Ortsmitte" and public["reporter"] is None
    assert public["assignee"] is None and public["public_text"] is None
    assert len(public["photos"]) == 1
    assert client_for(None).get(public["photos"][0]["url"]).status_code == 200


def test_published_list_costs_the_same_queries_for_many(people, village):
    def make():
        concern = ConcernFactory(reporter=UserFactory(home_municipality=village))
        ConcernPhotoFactory(concern=concern)
        Concern.objects.filter(pk=concern.pk).update(published_at=concern.created_at)

    make()
    anonymous = client_for(None)
    anonymous.get(API, {"published": 1})
    with CaptureQueriesContext(connection) as few:
        assert len(anonymous.get(API, {"published": 1}).json()["results"]) == 1
    for _ in range(10):
        make()
    with CaptureQueriesContext(connection) as many:
        assert len(anonymous.get(API, {"published": 1}).json()["results"]) == 11
    assert len(many) == len(few)


def test_schema_documents_every_endpoint_and_field(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/concerns/",
        "/api/v1/concerns/{id}/",
        "/api/v1/concerns/{id}/status/",
        "/api/v1/concerns/{id}/messages/",
        "/api/v1/concerns/{id}/assign/",
        "/api/v1/concerns/{id}/publish/",
        "/api/v1/concerns/{id}/photos/{photo_id}/",
    ):
        assert path in paths, path
    components = schema["components"]["schemas"]
    concern_fields = set(components["Concern"]["properties"])
    assert {
        "id",
        "full",
        "category",
        "status",
        "description",
        "address",
        "latitude",
        "longitude",
        "photos",
        "reporter",
        "assignee",
        "published",
        "public_notes",
        "can_handle",
    } <= concern_fields
    assert {"category", "description", "address", "latitude", "longitude", "photos"} <= set(
        components["ConcernCreateRequest"]["properties"]
    )
    assert {"status", "message", "public_note"} <= set(
        components["StatusChangeRequest"]["properties"]
    )


def test_message_count_does_not_leak_other_reports(people, concern, reporter):
    other = ConcernFactory(reporter=reporter)
    ConcernMessage.objects.create(concern=other, author=reporter, body="Anderes")
    exchange = client_for(reporter).get(f"{API}{concern.pk}/messages/").json()
    assert exchange == []
