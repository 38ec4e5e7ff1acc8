"""REST endpoints of the town hall: /api/v1/news/ and below. Reading is open to anyone
(public news without login, more with it); writing is for the editors of the municipality."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import PlaceSerializer, StoredPhotoSerializer, StrictCharField, request_payload
from apps.places.models import Municipality

from . import services
from .files import attachment_response, photo_response, request_too_large, upload_limit_message
from .models import BODY_MAX, TITLE_MAX, News
from .permissions import can_manage_news
from .rendering import render_news_text
from .selectors import PAGE_SIZE, news_get_for_user, news_page, parse_id


class NewsPhotoSerializer(StoredPhotoSerializer):
    url_name = "api:news_photo"
    owner_field = "news_id"


class NewsAttachmentSerializer(serializers.Serializer):
    name = serializers.CharField(source="attachment_name")
    size = serializers.IntegerField(source="attachment_size", help_text="Bytes")
    url = serializers.SerializerMethodField()

    def get_url(self, news) -> str:
        path = reverse("api:news_attachment", kwargs={"pk": news.pk})
        return self.context["request"].build_absolute_uri(path)


class NewsSerializer(serializers.ModelSerializer):
    municipality = PlaceSerializer()
    photos = NewsPhotoSerializer(many=True)
    body_html = serializers.SerializerMethodField(
        help_text='The text as safe HTML ("## " headings, "- " lists, links)'
    )
    attachment = serializers.SerializerMethodField()
    is_current_warning = serializers.SerializerMethodField(
        help_text="Urgent and not yet expired: shown on top of the feed"
    )
    is_pinned = serializers.SerializerMethodField(help_text="Pinned now")
    is_published = serializers.SerializerMethodField(help_text="False while scheduled")
    can_change = serializers.SerializerMethodField(help_text="Whether you may edit or delete it")

    class Meta:
        model = News
        fields = [
            "id",
            "municipality",
            "title",
            "body",
            "body_html",
            "public",
            "urgent",
            "urgent_until",
            "pinned_until",
            "publish_at",
            "created_at",
            "edited_at",
            "photos",
            "attachment",
            "is_current_warning",
            "is_pinned",
            "is_published",
            "can_change",
        ]
        read_only_fields = fields

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    def get_body_html(self, news) -> str:
        return str(render_news_text(news.body))

    @extend_schema_field(NewsAttachmentSerializer(allow_null=True))
    def get_attachment(self, news) -> dict | None:
        if not news.attachment:
            return None
        return NewsAttachmentSerializer(news, context=self.context).data

    def get_is_current_warning(self, news) -> bool:
        return bool(news.urgent and news.urgent_until and news.urgent_until > self._now())

    def get_is_pinned(self, news) -> bool:
        return bool(news.pinned_until and news.pinned_until > self._now())

    def get_is_published(self, news) -> bool:
        return news.publish_at <= self._now()

    def get_can_change(self, news) -> bool:
        return can_manage_news(self.context["request"].user, news.municipality)


class NewsWriteFields(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX * 4, trim_whitespace=False)
    body = StrictCharField(max_length=BODY_MAX * 4, trim_whitespace=False)
    public = serializers.BooleanField(
        required=False, default=True, help_text="Readable without login, in RSS/Atom, on the board"
    )
    urgent = serializers.BooleanField(
        required=False, default=False, help_text="An urgent warning, on top of every feed"
    )
    urgent_until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="End of the warning; default 24 hours after publication, at most 14 days",
    )
    pinned_until = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Pinned on top until then"
    )
    publish_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Scheduled publication (at most a year ahead); default now",
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=10
    )
    attachment = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="A PDF document"
    )


class NewsCreateSerializer(NewsWriteFields):
    municipality = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Municipality.objects.all(),
        help_text="Slug of the municipality the news is from",
    )


class NewsUpdateSerializer(NewsWriteFields):
    """Every field optional: what is left out stays as it is."""

    remove_photo_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        default=list,
        max_length=10,
    )
    remove_attachment = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "body", "public", "urgent", "urgent_until", "pinned_until"):
            self.fields[name].required = False
        for name in ("public", "urgent", "urgent_until", "pinned_until", "publish_at"):
            # No default: a field left out is not the same as a field set to nothing.
            self.fields[name].default = serializers.empty


class NewsPageSerializer(serializers.Serializer):
    results = NewsSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


def _payload(request) -> dict:
    if request_too_large(request):
        raise DjangoValidationError(upload_limit_message())
    return request_payload(request, list_fields=["remove_photo_ids"], file_fields=["photos"])


def _flag(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    lowered = value.lower()
    if lowered in {"1", "true", "yes"}:
        return True
    if lowered in {"0", "false", "no"}:
        return False
    raise serializers.ValidationError({"urgent": "Must be true or false."})


def _require_login(request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()


class NewsListView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", str, description="Slug: only this municipality"),
            OpenApiParameter("urgent", bool, description="Only warnings (true) or none (false)"),
            OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
            OpenApiParameter("limit", int, description="Page size, 1 to 50 (default 20)"),
        ],
        responses=NewsPageSerializer,
        operation_id="news_list",
    )
    def get(self, request):
        """Town-hall news you may read, newest first: public news of every municipality
        without login; with it also the news for residents of the municipalities you read,
        and the scheduled news of those you edit."""
        params = request.query_params
        try:
            limit = int(params.get("limit", PAGE_SIZE))
        except ValueError as exc:
            raise serializers.ValidationError({"limit": "Must be a whole number."}) from exc
        municipality = None
        slug = params.get("municipality")
        if slug:
            municipality = Municipality.objects.filter(slug=slug[:200]).first()
            if municipality is None:
                return Response({"results": [], "next_cursor": None})
        page = news_page(
            user=request.user,
            municipality=municipality,
            urgent=_flag(params.get("urgent")),
            cursor=params.get("cursor") or None,
            limit=limit,
        )
        context = {"request": request}
        results = NewsSerializer(page.news, many=True, context=context).data
        return Response({"results": results, "next_cursor": page.next_cursor})

    @extend_schema(
        request={
            "application/json": NewsCreateSerializer,
            "multipart/form-data": NewsCreateSerializer,
        },
        responses={201: NewsSerializer},
    )
    def post(self, request):
        """Publish news (editors of the municipality only); photos as multipart field
        `photos`, a PDF as `attachment`."""
        _require_login(request)
        data = NewsCreateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        municipality = values.pop("municipality")
        if not can_manage_news(request.user, municipality):
            raise ApiPermissionDenied("Only the town hall of this municipality publishes news.")
        news = services.news_create(actor=request.user, municipality=municipality, **values)
        news = news_get_for_user(user=request.user, news_id=news.pk)
        return Response(
            NewsSerializer(news, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class NewsDetailView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _managed(self, request, pk: int) -> News:
        _require_login(request)
        news = news_get_for_user(user=request.user, news_id=pk)
        if not can_manage_news(request.user, news.municipality):
            raise ApiPermissionDenied("Only the town hall of this municipality changes news.")
        return news

    @extend_schema(responses=NewsSerializer, operation_id="news_read")
    def get(self, request, pk: int):
        news = news_get_for_user(user=request.user, news_id=pk)
        return Response(NewsSerializer(news, context={"request": request}).data)

    @extend_schema(
        request={
            "application/json": NewsUpdateSerializer,
            "multipart/form-data": NewsUpdateSerializer,
        },
        responses=NewsSerializer,
    )
    def patch(self, request, pk: int):
        """Change news: any field left out stays as it is."""
        news = self._managed(request, pk)
        data = NewsUpdateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.news_update(
            actor=request.user,
            news=news,
            title=values.get("title", news.title),
            body=values.get("body", news.body),
            public=values.get("public", news.public),
            urgent=values.get("urgent", news.urgent),
            urgent_until=values.get("urgent_until", news.urgent_until),
            pinned_until=values.get("pinned_until", news.pinned_until),
            publish_at=values.get("publish_at", news.publish_at),
            add_photos=values.get("photos", []),
            remove_photo_ids=values.get("remove_photo_ids", []),
            attachment=values.get("attachment"),
            remove_attachment=values.get("remove_attachment", False),
        )
        news = news_get_for_user(user=request.user, news_id=pk)
        return Response(NewsSerializer(news, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        news = self._managed(request, pk)
        services.news_delete(actor=request.user, news=news)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _FileView(APIView):
    permission_classes = [AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # The answer is a file whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)


class NewsPhotoView(_FileView):
    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumb"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, photo_id: int):
        news = news_get_for_user(user=request.user, news_id=pk)
        return photo_response(
            news=news,
            photo_id=parse_id(photo_id),
            size=request.query_params.get("size", "full"),
        )


class NewsAttachmentView(_FileView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        news = news_get_for_user(user=request.user, news_id=pk)
        return attachment_response(news=news)
