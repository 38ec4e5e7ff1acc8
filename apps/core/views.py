"""Process health, and the pieces that make the site an installable web app."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("database not ready")
        return False


def _redis_ready() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        logger.exception("redis not ready")
        return False


@never_cache
def readyz(request):
    checks = {"database": _database_ready()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ready()
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """Served from the root so that it may control every page of the site."""
    response = render(
        request,
        "core/sw.js",
        {
            "offline_url": "/offline/",
            "css_url": static("css/app.css"),
            "vapid_key_url": reverse("api:vapid_public_key"),
            "renew_url": reverse("api:push_subscription_renew"),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@cache_control(max_age=3600)
def manifest(request):
    return JsonResponse(
        {
            "name": "DorfFunk",
            "short_name": "DorfFunk",
            "description": _("Dein Dorf im Netz: Nachbarn, Vereine und Rathaus an einem Ort."),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/dorf/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1b5e20",
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def offline(request):
    return render(request, "core/offline.html")


def _error_page(template: str, status: int):
    def view(request, exception=None):
        return render(request, template, status=status)

    return view


page_not_found = _error_page("404.html", 404)
server_error = _error_page("500.html", 500)
permission_denied = _error_page("403.html", 403)
bad_request = _error_page("400.html", 400)
