"""The town hall's web pages: who may open what (anonymous, resident of another village,
resident, moderator, editor of the municipality, editor of another one), the editors' forms
without JavaScript, bad input, the feed block and the notice board."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from apps.townhall.models import News
from tests.factories import UserFactory

from .helpers import backdate, make_news, pdf_bytes, pdf_upload, photo_upload

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
FEED_URL = "/dorf/"


def _url(name: str, item, *extra) -> str:
    news = item.news
    return reverse(f"townhall:{name}", args=[news.municipality.slug, news.pk, *extra])


READ_PAGES = {
    "detail": lambda item: _url("news_detail", item),
    "photo_thumb": lambda item: _url("photo", item, item.photo.pk, "thumb"),
    "photo_full": lambda item: _url("photo", item, item.photo.pk, "full"),
    "attachment": lambda item: _url("attachment", item),
}

# Who reads which news: public news everyone, residents' news the municipality's people
# (home, radius, roles), scheduled news only its town hall.
READERS = {
    "public": set(ROLES),
    "residents": {"resident", "moderator", "editor"},
    "scheduled": {"editor"},
}


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_news(visit, scene, role, kind, page):
    item = getattr(scene, kind)

    response = visit(role).get(READ_PAGES[page](item))

    assert response.status_code == (200 if role in READERS[kind] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_news_page_lists_what_the_visitor_may_read(visit, scene, role):
    response = visit(role).get(reverse("townhall:news_list", args=["heimdorf"]))

    assert response.status_code == 200
    for kind, readers in READERS.items():
        title = getattr(scene, kind).news.title
        assert (title in response.content.decode()) == (role in readers), (kind, title)


def test_news_of_one_municipality_is_not_found_under_another(client, scene, other_village):
    news = scene.public.news
    response = client.get(reverse("townhall:news_detail", args=[other_village.slug, news.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("pk", [0, 2**62, 10**30])
def test_huge_or_impossible_ids_are_404(client, scene, pk):
    assert client.get(f"/gemeinden/heimdorf/rathaus/{pk}/").status_code == 404
    assert client.get(f"/gemeinden/heimdorf/rathaus/{scene.public.news.pk}/fotos/{pk}/thumb/")
    assert (
        client.get(
            f"/gemeinden/heimdorf/rathaus/{scene.public.news.pk}/fotos/{pk}/thumb/"
        ).status_code
        == 404
    )


def test_unknown_municipality_and_photo_size_are_404(client, scene):
    assert client.get("/gemeinden/nirgendwo/rathaus/").status_code == 404
    assert client.get(_url("photo", scene.public, scene.public.photo.pk, "huge")).status_code == 404


def test_attachment_is_served_as_a_sandboxed_pdf(client, scene):
    response = client.get(READ_PAGES["attachment"](scene.public))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert 'filename="amtsblatt.pdf"' in response["Content-Disposition"]
    assert response.content == pdf_bytes()


def test_photo_of_news_for_residents_is_never_cached_publicly(visit, scene):
    response = visit("resident").get(READ_PAGES["photo_thumb"](scene.residents))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")


def test_detail_shows_rendered_text_and_no_clerk_name(client, people, village):
    news = make_news(people["editor"], body="## Sperrung\n- Hauptstraße\n<script>x</script>")

    response = client.get(reverse("townhall:news_detail", args=[village.slug, news.pk]))

    assertContains(response, "<h2>Sperrung</h2>", html=False)
    assertContains(response, "<li>Hauptstraße</li>", html=False)
    assertContains(response, "&lt;script&gt;x&lt;/script&gt;")
    assertNotContains(response, people["editor"].last_name)


def test_bad_cursor_on_the_news_page_is_a_400(client, village):
    response = client.get(reverse("townhall:news_list", args=[village.slug]), {"cursor": "x!"})

    assert response.status_code == 400
    assertContains(response, "Ungültiger Cursor", status_code=400)


def test_news_page_pages_through_every_news_once(client, people, village):
    titles = [f"Meldung {n}" for n in range(45)]
    for hours, title in enumerate(titles):
        backdate(make_news(people["editor"], title=title), hours=hours)
    url = reverse("townhall:news_list", args=[village.slug])

    seen = []
    for _ in range(5):
        response = client.get(url)
        seen += re.findall(r"Meldung \d+", response.content.decode())
        match = re.search(r'href="\?cursor=([^"]+)"', response.content.decode())
        if not match:
            break
        url = reverse("townhall:news_list", args=[village.slug]) + "?cursor=" + match.group(1)

    assert seen == titles


def test_pinned_news_stands_on_top_by_itself(client, people, village):
    pinned = make_news(
        people["editor"], title="Sprechzeiten", pinned_until=timezone.now() + dt.timedelta(days=5)
    )
    backdate(pinned, days=3)
    make_news(people["editor"], title="Neuere Meldung")

    content = client.get(reverse("townhall:news_list", args=[village.slug])).content.decode()

    assert content.count("Sprechzeiten") == 1
    assert content.index("Sprechzeiten") < content.index("Neuere Meldung")


# --- The editors' pages ---------------------------------------------------------------------

FORM = {"title": "Straßenfest", "body": "Am Samstag ist die Hauptstraße gesperrt.", "public": "on"}


def _manage_pages(scene):
    slug, pk = "heimdorf", scene.public.news.pk
    return {
        "manage": ("get", reverse("townhall:manage", args=[slug]), {}),
        "create_form": ("get", reverse("townhall:create", args=[slug]), {}),
        "create": ("post", reverse("townhall:create", args=[slug]), FORM),
        "edit_form": ("get", reverse("townhall:edit", args=[slug, pk]), {}),
        "edit": ("post", reverse("townhall:edit", args=[slug, pk]), {**FORM, "title": "Neu"}),
        "delete_form": ("get", reverse("townhall:delete", args=[slug, pk]), {}),
        "delete": ("post", reverse("townhall:delete", args=[slug, pk]), {}),
    }


FORM_FIELDS = {"publish_at", "pinned_until", "urgent_until"}
MANAGE = ["manage", "create_form", "create", "edit_form", "edit", "delete_form", "delete"]


def _untouched(scene) -> bool:
    return News.objects.count() == 3 and News.objects.filter(title="Öffentliche Meldung").exists()


@pytest.mark.parametrize("page", MANAGE)
def test_anonymous_is_sent_to_login_from_the_editors_pages(client, scene, page):
    method, url, data = _manage_pages(scene)[page]

    response = getattr(client, method)(url, data)

    assertRedirects(
        response, f"{reverse(settings.LOGIN_URL)}?next={url}", fetch_redirect_response=False
    )
    assert _untouched(scene)


@pytest.mark.parametrize("page", MANAGE)
@pytest.mark.parametrize("role", ["other_resident", "resident", "moderator", "other_editor"])
def test_only_the_town_hall_finds_the_editors_pages(visit, scene, role, page):
    method, url, data = _manage_pages(scene)[page]

    response = getattr(visit(role), method)(url, data)

    assert response.status_code == 404
    assert _untouched(scene)


EDITOR_EFFECTS = {
    "manage": (200, lambda: News.objects.count() == 3),
    "create_form": (200, lambda: News.objects.count() == 3),
    "create": (302, lambda: News.objects.filter(title="Straßenfest").exists()),
    "edit_form": (200, lambda: not News.objects.filter(title="Neu").exists()),
    "edit": (302, lambda: News.objects.filter(title="Neu").exists()),
    "delete_form": (200, lambda: News.objects.count() == 3),
    "delete": (302, lambda: not News.objects.filter(title="Öffentliche Meldung").exists()),
}


@pytest.mark.parametrize("page", MANAGE)
def test_town_hall_uses_every_editors_page(visit, scene, page):
    method, url, data = _manage_pages(scene)[page]
    status, took_effect = EDITOR_EFFECTS[page]

    response = getattr(visit("editor"), method)(url, data)

    assert response.status_code == status
    assert took_effect()


@pytest.mark.parametrize("role", ["other_resident", "resident", "moderator"])
def test_town_hall_home_is_refused_to_people_without_the_role(visit, role):
    assert visit(role).get("/rathaus/").status_code == 403


def test_town_hall_home_leads_an_editor_to_their_news(visit, people):
    response = visit("editor").get("/rathaus/")

    assertRedirects(response, "/gemeinden/heimdorf/rathaus/verwalten/")


def test_editor_publishes_an_urgent_warning_with_photo_and_pdf_through_the_form(
    visit, village, people
):
    until = timezone.localtime() + dt.timedelta(hours=6)
    data = {
        **FORM,
        "urgent": "on",
        "urgent_until": until.strftime("%Y-%m-%dT%H:%M"),
        "photos": [photo_upload()],
        "attachment": pdf_upload(),
    }

    response = visit("editor").post(reverse("townhall:create", args=[village.slug]), data)

    news = News.objects.get()
    assertRedirects(response, reverse("townhall:news_detail", args=[village.slug, news.pk]))
    assert news.urgent and abs(news.urgent_until - until) < dt.timedelta(minutes=1)
    assert news.photos.count() == 1 and news.attachment_name == "amtsblatt.pdf"


BAD_FORMS = {
    "no_title": ({"title": ""}, "erforderlich"),
    "blank_title": ({"title": "\u200b "}, "Bitte gib einen Titel an"),
    "past_time": (
        {"publish_at": (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
        "liegt in der Vergangenheit",
    ),
    "far_future": ({"publish_at": "2999-01-01T10:00"}, "höchstens ein Jahr im Voraus"),
    "garbage_time": ({"publish_at": "morgen früh"}, "gültige"),
    "year_1": ({"publish_at": "0001-01-01T00:00"}, "publish_at"),
    "year_9999_with_warning": (
        {"publish_at": "9999-12-31T23:59", "urgent": "on"},
        "publish_at",
    ),
    "pinned_year_9999": ({"pinned_until": "9999-12-31"}, "pinned_until"),
    "pinned_year_1": ({"pinned_until": "0001-01-01"}, "pinned_until"),
    "not_a_pdf": ({"attachment": pdf_upload("a.pdf", b"<html>no</html>")}, "kein gültiges PDF"),
    "bad_photo": ({"photos": [photo_upload("a.jpg", b"nope")]}, "kein gültiges Bild"),
    "long_warning": (
        {"urgent": "on", "urgent_until": "2999-01-01T10:00"},
        "höchstens 14 Tage",
    ),
}


@pytest.mark.parametrize(("fields", "message"), list(BAD_FORMS.values()), ids=list(BAD_FORMS))
def test_bad_form_input_is_shown_on_the_form_and_saves_nothing(visit, village, fields, message):
    response = visit("editor").post(
        reverse("townhall:create", args=[village.slug]), {**FORM, **fields}
    )

    assert response.status_code == 400
    if message in FORM_FIELDS:
        assert response.context["form"].errors[message]
    else:
        assertContains(response, message, status_code=400)
    assert not News.objects.exists()


def test_an_oversized_request_is_refused_by_its_declared_length_before_it_is_read(
    rf, village, people
):
    """Called past the middleware, which would parse the body first (see the report: a size
    limit in front of all middleware belongs to the project's settings)."""
    from apps.townhall import views

    request = rf.post(reverse("townhall:create", args=[village.slug]), FORM)
    request.META["CONTENT_LENGTH"] = str(100 * 1024 * 1024)
    request.user = people["editor"]

    def unreadable(*args, **kwargs):
        raise AssertionError("the body of an oversized request must not be read")

    request.read = request.readline = unreadable
    del request._stream
    request._stream = type("Unreadable", (), {"read": unreadable, "readline": unreadable})()

    response = views.create(request, slug=village.slug)

    assert response.status_code == 400
    assert "zusammen zu groß" in response.content.decode()
    assert not News.objects.exists()


def test_editing_published_news_offers_no_publication_time(visit, scene):
    content = visit("editor").get(_manage_pages(scene)["edit_form"][1]).content.decode()

    assert 'name="publish_at"' not in content


def test_editor_removes_a_photo_and_the_attachment(visit, scene):
    item = scene.public
    data = {**FORM, "remove_photos": [item.photo.pk], "remove_attachment": "on"}

    visit("editor").post(_manage_pages(scene)["edit"][1], data)

    news = News.objects.get(pk=item.news.pk)
    assert news.photos.count() == 0 and not news.attachment


# --- The feed block ---------------------------------------------------------------------------


def test_urgent_warning_stands_on_top_of_the_residents_feed(visit, people, scene):
    make_news(people["editor"], title="Rohrbruch in der Hauptstraße", urgent=True)

    content = visit("resident").get(FEED_URL).content.decode()

    warning = content.index("Rohrbruch in der Hauptstraße")
    assert warning < content.index("Neues aus dem Dorf")
    assert "Warnung vom Rathaus Heimdorf" in content
    assert "Nur für Einwohner" in content  # the news for residents, among the newest
    assert "Geplante Meldung" not in content


def test_resident_of_a_far_village_sees_no_warning_of_heimdorf(visit, people):
    make_news(people["editor"], title="Rohrbruch in der Hauptstraße", urgent=True)

    assertNotContains(visit("other_resident").get(FEED_URL), "Rohrbruch")


def test_expired_warning_leaves_the_top_of_the_feed(visit, people):
    news = make_news(people["editor"], title="Rohrbruch in der Hauptstraße", urgent=True)
    News.objects.filter(pk=news.pk).update(urgent_until=timezone.now() - dt.timedelta(minutes=1))

    content = visit("resident").get(FEED_URL).content.decode()

    assert "Warnung vom Rathaus" not in content
    assert "Rohrbruch in der Hauptstraße" in content  # still among the newest news


def test_reader_in_the_radius_sees_the_neighbours_warning(client, people, village):
    from tests.factories import MunicipalityFactory

    near = MunicipalityFactory(name="Nachbarhausen", latitude=48.82, longitude=10.62)
    neighbour = UserFactory(home_municipality=near, reading_radius_km=10)
    make_news(people["editor"], title="Straße nach Heimdorf gesperrt", urgent=True, public=False)
    client.force_login(neighbour)

    assertContains(client.get(FEED_URL), "Straße nach Heimdorf gesperrt")


def test_feed_block_costs_the_same_queries_however_much_news_there_is(client, people):
    client.force_login(people["resident"])

    def feed_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(FEED_URL).status_code == 200
        return len(queries)

    make_news(people["editor"], urgent=True)
    make_news(people["editor"])
    few = feed_queries()
    for n in range(8):
        make_news(people["editor"], title=f"Warnung {n}", urgent=True, photos=1)
        make_news(people["editor"], title=f"Meldung {n}", photos=1, attachment=pdf_upload())
    many = feed_queries()

    assert few == many


# --- The notice board -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_board_shows_only_public_published_news_without_names(visit, people, scene, role):
    make_news(people["editor"], title="Sturmwarnung", urgent=True)

    response = visit(role).get(reverse("townhall:board", args=["heimdorf"]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Sturmwarnung" in content and "Öffentliche Meldung" in content
    assert "Nur für Einwohner" not in content and "Geplante Meldung" not in content
    assert people["editor"].last_name not in content
    assert content.index("Sturmwarnung") < content.index("Öffentliche Meldung")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 15), ("30", 30), ("1", 5), ("999", 120), ("zehn", 15), ("9" * 40, 120)],
)
def test_board_rotation_interval_is_kept_between_5_and_120_seconds(client, village, value, seconds):
    response = client.get(reverse("townhall:board", args=[village.slug]), {"sekunden": value})

    assertContains(response, f'data-seconds="{seconds}"')


def test_board_slides_fragment_has_the_same_notices(client, people, village):
    make_news(people["editor"], title="Sturmwarnung", urgent=True)

    response = client.get(reverse("townhall:board_slides", args=[village.slug]))

    assertContains(response, "Sturmwarnung")
    assertNotContains(response, "<html")
    assert response["Cache-Control"] == "no-cache"


def test_board_lists_upcoming_public_events_from_the_events_app(client, village, monkeypatch):
    from types import SimpleNamespace

    from apps.townhall import selectors as townhall_selectors

    start = timezone.now() + dt.timedelta(days=1)
    event = SimpleNamespace(
        title="Maibaumfest", starts_at=start, ends_at=start, all_day=False, place_name="Dorfplatz"
    )
    asked = []

    def upcoming(*, municipality, limit=10):
        asked.append((municipality, limit))
        return [event]

    monkeypatch.setattr(townhall_selectors, "upcoming_public_events", upcoming)

    response = client.get(reverse("townhall:board", args=[village.slug]))

    assertContains(response, "Maibaumfest")
    assertContains(response, "Dorfplatz")
    assert asked == [(village, 10)]


def test_board_of_an_unknown_municipality_is_404(client):
    assert client.get("/gemeinden/nirgendwo/schaukasten/").status_code == 404
