"""REST endpoints of the feed: /api/v1/posts/ and below."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import public_name_of
from apps.core.api import (
    FastJSONRenderer,
    PersonSerializer,
    PlaceSerializer,
    StoredPhotoSerializer,
    StrictCharField,
    request_payload,
)
from apps.core.rendering import render_plain_text

from . import services
from .files import photo_response
from .models import BODY_MAX, COMMENT_MAX, EXPIRY_CHOICES_DAYS, TITLE_MAX, Comment, Post
from .permissions import can_edit_post
from .selectors import (
    PAGE_SIZE,
    comment_get,
    comments_for_post,
    feed_rows_for_user,
    post_get_for_user,
    thanked_ids,
)


class PhotoSerializer(StoredPhotoSerializer):
    url_name = "api:post_photo"
    owner_field = "post_id"


class PostSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    municipality = PlaceSerializer()
    photos = PhotoSerializer(many=True)
    body_html = serializers.SerializerMethodField(help_text="The body as safe HTML")
    thanked = serializers.SerializerMethodField(help_text="Whether you said Danke")
    in_feed = serializers.SerializerMethodField(help_text="False once done or expired")

    class Meta:
        model = Post
        fields = [
            "id",
            "kind",
            "category",
            "status",
            "scope",
            "title",
            "body",
            "body_html",
            "author",
            "municipality",
            "photos",
            "created_at",
            "edited_at",
            "expires_at",
            "comment_count",
            "thanks_count",
            "thanked",
            "in_feed",
        ]
        read_only_fields = fields

    def get_body_html(self, post) -> str:
        return str(render_plain_text(post.body))

    def get_thanked(self, post) -> bool:
        return ("post", post.pk) in self.context.get("thanked", set())

    def get_in_feed(self, post) -> bool:
        expired = post.expires_at is not None and post.expires_at <= timezone.now()
        return post.archived_at is None and not expired and post.status != Post.Status.DONE


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    thanked = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at", "thanks_count", "thanked"]
        read_only_fields = fields

    def get_thanked(self, comment) -> bool:
        return ("comment", comment.pk) in self.context.get("thanked", set())


class PostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Post.Kind.choices)
    category = serializers.ChoiceField(
        choices=Post.Category.choices, required=False, allow_blank=True, default=""
    )
    title = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TITLE_MAX * 4,
        trim_whitespace=False,
    )
    body = StrictCharField(max_length=BODY_MAX * 4, trim_whitespace=False)
    scope = serializers.ChoiceField(
        choices=Post.Scope.choices, required=False, default=Post.Scope.NEARBY
    )
    expiry_days = serializers.ChoiceField(
        choices=EXPIRY_CHOICES_DAYS, required=False, default=None, allow_null=True
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=10
    )


class PostUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=Post.Category.choices, required=False, allow_blank=True
    )
    title = StrictCharField(
        required=False, allow_blank=True, max_length=TITLE_MAX * 4, trim_whitespace=False
    )
    body = StrictCharField(required=False, max_length=BODY_MAX * 4, trim_whitespace=False)
    scope = serializers.ChoiceField(choices=Post.Scope.choices, required=False)
    status = serializers.ChoiceField(choices=Post.Status.choices, required=False)
    expiry_days = serializers.ChoiceField(
        choices=EXPIRY_CHOICES_DAYS,
        required=False,
        help_text="Run again for this many days from now",
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=10, help_text="Photos to add"
    )
    remove_photo_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=10
    )


class CommentCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX * 4, trim_whitespace=False)


class ThanksSerializer(serializers.Serializer):
    thanked = serializers.BooleanField()
    thanks_count = serializers.IntegerField()


_datetime = serializers.DateTimeField()


def _time(value) -> str | None:
    return None if value is None else _datetime.to_representation(value)


def feed_post_data(rows: list[dict], *, request, thanked: set) -> list[dict]:
    """PostSerializer's output for a feed page, built from plain rows (feed_rows_for_user):
    a page of 50 is the hottest path of the API, and model instances with the generic
    serializer cost about twice as much per post. tests/posts/test_api.py holds the two to
    the same output."""
    posts_url = request.build_absolute_uri(reverse("api:posts"))
    now = timezone.now()
    data = []
    for row in rows:
        pk = row["id"]
        photos = [
            {
                "id": photo["id"],
                "width": photo["width"],
                "height": photo["height"],
                "url": f"{posts_url}{pk}/photos/{photo['id']}/?size=full",
                "thumbnail_url": f"{posts_url}{pk}/photos/{photo['id']}/?size=thumb",
            }
            for photo in row["photos"]
        ]
        expires_at = row["expires_at"]
        expired = expires_at is not None and expires_at <= now
        data.append(
            {
                "id": pk,
                "kind": row["kind"],
                "category": row["category"],
                "status": row["status"],
                "scope": row["scope"],
                "title": row["title"],
                "body": row["body"],
                "body_html": str(render_plain_text(row["body"])),
                "author": {
                    "id": row["author_id"],
                    "name": public_name_of(row["author__first_name"], row["author__last_name"]),
                },
                "municipality": {
                    "id": row["municipality_id"],
                    "slug": row["municipality__slug"],
                    "name": row["municipality__name"],
                },
                "photos": photos,
                "created_at": _time(row["created_at"]),
                "edited_at": _time(row["edited_at"]),
                "expires_at": _time(expires_at),
                "comment_count": row["comment_count"],
                "thanks_count": row["thanks_count"],
                "thanked": ("post", pk) in thanked,
                "in_feed": row["archived_at"] is None
                and not expired
                and row["status"] != Post.Status.DONE,
            }
        )
    return data


class FeedPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


def _payload(request) -> dict:
    return request_payload(request, list_fields=["remove_photo_ids"], file_fields=["photos"])


class PostListView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Post.Kind.values),
            OpenApiParameter("category", str, enum=Post.Category.values),
            OpenApiParameter("municipality", str, description="Slug: only this municipality"),
            OpenApiParameter("only_home", bool, description="Only the home municipality"),
            OpenApiParameter("q", str, description="Search in title and text"),
            OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
            OpenApiParameter("limit", int, description="Page size, 1 to 50 (default 20)"),
        ],
        responses=FeedPageSerializer,
        operation_id="posts_list",
    )
    def get(self, request):
        """The feed of the municipalities you read, newest first (best match first with q)."""
        params = request.query_params
        try:
            limit = int(params.get("limit", PAGE_SIZE))
        except ValueError as exc:
            raise serializers.ValidationError({"limit": "Must be a whole number."}) from exc
        page = feed_rows_for_user(
            user=request.user,
            kind=params.get("kind") or None,
            category=params.get("category") or None,
            municipality_slug=params.get("municipality") or None,
            only_home=params.get("only_home", "").lower() in {"1", "true", "yes"},
            query=params.get("q", ""),
            cursor=params.get("cursor") or None,
            limit=limit,
        )
        thanked = thanked_ids(user=request.user, post_ids=[row["id"] for row in page.rows])
        results = feed_post_data(page.rows, request=request, thanked=thanked)
        return Response({"results": results, "next_cursor": page.next_cursor})

    @extend_schema(
        request={
            "application/json": PostCreateSerializer,
            "multipart/form-data": PostCreateSerializer,
        },
        responses={201: PostSerializer},
    )
    def post(self, request):
        """Publish a post in your home municipality; photos as multipart field `photos`."""
        data = PostCreateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        post = post_get_for_user(user=request.user, post_id=post.pk)
        return Response(
            PostSerializer(post, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class PostDetailView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _context(self, request, post):
        return {"request": request, "thanked": thanked_ids(user=request.user, posts=[post])}

    @extend_schema(responses=PostSerializer, operation_id="posts_read")
    def get(self, request, pk: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        return Response(PostSerializer(post, context=self._context(request, post)).data)

    @extend_schema(
        request={
            "application/json": PostUpdateSerializer,
            "multipart/form-data": PostUpdateSerializer,
        },
        responses=PostSerializer,
    )
    def patch(self, request, pk: int):
        """Change your post: text, category, scope, photos, status, or extend its run."""
        post = post_get_for_user(user=request.user, post_id=pk)
        if not can_edit_post(request.user, post):
            raise ApiPermissionDenied("Only the author can change this post.")
        data = PostUpdateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            # Status and expiry first: a refusal there must come before new photo files are
            # stored, which a rolled-back transaction would leave behind.
            if "status" in values:
                services.post_set_status(actor=request.user, post=post, status=values["status"])
            if "expiry_days" in values:
                services.post_extend(actor=request.user, post=post, days=values["expiry_days"])
            content = {"category", "title", "body", "scope", "photos", "remove_photo_ids"}
            if content & values.keys():
                services.post_update(
                    actor=request.user,
                    post=post,
                    title=values.get("title", post.title),
                    body=values.get("body", post.body),
                    category=values.get("category", post.category),
                    scope=values.get("scope"),
                    add_photos=values.get("photos", []),
                    remove_photo_ids=values.get("remove_photo_ids", []),
                )
        post = post_get_for_user(user=request.user, post_id=pk)
        return Response(PostSerializer(post, context=self._context(request, post)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        services.post_delete(actor=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentListView(APIView):
    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, pk: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        comments = comments_for_post(post=post)
        context = {"request": request, "thanked": thanked_ids(user=request.user, comments=comments)}
        return Response(CommentSerializer(comments, many=True, context=context).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, pk: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        data = CommentCreateSerializer(data=_payload(request))
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            author=request.user, post=post, body=data.validated_data["body"]
        )
        return Response(
            CommentSerializer(comment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CommentDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, comment_id: int):
        """Delete a comment: your own, or any under your post."""
        post = post_get_for_user(user=request.user, post_id=pk)
        comment = comment_get(post=post, comment_id=comment_id)
        services.comment_delete(actor=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostThanksView(APIView):
    @extend_schema(request=None, responses=ThanksSerializer)
    def post(self, request, pk: int):
        """Say Danke for the post, or take it back (a toggle)."""
        post = post_get_for_user(user=request.user, post_id=pk)
        thanked, count = services.thanks_toggle(user=request.user, post=post)
        return Response({"thanked": thanked, "thanks_count": count})


class CommentThanksView(APIView):
    @extend_schema(request=None, responses=ThanksSerializer)
    def post(self, request, pk: int, comment_id: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        comment = comment_get(post=post, comment_id=comment_id)
        thanked, count = services.thanks_toggle(user=request.user, comment=comment)
        return Response({"thanked": thanked, "thanks_count": count})


class PostPhotoView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The answer is a JPEG whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumb"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, photo_id: int):
        post = post_get_for_user(user=request.user, post_id=pk)
        return photo_response(
            post=post, photo_id=photo_id, size=request.query_params.get("size", "full")
        )
