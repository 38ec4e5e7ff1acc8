from django.http import HttpResponse

from apps.core.files import photo_file, stored_file_response

from .models import Post


def photo_response(*, post: Post, photo_id: int, size: str) -> HttpResponse:
    """One photo of a post the caller has found readable."""
    field = photo_file(post.photos.all(), photo_id=photo_id, size=size)
    # Private: a shared cache must never hand a village's photo to someone else.
    return stored_file_response(
        field, content_type="image/jpeg", cache_control="private, max-age=86400"
    )
