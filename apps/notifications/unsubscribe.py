"""Unsubscribing from the email digest by the link in it, without logging in: the signed
token is the authorisation. GET only shows a button, because mail scanners open links;
POST unsubscribes, and is also the RFC 8058 one-click endpoint that mail programs POST to
(body `List-Unsubscribe=One-Click`, no cookies, no CSRF token)."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .digest import preferences_path, user_from_unsubscribe_token
from .preferences import email_off_everywhere

TEMPLATE = "notifications/unsubscribe.html"


def masked_email(address: str) -> str:
    """Enough of the address to recognise it, not enough to harvest it: a***@example.org."""
    local, _at, domain = address.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    person = user_from_unsubscribe_token(token)
    if person is None:
        return render(request, TEMPLATE, {"invalid": True}, status=404)
    context = {"address": masked_email(person.email), "preferences_url": preferences_path()}
    if request.method == "POST":
        email_off_everywhere(user=person)
        return render(request, TEMPLATE, {**context, "done": True})
    return render(request, TEMPLATE, context)
