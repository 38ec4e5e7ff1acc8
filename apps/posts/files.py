from django.http import Http404, HttpResponse

from .models import Post

SIZES = {"full", "thumb"}


def photo_response(*, post: Post, photo_id: int, size: str) -> HttpResponse:
    """One photo of a post the caller has found readable. Read whole rather than streamed:
    photos are small after re-encoding, and ASGI would buffer a file stream anyway."""
    photo = next((p for p in post.photos.all() if p.pk == photo_id), None)
    if photo is None or size not in SIZES:
        raise Http404
    field = photo.image if size == "full" else photo.thumbnail
    try:
        with field.open("rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type="image/jpeg")
    # Private: a shared cache must never hand a village's photo to someone else.
    response["Cache-Control"] = "private, max-age=86400"
    return response
