"""REST endpoints of concern reports: /api/v1/concerns/ and below."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.api import (
    PersonSerializer,
    PlaceSerializer,
    StoredPhotoSerializer,
    StrictCharField,
    request_payload,
)
from apps.core.rendering import render_plain_text

from . import services
from .files import photo_response
from .models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    NOTE_MAX,
    PHOTOS_MAX,
    Concern,
    ConcernMessage,
)
from .permissions import can_handle, can_see_photo
from .selectors import (
    concern_get_for_user,
    concern_get_readable,
    concerns_for_user,
    messages_for_concern,
    parse_id,
    public_notes,
    published_list,
)

LIMIT_DEFAULT = 50
LIMIT_MAX = 100
OFFSET_MAX = 100_000


class ReadOpenWriteSignedIn(permissions.BasePermission):
    """Published reports are public; everything else needs an account (checked further by
    the selectors and services)."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class ConcernPhotoSerializer(StoredPhotoSerializer):
    url_name = "api:concern_photo"
    owner_field = "concern_id"


class ConcernPublicNoteSerializer(serializers.Serializer):
    status = serializers.CharField(source="new_status")
    note = serializers.CharField(source="public_note")
    created_at = serializers.DateTimeField()


class ConcernSerializer(serializers.Serializer):
    """A report. Its reporter and town hall see it in full; anyone else sees a published
    report without reporter, assignee or private fields (those are null), and the town
    hall's public text in place of the description."""

    id = serializers.IntegerField(source="pk")
    full = serializers.SerializerMethodField(
        help_text="True for the reporter and the town hall; false for the public view"
    )
    municipality = PlaceSerializer()
    category = serializers.ChoiceField(choices=Concern.Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    status = serializers.ChoiceField(choices=Concern.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    description = serializers.SerializerMethodField()
    description_html = serializers.SerializerMethodField()
    address = serializers.CharField()
    latitude = serializers.SerializerMethodField(help_text="WGS84, or null")
    longitude = serializers.SerializerMethodField(help_text="WGS84, or null")
    photos = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField(help_text="Null in the public view")
    assignee = serializers.SerializerMethodField(help_text="Null in the public view")
    published = serializers.BooleanField(source="is_public")
    published_at = serializers.DateTimeField()
    public_text = serializers.SerializerMethodField(help_text="Only for the town hall")
    photos_public = serializers.BooleanField()
    public_notes = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    can_handle = serializers.SerializerMethodField(
        help_text="Whether you may change status, assignment and publication"
    )

    def _full(self, concern) -> bool:
        return concern.pk in self.context.get("full_ids", set())

    def get_full(self, concern) -> bool:
        return self._full(concern)

    def get_description(self, concern) -> str:
        return concern.description if self._full(concern) else concern.shown_text

    def get_description_html(self, concern) -> str:
        return str(render_plain_text(self.get_description(concern)))

    def get_latitude(self, concern) -> float | None:
        return None if concern.latitude is None else float(concern.latitude)

    def get_longitude(self, concern) -> float | None:
        return None if concern.longitude is None else float(concern.longitude)

    @extend_schema_field(ConcernPhotoSerializer(many=True))
    def get_photos(self, concern) -> list[dict]:
        if not (self._full(concern) or concern.photos_public):
            return []
        return ConcernPhotoSerializer(concern.photos.all(), many=True, context=self.context).data

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_reporter(self, concern) -> dict | None:
        if not self._full(concern) or concern.reporter is None:
            return None
        return PersonSerializer(concern.reporter).data

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, concern) -> dict | None:
        if not self._full(concern) or concern.assignee is None:
            return None
        return PersonSerializer(concern.assignee).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_public_text(self, concern) -> str | None:
        return concern.public_text if self._full(concern) else None

    @extend_schema_field(ConcernPublicNoteSerializer(many=True))
    def get_public_notes(self, concern) -> list[dict]:
        return ConcernPublicNoteSerializer(public_notes(concern=concern), many=True).data

    def get_can_handle(self, concern) -> bool:
        return can_handle(self.context["request"].user, concern)


class ConcernMessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who wrote it; town-hall names are shown to the town hall only"
    )
    body_html = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text="The status this message came with, or null"
    )

    class Meta:
        model = ConcernMessage
        fields = ["id", "author", "from_town_hall", "body", "body_html", "status", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, message) -> dict | None:
        if message.author is None:
            return None
        if message.from_town_hall and not self.context.get("town_hall"):
            return None
        return PersonSerializer(message.author).data

    def get_body_html(self, message) -> str:
        return str(render_plain_text(message.body))

    @extend_schema_field(serializers.ChoiceField(choices=Concern.Status.choices, allow_null=True))
    def get_status(self, message) -> str | None:
        return message.update.new_status if message.update_id else None


class CoordinateField(serializers.FloatField):
    """A number (or a string like "48,86"); the service checks the range."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            return data
        return super().to_internal_value(data)


class ConcernCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Concern.Category.choices)
    description = StrictCharField(max_length=DESCRIPTION_MAX * 4, trim_whitespace=False)
    address = StrictCharField(
        required=False, allow_blank=True, default="", max_length=ADDRESS_MAX * 4
    )
    latitude = CoordinateField(
        required=False, allow_null=True, default=None, help_text="47.2 to 55.1 (Germany)"
    )
    longitude = CoordinateField(
        required=False, allow_null=True, default=None, help_text="5.8 to 15.1 (Germany)"
    )
    photos = serializers.ListField(
        # Empty files pass here so the service answers them like every other bad photo.
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        max_length=PHOTOS_MAX + 1,
        help_text="Up to 3 photos, as repeated multipart field `photos`",
    )


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Concern.Status.choices)
    message = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MESSAGE_MAX * 4,
        trim_whitespace=False,
        help_text="Private message to the reporter",
    )
    public_note = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX * 4,
        help_text="Shown on the published report",
    )


class ConcernMessageCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MESSAGE_MAX * 4, trim_whitespace=False)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True, help_text="User id of an editor of the municipality, or null"
    )


class PublishSerializer(serializers.Serializer):
    published = serializers.BooleanField()
    public_text = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=DESCRIPTION_MAX * 4,
        trim_whitespace=False,
        help_text="Replaces the description in public; empty shows the description",
    )
    photos_public = serializers.BooleanField(required=False, default=False)


class ConcernPageSerializer(serializers.Serializer):
    results = ConcernSerializer(many=True)
    next_offset = serializers.IntegerField(allow_null=True)


def _int_param(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise serializers.ValidationError({name: "Must be a whole number."}) from exc
    if not low <= value <= high:
        raise serializers.ValidationError({name: f"Must be between {low} and {high}."})
    return value


def _payload(request) -> dict:
    return request_payload(request, file_fields=["photos"])


def _concern_data(request, concern: Concern, full: bool) -> dict:
    context = {"request": request, "full_ids": {concern.pk} if full else set()}
    return ConcernSerializer(concern, context=context).data


class ConcernListView(APIView):
    permission_classes = [ReadOpenWriteSignedIn]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "published",
                bool,
                description="1: published reports (no login needed); otherwise yours and your "
                "town halls' inboxes",
            ),
            OpenApiParameter("mine", bool, description="Only reports you made"),
            OpenApiParameter("municipality", str, description="Slug: only this municipality"),
            OpenApiParameter("status", str, enum=Concern.Status.values),
            OpenApiParameter("category", str, enum=Concern.Category.values),
            OpenApiParameter("limit", int, description="1 to 100 (default 50)"),
            OpenApiParameter("offset", int, description="Skip this many"),
        ],
        responses=ConcernPageSerializer,
        operation_id="concerns_list",
    )
    def get(self, request):
        """Your reports and your town halls' inboxes, newest first; or published ones."""
        params = request.query_params
        limit = _int_param(params, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
        offset = _int_param(params, "offset", 0, 0, OFFSET_MAX)
        truthy = {"1", "true", "yes"}
        filters = {
            "municipality_slug": params.get("municipality") or None,
            "status": params.get("status") or None,
            "category": params.get("category") or None,
        }
        if params.get("published", "").lower() in truthy:
            concerns = published_list(**filters, limit=limit + 1, offset=offset)
            full_ids: set = set()
        else:
            if not request.user.is_authenticated:
                raise NotAuthenticated()
            concerns = concerns_for_user(
                user=request.user,
                mine=params.get("mine", "").lower() in truthy,
                **filters,
                limit=limit + 1,
                offset=offset,
            )
            full_ids = {c.pk for c in concerns}
        more = len(concerns) > limit
        concerns = concerns[:limit]
        context = {"request": request, "full_ids": full_ids}
        return Response(
            {
                "results": ConcernSerializer(concerns, many=True, context=context).data,
                "next_offset": offset + limit if more else None,
            }
        )

    @extend_schema(
        request={
            "application/json": ConcernCreateSerializer,
            "multipart/form-data": ConcernCreateSerializer,
        },
        responses={201: ConcernSerializer},
    )
    def post(self, request):
        """Report a problem to the town hall of your home municipality; photos as multipart
        field `photos`."""
        data = ConcernCreateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        concern = services.concern_create(reporter=request.user, **data.validated_data)
        concern = concern_get_for_user(user=request.user, concern_id=concern.pk)
        return Response(_concern_data(request, concern, True), status=status.HTTP_201_CREATED)


class ConcernDetailView(APIView):
    permission_classes = [ReadOpenWriteSignedIn]

    @extend_schema(responses=ConcernSerializer, operation_id="concerns_read")
    def get(self, request, pk: int):
        """In full for the reporter and the town hall; published reports for anyone."""
        concern, full = concern_get_readable(user=request.user, concern_id=pk)
        return Response(_concern_data(request, concern, full))


class ConcernStatusView(APIView):
    @extend_schema(request=StatusChangeSerializer, responses=ConcernSerializer)
    def post(self, request, pk: int):
        """Town hall: move the report to another status, with an optional private message to
        the reporter and an optional public note."""
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        if not can_handle(request.user, concern):
            raise ApiPermissionDenied("Only the town hall can change the status.")
        data = StatusChangeSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        services.concern_set_status(actor=request.user, concern=concern, **data.validated_data)
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        return Response(_concern_data(request, concern, True))


class ConcernMessagesView(APIView):
    @extend_schema(responses=ConcernMessageSerializer(many=True))
    def get(self, request, pk: int):
        """The private exchange between the reporter and the town hall, oldest first."""
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        context = {"town_hall": can_handle(request.user, concern)}
        items = messages_for_concern(concern=concern)
        return Response(ConcernMessageSerializer(items, many=True, context=context).data)

    @extend_schema(
        request=ConcernMessageCreateSerializer, responses={201: ConcernMessageSerializer}
    )
    def post(self, request, pk: int):
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        data = ConcernMessageCreateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        message = services.message_create(
            author=request.user, concern=concern, body=data.validated_data["body"]
        )
        context = {"town_hall": can_handle(request.user, concern)}
        return Response(
            ConcernMessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED
        )


class ConcernAssignView(APIView):
    @extend_schema(request=AssignSerializer, responses=ConcernSerializer)
    def post(self, request, pk: int):
        """Town hall: hand the report to a colleague (another editor), or to nobody."""
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        if not can_handle(request.user, concern):
            raise ApiPermissionDenied("Only the town hall can assign reports.")
        data = AssignSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        assignee_id = data.validated_data["assignee"]
        assignee = None
        if assignee_id is not None:
            try:
                assignee = User.objects.filter(pk=parse_id(assignee_id)).first()
            except Http404:
                assignee = None
            if assignee is None:
                raise serializers.ValidationError({"assignee": "No such person."})
        services.concern_assign(actor=request.user, concern=concern, assignee=assignee)
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        return Response(_concern_data(request, concern, True))


class ConcernPublishView(APIView):
    @extend_schema(request=PublishSerializer, responses=ConcernSerializer)
    def post(self, request, pk: int):
        """Town hall: show the report as "Schon gemeldet" without the reporter's name, or
        take it back."""
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        if not can_handle(request.user, concern):
            raise ApiPermissionDenied("Only the town hall can publish reports.")
        data = PublishSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        services.concern_publish(actor=request.user, concern=concern, **data.validated_data)
        concern = concern_get_for_user(user=request.user, concern_id=pk)
        return Response(_concern_data(request, concern, True))


class ConcernPhotoView(APIView):
    permission_classes = [ReadOpenWriteSignedIn]

    def perform_content_negotiation(self, request, force=False):
        # The answer is a JPEG whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumb"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, photo_id: int):
        """A photo: for the reporter and the town hall, or published with the report."""
        concern, full = concern_get_readable(user=request.user, concern_id=pk)
        if not can_see_photo(request.user, concern):
            raise Http404
        return photo_response(
            concern=concern,
            photo_id=photo_id,
            size=request.query_params.get("size", "full"),
            public=not full,
        )
