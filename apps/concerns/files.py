from django.http import HttpResponse

from apps.core.files import photo_file, stored_file_response

from .models import Concern


def photo_response(*, concern: Concern, photo_id, size: str, public: bool) -> HttpResponse:
    """One photo of a report the caller may see the photos of. Private reports' photos are
    never cached by shared caches; published ones may be."""
    field = photo_file(concern.photos.all(), photo_id=photo_id, size=size)
    # Even a published photo stays "private": the town hall can take it back any time.
    cache_control = "private, max-age=3600" if public else "private, no-cache"
    return stored_file_response(field, content_type="image/jpeg", cache_control=cache_control)
