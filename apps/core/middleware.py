import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

_ESCAPED_NUL = re.compile(rb"\\u0000")


class RejectNulMiddleware:
    """Refuse requests that carry a NUL character anywhere a view could read it.

    No text of ours holds NUL, and PostgreSQL refuses it in any string, so without this a
    stray %00 in a search box would end as a server error instead of a clear 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Requests must not contain NUL characters."}, status=400
                )
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return True
        if request.content_type == "application/json":
            body = request.body
            return b"\x00" in body or bool(_ESCAPED_NUL.search(body))
        return False


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than any upload we accept, by their declared length, before any
    middleware reads them: a 100 MB upload is answered at once with 413 instead of being
    written to temporary files first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Request too large."}, status=413)
            return render(request, "400.html", status=413)
        return self.get_response(request)
