"""REST endpoints of chat: /api/v1/conversations/ and below."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import PersonSerializer, StrictCharField, request_payload

from . import services
from .frames import message_data
from .models import MESSAGE_MAX, TITLE_MAX
from .selectors import (
    PAGE_SIZE,
    ConversationItem,
    conversation_item,
    conversations_for_user,
    message_get,
    messages_page,
    participation_get,
)

ID_MAX = 2**53


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class PostReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    url = serializers.CharField(help_text="The post's page")


class MessageSerializer(serializers.Serializer):
    """Documents apps.chat.frames.message_data, which builds the output (the same dict as in
    the socket's chat frames)."""

    id = serializers.IntegerField()
    conversation = serializers.IntegerField()
    author = PersonSerializer()
    body = serializers.CharField(help_text="Empty once deleted")
    body_html = serializers.CharField(help_text="The body as safe HTML")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    can_change = serializers.BooleanField(help_text="You may still edit or delete it")
    client_id = serializers.CharField(allow_null=True, help_text="Only on your own messages")
    post = PostReferenceSerializer(allow_null=True, help_text="The post a private answer is about")
    cursor = serializers.IntegerField(help_text="Position in the change log (socket resync)")

    def to_representation(self, message):
        return message_data(message, viewer_id=self.context["request"].user.pk)


class ConversationSerializer(serializers.Serializer):
    """A conversation as the requesting participant sees it."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["direct", "group"])
    title = serializers.CharField(help_text="The group's name, or the other person's name")
    participants = PersonSerializer(many=True)
    last_message = MessageSerializer(allow_null=True)
    last_activity_at = serializers.DateTimeField()
    unread_count = serializers.IntegerField()
    last_read_message = serializers.IntegerField()
    muted = serializers.BooleanField()

    def to_representation(self, item: ConversationItem):
        request = self.context["request"]
        conversation, participation = item.conversation, item.participation
        last = conversation.last_message
        return {
            "id": conversation.pk,
            "kind": conversation.kind,
            "title": item.title_for(request.user),
            "participants": [{"id": p.pk, "name": p.public_name} for p in item.people],
            "last_message": None if last is None else message_data(last, viewer_id=request.user.pk),
            "last_activity_at": serializers.DateTimeField().to_representation(
                conversation.last_activity_at
            ),
            "unread_count": participation.unread_count,
            "last_read_message": participation.last_read_message_id,
            "muted": participation.muted,
        }


class ConversationStartSerializer(serializers.Serializer):
    user = _id_field(required=False, help_text="Start (or find) the conversation with this person")
    title = StrictCharField(
        required=False, max_length=TITLE_MAX * 4, help_text="With participants: a group"
    )
    participants = serializers.ListField(child=_id_field(), required=False, max_length=500)

    def validate(self, data):
        if ("user" in data) == ("participants" in data):
            raise serializers.ValidationError(
                "Send either `user` (a conversation of two) or `title` and `participants`."
            )
        if "participants" in data and "title" not in data:
            raise serializers.ValidationError({"title": "A group needs a title."})
        return data


class ConversationUpdateSerializer(serializers.Serializer):
    muted = serializers.BooleanField(required=False)
    title = StrictCharField(required=False, max_length=TITLE_MAX * 4)


class ParticipantsAddSerializer(serializers.Serializer):
    participants = serializers.ListField(child=_id_field(), min_length=1, max_length=500)


class MessageSendSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MESSAGE_MAX * 4, trim_whitespace=False)
    client_id = StrictCharField(
        max_length=64, help_text="Chosen by the client; a retry with the same id is the same send"
    )
    post = _id_field(
        required=False, allow_null=True, help_text="A post of the other person: a private answer"
    )


class MessageEditSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MESSAGE_MAX * 4, trim_whitespace=False)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_older = serializers.BooleanField()
    has_newer = serializers.BooleanField()


class ReadSerializer(serializers.Serializer):
    message = _id_field(
        required=False, allow_null=True, help_text="Read up to here (default: the newest)"
    )


class ReadStateSerializer(serializers.Serializer):
    last_read_message = serializers.IntegerField()
    unread_count = serializers.IntegerField()


def _conversation_response(request, conversation_id, status_code=status.HTTP_200_OK):
    item = conversation_item(user=request.user, conversation_id=conversation_id)
    return Response(
        ConversationSerializer(item, context={"request": request}).data, status=status_code
    )


class ConversationListView(APIView):
    @extend_schema(responses=ConversationSerializer(many=True))
    def get(self, request):
        """Your conversations, the most recently active first."""
        items = conversations_for_user(user=request.user)
        return Response(ConversationSerializer(items, many=True, context={"request": request}).data)

    @extend_schema(
        request=ConversationStartSerializer,
        responses={200: ConversationSerializer, 201: ConversationSerializer},
    )
    def post(self, request):
        """Start a conversation: with `user`, the one of you two (found again if it exists,
        200); with `title` and `participants`, a new group (201)."""
        data = ConversationStartSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "user" in values:
            conversation = services.conversation_start_direct(
                user=request.user, other_id=values["user"]
            )
            return _conversation_response(request, conversation.pk)
        conversation = services.conversation_create_group(
            user=request.user, title=values["title"], participant_ids=values["participants"]
        )
        return _conversation_response(request, conversation.pk, status.HTTP_201_CREATED)


class ConversationDetailView(APIView):
    @extend_schema(responses=ConversationSerializer)
    def get(self, request, pk: int):
        return _conversation_response(request, pk)

    @extend_schema(request=ConversationUpdateSerializer, responses=ConversationSerializer)
    def patch(self, request, pk: int):
        """Mute or unmute it for yourself; rename a group."""
        data = ConversationUpdateSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        services.conversation_update(
            user=request.user,
            conversation_id=pk,
            muted=data.validated_data.get("muted"),
            title=data.validated_data.get("title"),
        )
        return _conversation_response(request, pk)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        """Leave a group conversation."""
        services.conversation_leave(user=request.user, conversation_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParticipantsView(APIView):
    @extend_schema(request=ParticipantsAddSerializer, responses=ConversationSerializer)
    def post(self, request, pk: int):
        """Add people to a group conversation."""
        data = ParticipantsAddSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        services.participants_add(
            user=request.user,
            conversation_id=pk,
            participant_ids=data.validated_data["participants"],
        )
        return _conversation_response(request, pk)


class MessageListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, description="Messages older than this id"),
            OpenApiParameter("after", int, description="Messages newer than this id"),
            OpenApiParameter("limit", int, description="1 to 100 (default 50)"),
        ],
        responses=MessagePageSerializer,
    )
    def get(self, request, pk: int):
        """Messages oldest first: the newest ones, or those before or after a message."""
        participation = participation_get(user=request.user, conversation_id=pk)
        params = request.query_params
        try:
            limit = int(params.get("limit", PAGE_SIZE))
        except ValueError as exc:
            raise serializers.ValidationError({"limit": "Must be a whole number."}) from exc
        page = messages_page(
            conversation=participation.conversation,
            before=params.get("before"),
            after=params.get("after"),
            limit=limit,
        )
        context = {"request": request}
        return Response(
            {
                "results": MessageSerializer(page.messages, many=True, context=context).data,
                "has_older": page.has_older,
                "has_newer": page.has_newer,
            }
        )

    @extend_schema(
        request=MessageSendSerializer,
        responses={200: MessageSerializer, 201: MessageSerializer},
    )
    def post(self, request, pk: int):
        """Send a message (201); a retry with the same client_id answers the first one (200)."""
        data = MessageSendSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        message, created = services.message_send(
            user=request.user,
            conversation_id=pk,
            body=values["body"],
            client_id=values["client_id"],
            post_id=values.get("post"),
        )
        return Response(
            MessageSerializer(message, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageDetailView(APIView):
    def _message(self, request, pk: int, message_id: int):
        message = message_get(user=request.user, message_id=message_id)
        if message.conversation_id != pk:
            participation_get(user=request.user, conversation_id=pk)
            raise serializers.ValidationError({"message": "Not in this conversation."})
        return message

    @extend_schema(request=MessageEditSerializer, responses=MessageSerializer)
    def patch(self, request, pk: int, message_id: int):
        """Edit your message, within 15 minutes of sending it."""
        self._message(request, pk, message_id)
        data = MessageEditSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        message = services.message_edit(
            user=request.user, message_id=message_id, body=data.validated_data["body"]
        )
        return Response(MessageSerializer(message, context={"request": request}).data)

    @extend_schema(responses=MessageSerializer)
    def delete(self, request, pk: int, message_id: int):
        """Delete your message, within 15 minutes of sending it; it stays as "deleted"."""
        self._message(request, pk, message_id)
        message = services.message_delete(user=request.user, message_id=message_id)
        return Response(MessageSerializer(message, context={"request": request}).data)


class ReadView(APIView):
    @extend_schema(request=ReadSerializer, responses=ReadStateSerializer)
    def post(self, request, pk: int):
        """Mark the conversation read up to a message (default: all of it)."""
        data = ReadSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        participation = services.conversation_mark_read(
            user=request.user, conversation_id=pk, message_id=data.validated_data.get("message")
        )
        return Response(
            {
                "last_read_message": participation.last_read_message_id,
                "unread_count": participation.unread_count,
            }
        )
