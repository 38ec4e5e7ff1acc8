"""REST endpoints of notifications: /api/v1/notifications/ and below. Only one's own
notifications exist here; anyone else's are 404."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Notification
from .rendering import notification_text, target_url
from .selectors import PAGE_SIZE, notifications_page, unread_count


def _time(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Notification.TargetType.values)
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="Short title of the target when notified")
    url = serializers.CharField(help_text="The target's page")


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.values)
    text = serializers.CharField(help_text="The notification as one sentence, translated")
    target = TargetSerializer()
    actor = ActorSerializer(allow_null=True, help_text="The latest person behind it")
    count = serializers.IntegerField(help_text="How many events collapsed into this one")
    unread = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, n: Notification):
        return {
            "id": n.pk,
            "kind": n.kind,
            "text": notification_text(n),
            "target": {
                "type": n.target_type,
                "id": n.target_id,
                "title": n.title,
                "url": target_url(n),
            },
            "actor": None if n.actor is None else {"id": n.actor_id, "name": n.actor.public_name},
            "count": n.count,
            "unread": n.read_at is None,
            "read_at": _time(n.read_at),
            "created_at": _time(n.created_at),
            "updated_at": _time(n.updated_at),
        }


class NotificationPageSerializer(serializers.Serializer):
    results = NotificationSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread until now")
    unread = serializers.IntegerField()


class NotificationListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="1: only unread ones"),
            OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
            OpenApiParameter("limit", int, description="Page size, 1 to 100 (default 30)"),
        ],
        responses=NotificationPageSerializer,
        operation_id="notifications_list",
    )
    def get(self, request):
        """Your notifications, the most recently updated first."""
        params = request.query_params
        raw = params.get("limit", str(PAGE_SIZE))
        if not raw.isdigit() or len(raw) > 6:
            raise serializers.ValidationError({"limit": "Must be a whole number."})
        page = notifications_page(
            user=request.user,
            cursor=params.get("cursor") or None,
            unread_only=params.get("unread", "").lower() in {"1", "true", "yes"},
            limit=int(raw),
        )
        return Response(
            {
                "results": NotificationSerializer(page.notifications, many=True).data,
                "next_cursor": page.next_cursor,
            }
        )


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        """Mark one notification read."""
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses=ReadAllSerializer)
    def post(self, request):
        """Mark all your notifications read."""
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": unread_count(user=request.user)})


class UnreadCountView(APIView):
    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request):
        """How many of your notifications are unread (the bell)."""
        return Response({"unread": unread_count(user=request.user)})
