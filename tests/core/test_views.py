"""Health checks and the pieces that make the site an installable web app."""

import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from pytest_django.asserts import assertContains

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ["/healthz", "/readyz", "/sw.js", "/manifest.webmanifest", "/offline/"]


@pytest.fixture(params=["anonymous", "resident"])
def visitor(request, client):
    if request.param == "resident":
        client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_core_pages_open_for_everyone(visitor, path):
    assert visitor.get(path).status_code == 200


def test_healthz_answers_ok_without_caching(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] is True


def test_readyz_checks_redis_when_configured(client):
    body = client.get("/readyz").json()
    if settings.REDIS_URL:
        assert body["checks"]["redis"] is True
    else:
        assert "redis" not in body["checks"]


def test_readyz_reports_unreachable_redis(client):
    # Nothing listens on port 1: the connection is refused at once.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "redis": False},
    }


def test_readyz_reports_broken_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr("apps.core.views.connection.cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_service_worker_is_javascript_allowed_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert 'const OFFLINE_URL = "/offline/";' in body
    assert "/static/css/app.css" in body
    assert "<html" not in body


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "DorfFunk"
    assert manifest["start_url"] == "/dorf/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "de"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes


def test_manifest_icons_exist_as_png_files(client):
    manifest = client.get("/manifest.webmanifest").json()
    for icon in manifest["icons"]:
        assert icon["src"].startswith(settings.STATIC_URL)
        name = icon["src"].removeprefix(settings.STATIC_URL)
        assert name.startswith("icons/")
        found = finders.find(name)
        assert found, f"{icon['src']} is not among the static files"
        with open(found, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_manifest_follows_the_visitor_language(client):
    client.post("/sprache/", {"language": "en"})
    assert client.get("/manifest.webmanifest").json()["lang"] == "en"


def test_offline_page_is_a_full_page(client):
    response = client.get("/offline/")
    assertContains(response, "Keine Verbindung")
    assertContains(response, '<html lang="de">')


@pytest.mark.parametrize("path", ["/gibt-es-nicht/", "/konto/nichts/", "/static-ish/x.js"])
def test_unknown_address_shows_the_custom_not_found_page(visitor, path):
    response = visitor.get(path)
    assert response.status_code == 404
    assertContains(response, "Seite nicht gefunden", status_code=404)
    assertContains(response, 'href="/"', status_code=404)
    assertContains(response, '<html lang="de">', status_code=404)
