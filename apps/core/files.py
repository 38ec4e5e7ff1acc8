"""Serving files kept in private storage, to callers a view has already found entitled."""

from django.db import transaction
from django.http import Http404, HttpResponse

PHOTO_SIZES = {"full", "thumb"}


def photo_file(photos, *, photo_id, size: str):
    """The stored file of one of these photos (each with `image` and `thumbnail`) in the size
    asked for; anything else is a 404."""
    photo = next((p for p in photos if str(p.pk) == str(photo_id)), None)
    if photo is None or size not in PHOTO_SIZES:
        raise Http404
    return photo.image if size == "full" else photo.thumbnail


def stored_file_response(field, *, content_type: str, cache_control: str) -> HttpResponse:
    """The file read whole rather than streamed: photos are small after re-encoding, PDFs
    are capped, and ASGI would buffer a file stream anyway. A file gone from storage is a
    404."""
    try:
        with field.open("rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response


def photo_files(photos) -> list:
    """The stored files of these photos, full size and thumbnail."""
    return [field for photo in photos for field in (photo.image, photo.thumbnail)]


def delete_files_on_commit(fields) -> None:
    """Remove these stored files once the transaction that dropped their rows commits (a
    rollback keeps them)."""
    files = [(field.storage, field.name) for field in fields if field.name]

    def delete():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete)
