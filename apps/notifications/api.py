"""REST endpoints of notifications: /api/v1/notifications/ and below. Only one's own
notifications exist here; anyone else's are 404."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import request_payload
from apps.core.ids import ID_LIMIT

from . import preferences, services, vapid
from .models import MutedTarget, Notification, PushSubscription
from .rendering import notification_text, target_url
from .selectors import PAGE_SIZE, notifications_page, push_devices, unread_count


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
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
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


# --- Devices for Web Push -----------------------------------------------------------------


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(help_text="The browser's P-256 public key, base64url")
    auth = serializers.CharField(help_text="The browser's 16-byte auth secret, base64url")


class PushSubscriptionInputSerializer(serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives."""

    endpoint = serializers.CharField()
    keys = PushKeysSerializer()


class PushEndpointSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=2000)


class PushRenewSerializer(serializers.Serializer):
    old_endpoint = serializers.CharField()
    old_auth = serializers.CharField(help_text="The auth secret of the old subscription")
    subscription = PushSubscriptionInputSerializer()


class PushSubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.CharField()
    user_agent = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    failures = serializers.IntegerField(help_text="Pushes given up on since the last success")

    def to_representation(self, device: PushSubscription):
        return {
            "id": device.pk,
            "endpoint": device.endpoint,
            "user_agent": device.user_agent,
            "created_at": _time(device.created_at),
            "last_success_at": _time(device.last_success_at),
            "failures": device.failures,
        }


def _subscription_payload(request) -> dict:
    """The body as the browser sends it, unvalidated beyond being an object: the service
    checks it field by field."""
    data = request_payload(request)
    return data if isinstance(data, dict) else {}


def _user_agent(request) -> str:
    return request.headers.get("User-Agent", "")[:300]


class PushSubscriptionListView(APIView):
    @extend_schema(responses=PushSubscriptionSerializer(many=True))
    def get(self, request):
        """Your devices that receive pushes."""
        devices = push_devices(user=request.user)
        return Response(PushSubscriptionSerializer(devices, many=True).data)

    @extend_schema(
        request=PushSubscriptionInputSerializer,
        responses={201: PushSubscriptionSerializer},
    )
    def post(self, request):
        """Register this browser's push subscription (again: updated, not doubled)."""
        device = services.push_subscribe(
            user=request.user,
            info=_subscription_payload(request),
            user_agent=_user_agent(request),
        )
        return Response(PushSubscriptionSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PushEndpointSerializer,
        responses={204: None},
        operation_id="push_subscriptions_destroy_by_endpoint",
    )
    def delete(self, request):
        """This browser turned push off: forget its subscription by its endpoint."""
        data = PushEndpointSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        services.push_unsubscribe_endpoint(
            user=request.user, endpoint=data.validated_data["endpoint"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushSubscriptionDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Remove one of your devices."""
        services.push_unsubscribe(user=request.user, subscription_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushSubscriptionRenewView(APIView):
    """For the service worker's `pushsubscriptionchange`: it has no session form, so it
    proves the old subscription by its auth secret instead."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=PushRenewSerializer, responses={201: PushSubscriptionSerializer})
    def post(self, request):
        """Replace a subscription the browser changed by its new one."""
        data = _subscription_payload(request)
        device = services.push_resubscribe(
            old_endpoint=data.get("old_endpoint"),
            old_auth=data.get("old_auth"),
            info=data.get("subscription"),
            user_agent=_user_agent(request),
        )
        return Response(PushSubscriptionSerializer(device).data, status=status.HTTP_201_CREATED)


class VapidKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(
        help_text="The applicationServerKey for PushManager.subscribe(), base64url"
    )


class VapidPublicKeyView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=VapidKeySerializer)
    def get(self, request):
        """The server's VAPID public key, which browsers subscribe with."""
        return Response({"public_key": vapid.public_key()})


# --- Preferences --------------------------------------------------------------------------


class ChannelsSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False, help_text="In the daily email digest")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    f"Unknown channels: {', '.join(sorted(map(str, unknown)))}"
                )
        return super().to_internal_value(data)


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    label = serializers.CharField()
    in_app = serializers.BooleanField()
    push = serializers.BooleanField()
    email = serializers.BooleanField()


class QuietHoursSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    start = serializers.TimeField(format="%H:%M", help_text="HH:MM, Europe/Berlin")
    end = serializers.TimeField(format="%H:%M")


class PreferencesSerializer(serializers.Serializer):
    kinds = KindPreferenceSerializer(many=True)
    quiet_hours = QuietHoursSerializer(
        help_text="Only urgent warnings push in this time; in-app and email are not held back"
    )


class PreferencesUpdateSerializer(serializers.Serializer):
    kinds = serializers.DictField(
        child=ChannelsSerializer(),
        required=False,
        help_text='{"comment": {"push": false}}: channels per kind; others stay',
    )
    quiet_hours = QuietHoursSerializer(required=False)

    def validate_kinds(self, value):
        unknown = set(value) - set(Notification.Kind.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(sorted(unknown))}")
        return value


def _preferences(user) -> dict:
    quiet = preferences.notification_settings(user)
    return {
        "kinds": [
            {**row, "label": str(row["label"])} for row in preferences.preference_table(user)
        ],
        "quiet_hours": {
            "enabled": quiet.quiet_hours,
            "start": quiet.quiet_start.strftime("%H:%M"),
            "end": quiet.quiet_end.strftime("%H:%M"),
        },
    }


class PreferencesView(APIView):
    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        """Your channels per kind of notification, and your quiet hours."""
        return Response(_preferences(request.user))

    @extend_schema(request=PreferencesUpdateSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        """Change some channels or the quiet hours; what is not named stays."""
        data = PreferencesUpdateSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            if "kinds" in values:
                preferences.preferences_update(user=request.user, changes=values["kinds"])
            if "quiet_hours" in values:
                quiet = values["quiet_hours"]
                preferences.quiet_hours_update(
                    user=request.user,
                    enabled=quiet["enabled"],
                    start=quiet["start"],
                    end=quiet["end"],
                )
        return Response(_preferences(request.user))


# --- Muted posts --------------------------------------------------------------------------


class MuteSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=sorted(preferences.MUTABLE_TARGETS))
    target_id = serializers.IntegerField(min_value=1, max_value=ID_LIMIT - 1)


class MuteListView(APIView):
    @extend_schema(responses=MuteSerializer(many=True))
    def get(self, request):
        """What you muted: no notifications about it on any channel."""
        rows = MutedTarget.objects.filter(user=request.user).order_by("-created_at")
        return Response(
            [{"target_type": row.target_type, "target_id": row.target_id} for row in rows]
        )

    @extend_schema(request=MuteSerializer, responses={201: MuteSerializer})
    def post(self, request):
        """Mute a post."""
        data = MuteSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        preferences.mute(user=request.user, **data.validated_data)
        return Response(data.validated_data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MuteSerializer, responses={204: None})
    def delete(self, request):
        """Hear about a muted post again."""
        data = MuteSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        preferences.unmute(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
