"""Bad input to a report gets a clear error and saves nothing, through the form and the API;
no input gives a 500."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto
from tests.factories import client_for

from .factories import jpeg_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/concerns/"
GOOD = {"category": "road", "description": "Schlagloch", "address": "Hauptstraße 1"}
OUTSIDE = "in Deutschland"


def _truncated_jpeg() -> bytes:
    return jpeg_bytes((400, 300))[:300]


def _fifty_megabytes() -> bytes:
    return jpeg_bytes()[:100] + b"\0" * (50 * 1024 * 1024)


BAD_PLACES = {
    "north_of_germany": ({"latitude": "55.2", "longitude": "10"}, "latitude", OUTSIDE),
    "south_of_germany": ({"latitude": "47.1", "longitude": "10"}, "latitude", OUTSIDE),
    "west_of_germany": ({"latitude": "50", "longitude": "5.7"}, "longitude", OUTSIDE),
    "east_of_germany": ({"latitude": "50", "longitude": "15.2"}, "longitude", OUTSIDE),
    "paris": ({"latitude": "48.8566", "longitude": "2.3522"}, "longitude", OUTSIDE),
    "not_a_number": ({"latitude": "hier", "longitude": "10"}, "latitude", "Zahl"),
    "nan": ({"latitude": "NaN", "longitude": "10"}, "latitude", "Zahl"),
    "infinity": ({"latitude": "50", "longitude": "Infinity"}, "longitude", "Zahl"),
    "huge": ({"latitude": "1e999999", "longitude": "10"}, "latitude", ""),
    "only_latitude": ({"latitude": "50"}, "longitude", "Breite und Länge"),
    "no_place_at_all": ({"address": "   "}, "address", "wo das ist"),
}


@pytest.mark.parametrize("case", list(BAD_PLACES))
def test_bad_place_in_the_form(client, reporter, case):
    values, field, text = BAD_PLACES[case]
    client.force_login(reporter)
    data = {**GOOD, "address": "", **values}
    response = client.post(reverse("concerns:create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert not Concern.objects.exists()


@pytest.mark.parametrize("case", list(BAD_PLACES))
def test_bad_place_in_the_api(reporter, case):
    values, field, text = BAD_PLACES[case]
    response = client_for(reporter).post(API, {**GOOD, "address": "", **values}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert text in " ".join(response.json()[field])
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"latitude": 55.2, "longitude": 10.0},
        {"latitude": True, "longitude": 10.0},
        {"latitude": [50], "longitude": 10.0},
        {"latitude": {"x": 1}, "longitude": 10.0},
        {"latitude": 10**400, "longitude": 10.0},
        {"description": 42},
        {"description": ["Loch"]},
        {"description": None},
        {"description": ""},
        {"description": "x" * 20_000},
        {"category": "ufo"},
        {"category": None},
        {"address": 7, "latitude": None},
        {"address": "x" * 201},
    ],
)
def test_non_string_and_wrong_json_values_are_400(reporter, payload):
    response = client_for(reporter).post(API, {**GOOD, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert not Concern.objects.exists()


def test_a_json_list_body_is_400(reporter):
    response = client_for(reporter).post(API, [GOOD], format="json")
    assert response.status_code == 400
    assert not Concern.objects.exists()


BAD_PHOTOS = {
    "text": (
        "brief.txt",
        b"Liebe Gemeinde, das ist kein Bild.",
        "text/plain",
        "kein gültiges Bild",
    ),
    "truncated": ("halb.jpg", _truncated_jpeg(), "image/jpeg", "kein gültiges Bild"),
    "empty": ("leer.jpg", b"", "image/jpeg", "leer"),
}


def _photo_case(case: str):
    if case == "fifty_megabytes":
        return ("riesig.jpg", _fifty_megabytes(), "image/jpeg", "zu groß")
    return BAD_PHOTOS[case]


PHOTO_CASES = [*BAD_PHOTOS, "fifty_megabytes"]


@pytest.mark.parametrize("case", PHOTO_CASES)
def test_bad_photo_in_the_form_saves_nothing(client, reporter, case):
    name, content, content_type, text = _photo_case(case)
    client.force_login(reporter)
    good = upload("gut.jpg", jpeg_bytes())
    response = client.post(
        reverse("concerns:create"), {**GOOD, "photos": [good, upload(name, content, content_type)]}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "photos" in errors and text in " ".join(errors["photos"]), errors
    assert not Concern.objects.exists() and not ConcernPhoto.objects.exists()


@pytest.mark.parametrize("case", PHOTO_CASES)
def test_bad_photo_in_the_api_saves_nothing(reporter, case):
    name, content, content_type, text = _photo_case(case)
    response = client_for(reporter).post(
        API, {**GOOD, "photos": [upload(name, content, content_type)]}, format="multipart"
    )
    assert response.status_code == 400
    assert text in " ".join(response.json()["photos"])
    assert not Concern.objects.exists() and not ConcernPhoto.objects.exists()


def test_more_than_three_photos_are_refused(reporter):
    photos = [upload(f"{n}.jpg", jpeg_bytes()) for n in range(4)]
    response = client_for(reporter).post(API, {**GOOD, "photos": photos}, format="multipart")
    assert response.status_code == 400
    assert "Höchstens 3" in " ".join(response.json()["photos"])
    assert not Concern.objects.exists()


def test_stored_photo_has_no_exif_or_gps(client, reporter):
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 40.0), 3: "E", 4: (10.0, 39.0, 8.0)}
    original = jpeg_bytes((800, 600), exif=exif)
    assert b"Kamerahersteller" in original
    client.force_login(reporter)
    response = client.post(
        reverse("concerns:create"), {**GOOD, "photos": [upload("loch.jpg", original)]}
    )
    assert response.status_code == 302
    photo = ConcernPhoto.objects.get()
    with photo.image.open("rb") as handle:
        stored = handle.read()
    assert b"Kamerahersteller" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert image.format == "JPEG"


HUGE = 10**30


def test_huge_and_missing_ids_are_404_not_500(client, people, concern):
    client.force_login(people["editor"])
    photo = concern.photos.get().pk
    for pk in (HUGE, 2**63, 999_999):
        assert client.get(reverse("concerns:detail", args=[pk])).status_code == 404
        assert client.get(reverse("concerns:photo", args=[pk, photo, "full"])).status_code == 404
        response = client.post(reverse("concerns:status", args=[pk]), {"status": "done"})
        assert response.status_code == 404
        assert client.get(f"{API}{pk}/").status_code == 404
        assert client.get(f"{API}{pk}/photos/{photo}/").status_code == 404
        assert client.post(f"{API}{pk}/messages/", {"body": "x"}).status_code == 404
        url = reverse("concerns:published_detail", args=["heimdorf", pk])
        assert client.get(url).status_code == 404
    for photo_id in (HUGE, 999_999):
        url = reverse("concerns:photo", args=[concern.pk, photo_id, "full"])
        assert client.get(url).status_code == 404
        assert client.get(f"{API}{concern.pk}/photos/{photo_id}/").status_code == 404
    url = reverse("concerns:photo", args=[concern.pk, photo, "riesig"])
    assert client.get(url).status_code == 404


def test_assign_to_a_huge_or_unknown_person_is_400(people, concern):
    c = client_for(people["editor"])
    for value in (HUGE, 999_999, -1, "abc", True):
        response = c.post(f"{API}{concern.pk}/assign/", {"assignee": value}, format="json")
        assert response.status_code == 400, (value, response.content)
    concern.refresh_from_db()
    assert concern.assignee is None


def test_assign_form_with_a_stranger_is_400(client, people, concern):
    client.force_login(people["editor"])
    for value in (str(people["other_editor"].pk), str(HUGE), "abc"):
        response = client.post(reverse("concerns:assign", args=[concern.pk]), {"assignee": value})
        assert response.status_code == 400
    concern.refresh_from_db()
    assert concern.assignee is None


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "vielleicht"},
        {"status": 3},
        {"status": "done", "message": 42},
        {"status": "done", "public_note": ["x"]},
        {"status": "done", "message": "x" * 9000},
        {"status": "received"},
    ],
)
def test_bad_status_changes_are_400_and_change_nothing(people, concern, payload):
    response = client_for(people["editor"]).post(
        f"{API}{concern.pk}/status/", payload, format="json"
    )
    assert response.status_code == 400
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RECEIVED
    assert not ConcernMessage.objects.exists()


def test_status_form_with_a_bad_status_is_400(client, people, concern):
    client.force_login(people["editor"])
    for status in ("vielleicht", "received", ""):
        response = client.post(reverse("concerns:status", args=[concern.pk]), {"status": status})
        assert response.status_code == 400
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RECEIVED


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": 0},
        {"limit": 10**30},
        {"offset": -1},
        {"offset": "1e3"},
        {"status": "weg"},
        {"category": "ufo"},
    ],
)
def test_bad_list_parameters_are_400(reporter, params):
    assert client_for(reporter).get(API, params).status_code == 400
    assert client_for(None).get(API, {"published": 1, **params}).status_code == 400


def test_bad_inbox_filters_show_the_form_error(client, people):
    client.force_login(people["editor"])
    for params in ({"status": "weg"}, {"category": "ufo"}, {"assignee": "99999"}, {"order": "x"}):
        response = client.get(reverse("concerns:inbox", args=["heimdorf"]), params)
        assert response.status_code == 400
        export = client.get(reverse("concerns:export", args=["heimdorf"]), params)
        assert export.status_code == 400
