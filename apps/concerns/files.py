from django.http import Http404, HttpResponse

from .models import Concern

SIZES = {"full", "thumb"}


def photo_response(*, concern: Concern, photo_id, size: str, public: bool) -> HttpResponse:
    """One photo of a report the caller may see the photos of. Private reports' photos are
    never cached by shared caches; published ones may be."""
    photo = next((p for p in concern.photos.all() if str(p.pk) == str(photo_id)), None)
    if photo is None or size not in SIZES:
        raise Http404
    field = photo.image if size == "full" else photo.thumbnail
    try:
        with field.open("rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type="image/jpeg")
    # Even a published photo stays "private": the town hall can take it back any time.
    response["Cache-Control"] = "private, max-age=3600" if public else "private, no-cache"
    return response
