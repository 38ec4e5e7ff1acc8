"""Shared pieces of the REST API."""

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import RateLimited


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings: DRF would store the number 42 as "42"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def request_payload(request, *, list_fields=(), file_fields=()) -> dict:
    """The request's fields as one dict, from JSON or from a form. In a multipart form, the
    list fields come as repeated keys and the files in request.FILES; both become lists."""
    data = request.data
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"detail": _("Bitte ein JSON-Objekt oder Formularfelder senden.")}
        )
    if not hasattr(data, "getlist"):
        return data
    repeated = {*list_fields, *file_fields}
    payload = {key: data.get(key) for key in data if key not in repeated}
    for key in list_fields:
        if key in data:
            payload[key] = data.getlist(key)
    for key in file_fields:
        files = request.FILES.getlist(key) if hasattr(request.FILES, "getlist") else []
        if files:
            payload[key] = files
    return payload


class PersonSerializer(serializers.Serializer):
    """A person as every other resident sees them."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="public_name")


class PlaceSerializer(serializers.Serializer):
    """A municipality, as named on posts, news, events and reports."""

    id = serializers.IntegerField(source="pk")
    slug = serializers.CharField()
    name = serializers.CharField()


class StoredPhotoSerializer(serializers.Serializer):
    """A photo kept in private storage, with the API addresses of its full size and its
    thumbnail. Subclasses name the URL (with `pk` and `photo_id`) and the photo's field that
    holds the owner's id."""

    url_name: str
    owner_field: str

    id = serializers.IntegerField(source="pk")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def _url(self, photo, size: str) -> str:
        owner = getattr(photo, self.owner_field)
        path = reverse(self.url_name, kwargs={"pk": owner, "photo_id": photo.pk})
        return self.context["request"].build_absolute_uri(f"{path}?size={size}")

    def get_url(self, photo) -> str:
        return self._url(photo, "full")

    def get_thumbnail_url(self, photo) -> str:
        return self._url(photo, "thumb")


def _json_default(value):
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class FastJSONRenderer(JSONRenderer):
    """JSON through orjson: for the hottest endpoints (a feed page of 50 posts), where the
    standard library's encoder costs a noticeable share of each request. Same output for
    the plain data those views return."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


def exception_handler(exc, context):
    """Service-layer ValidationErrors become 400 answers with field messages, RateLimited a
    429."""
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(detail=str(exc))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"detail": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
