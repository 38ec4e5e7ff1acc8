"""The one websocket of a browser tab (`/ws/`). The frame protocol is in PROTOCOL.md."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from apps.core.events import user_group

PROTOCOL_VERSION = 1

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ABUSE = 4408


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first, so the client sees our close code rather than a bare 403.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group = user_group(user.pk)
        self.bad_frames = 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_frame({"type": "hello", "protocol": PROTOCOL_VERSION, "user": user.pk})

    async def disconnect(self, code):
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > settings.REALTIME_MAX_FRAME_BYTES:
            return await self.reject_frame("too_large", "Frame too large.")
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return await self.reject_frame("bad_json", "Frame is not valid JSON.")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.reject_frame("bad_frame", "A frame is an object with a type.")
        handler = self.handlers.get(frame["type"])
        if handler is None:
            return await self.reject_frame("unknown_type", f"Unknown frame type {frame['type']!r}.")
        await handler(self, frame)

    async def handle_ping(self, frame: dict):
        reply = {"type": "pong"}
        if isinstance(frame.get("ref"), str | int):
            reply["ref"] = frame["ref"]
        await self.send_frame(reply)

    handlers = {"ping": handle_ping}

    async def reject_frame(self, code: str, message: str):
        self.bad_frames += 1
        if self.bad_frames > settings.REALTIME_MAX_BAD_FRAMES:
            await self.close(code=CLOSE_ABUSE)
            return
        await self.send_frame({"type": "error", "code": code, "message": message})

    async def send_frame(self, frame: dict):
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def event_frame(self, message: dict):
        """A frame published by a service (apps.core.events) for this user."""
        await self.send_frame(message["frame"])
