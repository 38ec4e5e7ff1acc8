"""REST endpoints of events: /api/v1/events/ and below. Reading public events needs no
account; everything else does."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import PersonSerializer, PlaceSerializer, StrictCharField, request_payload
from apps.core.rendering import render_plain_text
from apps.places.models import Municipality

from . import services
from .models import CAPACITY_MAX, DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX, Event
from .permissions import can_attend, can_manage_event
from .selectors import (
    PAGE_SIZE,
    YEAR_MAX,
    YEAR_MIN,
    attendees_of,
    attending_ids,
    event_get_for_user,
    event_page,
)


class ReadOpenWriteSignedIn(permissions.BasePermission):
    """Public events are public: reading needs no account, changing does."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class EventOrganiserSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="town_hall or resident (groups later)")
    name = serializers.CharField(help_text='"Rathaus <municipality>" or the resident\'s name')
    user_id = serializers.IntegerField(
        allow_null=True, help_text="The resident who organises it; null for the town hall"
    )


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    description_html = serializers.SerializerMethodField(help_text="The description as safe HTML")
    municipality = PlaceSerializer()
    organiser = serializers.SerializerMethodField()
    all_day = serializers.BooleanField()
    starts_at = serializers.DateTimeField(help_text="Start (for all-day events local midnight)")
    ends_at = serializers.DateTimeField(help_text="End, exclusive (all-day: midnight after)")
    start_date = serializers.DateField(help_text="First day, Europe/Berlin")
    end_date = serializers.DateField(help_text="Last day (inclusive), Europe/Berlin")
    place_name = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    capacity = serializers.IntegerField(allow_null=True, help_text="Seats; null: no limit")
    attendee_count = serializers.IntegerField()
    seats_left = serializers.IntegerField(allow_null=True)
    audience = serializers.ChoiceField(choices=Event.Audience.choices)
    cancelled = serializers.BooleanField(source="is_cancelled")
    cancelled_at = serializers.DateTimeField(allow_null=True)
    attending = serializers.SerializerMethodField(help_text='Whether you said "Ich komme"')
    can_attend = serializers.SerializerMethodField(help_text="Whether you may say it")
    can_manage = serializers.SerializerMethodField(help_text="Whether you may edit and cancel")
    url = serializers.SerializerMethodField(help_text="The event's web page")
    ics_url = serializers.SerializerMethodField(help_text="The event as iCalendar file")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)

    def _user(self):
        return self.context["request"].user

    def get_description_html(self, event) -> str:
        return str(render_plain_text(event.description))

    @extend_schema_field(EventOrganiserSerializer)
    def get_organiser(self, event) -> dict:
        return {
            "kind": event.organiser_kind,
            "name": str(event.organiser_name),
            "user_id": event.created_by_id
            if event.organiser_kind == Event.OrganiserKind.RESIDENT
            else None,
        }

    def get_attending(self, event) -> bool:
        return event.pk in self.context.get("attending", set())

    def get_can_attend(self, event) -> bool:
        return can_attend(self._user(), event)

    def get_can_manage(self, event) -> bool:
        return can_manage_event(self._user(), event)

    def get_url(self, event) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("events:detail", kwargs={"pk": event.pk})
        )

    def get_ics_url(self, event) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("events:ics", kwargs={"pk": event.pk})
        )


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class LocalDateTimeField(serializers.DateTimeField):
    """Keeps a time without offset as it is: the service reads it as Berlin time and refuses
    one that the spring clock change skips."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            return value
        return super().enforce_timezone(value)


def _text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length * 4, trim_whitespace=False, **kwargs)


class EventWriteSerializer(serializers.Serializer):
    """Timed events: starts_at and ends_at (without offset: Europe/Berlin). All-day events:
    all_day true, start_date and end_date (last day, inclusive; defaults to start_date)."""

    title = _text(TITLE_MAX)
    description = _text(DESCRIPTION_MAX, required=False, allow_blank=True)
    all_day = serializers.BooleanField(required=False)
    starts_at = LocalDateTimeField(required=False, allow_null=True)
    ends_at = LocalDateTimeField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    place_name = _text(PLACE_MAX, required=False, allow_blank=True)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    capacity = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=CAPACITY_MAX
    )
    audience = serializers.ChoiceField(choices=Event.Audience.choices, required=False)


class EventCreateSerializer(EventWriteSerializer):
    municipality = StrictCharField(max_length=140, help_text="Slug of the municipality")


class EventUpdateSerializer(EventWriteSerializer):
    title = _text(TITLE_MAX, required=False)


class EventAttendanceSerializer(serializers.Serializer):
    attending = serializers.BooleanField()
    attendee_count = serializers.IntegerField()


def _date_param(params, name: str) -> dt.date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:20])
    except ValueError as exc:
        raise serializers.ValidationError({name: "Use a date like 2026-12-24."}) from exc
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise serializers.ValidationError({name: f"Years {YEAR_MIN} to {YEAR_MAX} only."})
    return day


def _respond(request, event: Event, code: int = status.HTTP_200_OK) -> Response:
    context = {"request": request, "attending": attending_ids(user=request.user, events=[event])}
    return Response(EventSerializer(event, context=context).data, status=code)


class EventListView(APIView):
    permission_classes = [ReadOpenWriteSignedIn]

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", str, description="Slug: only this municipality"),
            OpenApiParameter("from", str, description="First day (YYYY-MM-DD); default: now"),
            OpenApiParameter("to", str, description="Last day (YYYY-MM-DD), inclusive"),
            OpenApiParameter("include_cancelled", bool, description="Also cancelled events"),
            OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
            OpenApiParameter("limit", int, description="Page size, 1 to 50 (default 20)"),
        ],
        responses=EventPageSerializer,
        operation_id="events_list",
    )
    def get(self, request):
        """Events soonest first: of the municipalities you read (anonymous: public events
        anywhere), or of one municipality."""
        params = request.query_params
        try:
            limit = int(params.get("limit", PAGE_SIZE))
        except ValueError as exc:
            raise serializers.ValidationError({"limit": "Must be a whole number."}) from exc
        page = event_page(
            user=request.user,
            municipality_slug=(params.get("municipality") or "")[:140] or None,
            date_from=_date_param(params, "from"),
            date_to=_date_param(params, "to"),
            include_cancelled=params.get("include_cancelled", "").lower() in {"1", "true", "yes"},
            cursor=(params.get("cursor") or "")[:500] or None,
            limit=limit,
        )
        context = {
            "request": request,
            "attending": attending_ids(user=request.user, events=page.events),
        }
        return Response(
            {
                "results": EventSerializer(page.events, many=True, context=context).data,
                "next_cursor": page.next_cursor,
            }
        )

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    def post(self, request):
        """Create an event: as town hall (editors), or as a resident where the municipality
        allows it."""
        data = EventCreateSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        municipality = Municipality.objects.filter(slug=values.pop("municipality")).first()
        if municipality is None:
            raise serializers.ValidationError({"municipality": "No such municipality."})
        event = services.event_create(actor=request.user, municipality=municipality, **values)
        event = event_get_for_user(user=request.user, event_id=event.pk)
        return _respond(request, event, status.HTTP_201_CREATED)


def _current_values(event: Event) -> dict:
    return {
        "title": event.title,
        "description": event.description,
        "all_day": event.all_day,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "place_name": event.place_name,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "audience": event.audience,
    }


class EventDetailView(APIView):
    permission_classes = [ReadOpenWriteSignedIn]

    @extend_schema(responses=EventSerializer, operation_id="events_read")
    def get(self, request, pk: int):
        return _respond(request, event_get_for_user(user=request.user, event_id=pk))

    @extend_schema(request=EventUpdateSerializer, responses=EventSerializer)
    def patch(self, request, pk: int):
        """Change your event; fields left out stay as they are."""
        event = event_get_for_user(user=request.user, event_id=pk)
        if not can_manage_event(request.user, event):
            raise ApiPermissionDenied("Only the organiser can change this event.")
        data = EventUpdateSerializer(data=request_payload(request))
        data.is_valid(raise_exception=True)
        values = {**_current_values(event), **data.validated_data}
        services.event_update(actor=request.user, event=event, **values)
        return _respond(request, event_get_for_user(user=request.user, event_id=pk))

    @extend_schema(request=None, responses=EventSerializer)
    def delete(self, request, pk: int):
        """Cancel the event (the same as POST .../cancel/); it stays visible as cancelled."""
        return _cancel(request, pk)


def _cancel(request, pk: int) -> Response:
    event = event_get_for_user(user=request.user, event_id=pk)
    if not can_manage_event(request.user, event):
        raise ApiPermissionDenied("Only the organiser can cancel this event.")
    services.event_cancel(actor=request.user, event=event)
    return _respond(request, event)


class EventCancelView(APIView):
    @extend_schema(request=None, responses=EventSerializer)
    def post(self, request, pk: int):
        """Cancel the event; everyone who said "Ich komme" is told."""
        return _cancel(request, pk)


class EventRsvpView(APIView):
    @extend_schema(request=None, responses=EventAttendanceSerializer)
    def post(self, request, pk: int):
        """Say "Ich komme". Saying it twice changes nothing; a full event answers 400."""
        event = event_get_for_user(user=request.user, event_id=pk)
        attending, count = services.rsvp_add(user=request.user, event=event)
        return Response({"attending": attending, "attendee_count": count})

    @extend_schema(request=None, responses=EventAttendanceSerializer)
    def delete(self, request, pk: int):
        """Take the "Ich komme" back."""
        event = event_get_for_user(user=request.user, event_id=pk)
        attending, count = services.rsvp_remove(user=request.user, event=event)
        return Response({"attending": attending, "attendee_count": count})


class EventAttendeesView(APIView):
    @extend_schema(responses=PersonSerializer(many=True))
    def get(self, request, pk: int):
        """Who comes, in the order they said so: for the organiser only."""
        event = event_get_for_user(user=request.user, event_id=pk)
        if not can_manage_event(request.user, event):
            raise ApiPermissionDenied("Only the organiser sees who comes.")
        return Response(PersonSerializer(attendees_of(event=event), many=True).data)
