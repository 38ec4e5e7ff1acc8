"""/api/v1/news/: reading for everyone by what they may see, writing for the municipality's
editors only, every bad input a 400 that saves nothing, and keyset pages."""

import base64
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.townhall.models import News
from tests.factories import client_for

from .helpers import backdate, make_news, pdf_bytes, pdf_upload, photo_upload

pytestmark = pytest.mark.django_db

NEWS = "/api/v1/news/"
ROLES = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
READERS = {
    "public": set(ROLES),
    "residents": {"resident", "moderator", "editor"},
    "scheduled": {"editor"},
}


def api(people, role):
    return client_for(people[role])


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


# --- Reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_holds_what_each_person_may_read(people, scene, role):
    listed = set(titles(api(people, role).get(NEWS)))

    expected = {getattr(scene, kind).news.title for kind, who in READERS.items() if role in who}
    assert listed == expected


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("role", ROLES)
def test_detail_photo_and_attachment_follow_the_same_rule(people, scene, role, kind):
    item = getattr(scene, kind)
    client = api(people, role)
    base = f"{NEWS}{item.news.pk}/"

    statuses = {
        client.get(base).status_code,
        client.get(f"{base}photos/{item.photo.pk}/?size=thumb").status_code,
        client.get(f"{base}attachment/").status_code,
    }

    assert statuses == ({200} if role in READERS[kind] else {404})


def test_detail_carries_every_field(people, scene):
    item = scene.residents
    data = api(people, "resident").get(f"{NEWS}{item.news.pk}/").json()

    assert data["municipality"] == {
        "id": item.news.municipality_id,
        "slug": "heimdorf",
        "name": "Heimdorf",
    }
    assert data["public"] is False and data["is_published"] is True
    assert data["can_change"] is False
    assert data["body_html"].startswith("<p>")
    assert data["attachment"]["name"] == "amtsblatt.pdf"
    assert data["attachment"]["size"] == len(pdf_bytes())
    assert data["attachment"]["url"].endswith(f"/api/v1/news/{item.news.pk}/attachment/")
    assert data["photos"][0]["thumbnail_url"].endswith(
        f"/api/v1/news/{item.news.pk}/photos/{item.photo.pk}/?size=thumb"
    )
    assert "author" not in data


def test_filters_by_municipality_and_urgency(people, scene, other_village):
    make_news(people["editor"], title="Sturm", urgent=True)
    make_news(people["other_editor"], title="In Fernau")
    client = api(people, "anonymous")

    assert titles(client.get(NEWS, {"urgent": "true"})) == ["Sturm"]
    assert "Sturm" not in titles(client.get(NEWS, {"urgent": "false"}))
    assert titles(client.get(NEWS, {"municipality": "fernau"})) == ["In Fernau"]
    assert titles(client.get(NEWS, {"municipality": "nirgendwo"})) == []


def test_cursor_pages_return_every_news_once_in_order(people):
    expected = []
    for n in range(25):
        news = make_news(people["editor"], title=f"Meldung {n}")
        # Pairs with the same time: the id decides.
        backdate(news, hours=n // 2)
        expected.append(news)
    expected.sort(key=lambda news: (news.publish_at, news.pk), reverse=True)
    client = api(people, "resident")

    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = client.get(NEWS, params).json()
        seen += [item["id"] for item in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert seen == [news.pk for news in expected]


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


BAD_PARAMS = {
    "cursor_garbage": {"cursor": "!!!"},
    "cursor_not_a_list": {"cursor": _cursor({"a": 1})},
    "cursor_naive_time": {"cursor": _cursor(["2026-01-01T00:00:00", 5])},
    "cursor_year_1": {"cursor": _cursor(["0001-01-01T00:00:00+05:00", 5])},
    "cursor_huge_id": {"cursor": _cursor(["2026-01-01T00:00:00+00:00", 10**30])},
    "cursor_bool_id": {"cursor": _cursor(["2026-01-01T00:00:00+00:00", True])},
    "limit_word": {"limit": "viele"},
    "urgent_word": {"urgent": "vielleicht"},
}


@pytest.mark.parametrize("params", list(BAD_PARAMS.values()), ids=list(BAD_PARAMS))
def test_malformed_parameters_are_a_400(people, params):
    response = api(people, "resident").get(NEWS, params)

    assert response.status_code == 400
    assert response.json()


@pytest.mark.parametrize("pk", [0, 2**62, 10**30])
def test_impossible_ids_are_404(people, pk):
    client = api(people, "editor")

    assert client.get(f"{NEWS}{pk}/").status_code == 404
    assert client.patch(f"{NEWS}{pk}/", {"title": "x"}, format="json").status_code == 404
    assert client.delete(f"{NEWS}{pk}/").status_code == 404


def test_list_costs_the_same_queries_whatever_its_size(people):
    for n in range(30):
        make_news(people["editor"], title=f"Meldung {n}", photos=1, attachment=pdf_upload())
    client = api(people, "resident")

    counts = []
    for limit in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            assert len(titles(client.get(NEWS, {"limit": limit}))) == limit
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Writing ---------------------------------------------------------------------------------

CREATE = {"municipality": "heimdorf", "title": "Straßenfest", "body": "Am Samstag."}


@pytest.mark.parametrize("role", ["other_resident", "resident", "moderator", "other_editor"])
def test_only_the_town_hall_publishes_through_the_api(people, village, role):
    response = api(people, role).post(NEWS, CREATE, format="json")

    assert response.status_code == 403
    assert not News.objects.exists()


def test_anonymous_cannot_publish_change_or_delete(people, scene):
    client = api(people, "anonymous")
    pk = scene.public.news.pk

    assert client.post(NEWS, CREATE, format="json").status_code in (401, 403)
    assert client.patch(f"{NEWS}{pk}/", {"title": "x"}, format="json").status_code in (401, 403)
    assert client.delete(f"{NEWS}{pk}/").status_code in (401, 403)
    assert News.objects.count() == 3


@pytest.mark.parametrize(
    ("role", "status"),
    [("resident", 403), ("moderator", 403), ("other_editor", 404), ("other_resident", 404)],
)
def test_readers_may_not_change_news_and_others_do_not_find_it(people, scene, role, status):
    client = api(people, role)
    pk = scene.residents.news.pk

    assert client.patch(f"{NEWS}{pk}/", {"title": "Gehackt"}, format="json").status_code == status
    assert client.delete(f"{NEWS}{pk}/").status_code == status
    assert News.objects.get(pk=pk).title == "Nur für Einwohner"


def test_editor_publishes_an_urgent_warning_as_multipart_with_photo_and_pdf(people, village):
    until = timezone.now() + dt.timedelta(hours=5)
    response = api(people, "editor").post(
        NEWS,
        {
            **CREATE,
            "urgent": "true",
            "urgent_until": until.isoformat(),
            "public": "false",
            "photos": [photo_upload(), photo_upload("b.jpg")],
            "attachment": pdf_upload(),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["urgent"] and data["is_current_warning"] and not data["public"]
    assert len(data["photos"]) == 2 and data["attachment"]["name"] == "amtsblatt.pdf"
    assert data["can_change"] is True
    news = News.objects.get()
    assert abs(news.urgent_until - until) < dt.timedelta(seconds=1)


def test_editor_schedules_news_and_it_stays_hidden_until_then(people):
    at = timezone.now() + dt.timedelta(days=3)
    response = api(people, "editor").post(
        NEWS, {**CREATE, "publish_at": at.isoformat()}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["is_published"] is False
    assert titles(api(people, "resident").get(NEWS)) == []


def test_patch_changes_only_what_is_sent(people, scene):
    news = scene.public.news
    client = api(people, "editor")

    response = client.patch(f"{NEWS}{news.pk}/", {"title": "Neuer Titel"}, format="json")

    assert response.status_code == 200
    news.refresh_from_db()
    assert (news.title, news.body, news.public) == (
        "Neuer Titel",
        "Am Montag von 8 bis 12 Uhr gibt es kein Wasser.",
        True,
    )
    assert news.photos.count() == 1 and news.attachment


def test_patch_removes_photo_and_attachment(people, scene):
    item = scene.public
    response = api(people, "editor").patch(
        f"{NEWS}{item.news.pk}/",
        {"remove_photo_ids": [item.photo.pk], "remove_attachment": True},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["photos"] == [] and response.json()["attachment"] is None


def test_editor_deletes_news(people, scene):
    pk = scene.public.news.pk

    assert api(people, "editor").delete(f"{NEWS}{pk}/").status_code == 204
    assert not News.objects.filter(pk=pk).exists()


def _in(**delta) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


BAD_CREATE = {
    "no_title": ({"title": ""}, "title"),
    "title_number": ({"title": 42}, "title"),
    "body_list": ({"body": ["a"]}, "body"),
    "blank_body": ({"body": "\u200b\n"}, "body"),
    "long_title": ({"title": "x" * 151}, "title"),
    "unknown_municipality": ({"municipality": "nirgendwo"}, "municipality"),
    "municipality_object": ({"municipality": {"slug": "heimdorf"}}, "municipality"),
    "publish_yesterday": ({"publish_at": _in(days=-1)}, "publish_at"),
    "publish_in_two_years": ({"publish_at": _in(days=730)}, "publish_at"),
    "publish_garbage": ({"publish_at": "bald"}, "publish_at"),
    "publish_year_1_east": ({"publish_at": "0001-01-01T00:00:00+05:00"}, "publish_at"),
    "publish_year_9999_urgent": (
        {"publish_at": "9999-12-31T23:59:59-05:00", "urgent": True},
        "publish_at",
    ),
    "warning_year_9999": (
        {"urgent": True, "urgent_until": "9999-12-31T23:59:59+00:00"},
        "urgent_until",
    ),
    "warning_ended": ({"urgent": True, "urgent_until": _in(hours=-1)}, "urgent_until"),
    "warning_too_long": ({"urgent": True, "urgent_until": _in(days=15)}, "urgent_until"),
    "pinned_past": ({"pinned_until": _in(days=-3)}, "pinned_until"),
    "public_word": ({"public": "vielleicht"}, "public"),
}


@pytest.mark.parametrize(("payload", "field"), list(BAD_CREATE.values()), ids=list(BAD_CREATE))
def test_bad_create_input_is_a_400_naming_the_field_and_saves_nothing(people, payload, field):
    response = api(people, "editor").post(NEWS, {**CREATE, **payload}, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not News.objects.exists()


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ({"attachment": pdf_upload("x.pdf", b"MZ\x90\x00 not a pdf")}, "attachment"),
        ({"attachment": pdf_upload("x.pdf", pdf_bytes()[:-8])}, "attachment"),
        ({"photos": [photo_upload("x.jpg", b"no image")]}, "photos"),
        ({"photos": [photo_upload() for _ in range(5)]}, "photos"),
    ],
    ids=["not_a_pdf", "truncated_pdf", "photo_not_an_image", "five_photos"],
)
def test_bad_files_are_a_400_and_save_nothing(people, files, field):
    response = api(people, "editor").post(NEWS, {**CREATE, **files}, format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert not News.objects.exists()


def test_pdf_over_the_limit_is_refused(people, settings):
    settings.TOWNHALL_PDF_MAX_BYTES = 1024
    big = pdf_bytes().replace(b"% Amtsblatt", b"%" + b"x" * 2000)

    response = api(people, "editor").post(
        NEWS, {**CREATE, "attachment": pdf_upload("gross.pdf", big)}, format="multipart"
    )

    assert response.status_code == 400
    assert "zu groß" in response.json()["attachment"][0]
    assert not News.objects.exists()


def test_a_hundred_megabyte_request_is_refused_by_its_declared_length(people):
    """Called past the middleware (which parses bodies itself; see the report)."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    from apps.townhall.api import NewsListView

    request = APIRequestFactory().post(NEWS, CREATE, format="multipart")
    request.META["CONTENT_LENGTH"] = str(100 * 1024 * 1024)
    force_authenticate(request, user=people["editor"])

    response = NewsListView.as_view()(request)

    assert response.status_code == 400
    assert "zu groß" in json.dumps(response.data, ensure_ascii=False)
    assert not News.objects.exists()


def test_published_news_cannot_be_rescheduled_through_the_api(people, scene):
    pk = scene.public.news.pk
    response = api(people, "editor").patch(
        f"{NEWS}{pk}/", {"publish_at": _in(days=2)}, format="json"
    )

    assert response.status_code == 400
    assert "publish_at" in response.json()


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null"])
def test_a_json_body_that_is_not_an_object_is_a_400(people, raw):
    response = api(people, "editor").generic("POST", NEWS, raw, content_type="application/json")

    assert response.status_code == 400
    assert not News.objects.exists()


def test_schema_documents_every_news_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    for path in ["/api/v1/news/", "/api/v1/news/{id}/", "/api/v1/news/{id}/attachment/"]:
        assert path in schema
    for name in ["urgent_until", "pinned_until", "publish_at", "is_current_warning", "attachment"]:
        assert name in schema
