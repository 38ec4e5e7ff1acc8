"""Event pages: thin skins over apps.events.services and apps.events.selectors."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.http import is_htmx
from apps.notifications.prompts import suggest_push
from apps.places.selectors import municipality_get

from . import services
from .forms import SERVICE_FIELDS, EventForm, initial_for
from .ics import build_calendar, ics_response
from .models import Event
from .permissions import (
    can_attend,
    can_manage_event,
    creatable_municipalities,
    organiser_kind_for,
)
from .selectors import (
    adjacent_months,
    attendees_of,
    attending_ids,
    event_get_for_user,
    feed_events,
    month_events,
    parse_month,
    upcoming_events,
)


def _add_errors(form: EventForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = SERVICE_FIELDS.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _calendar_context(request, *, municipality=None) -> tuple[dict, int]:
    """The upcoming list, or one month with ?monat=JJJJ-MM."""
    user = request.user
    context: dict = {"municipality": municipality, "month": None, "error": ""}
    try:
        month = parse_month(request.GET.get("monat", "")[:20])
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        month = None
        status = 400
    else:
        status = 200
    today = timezone.localdate()
    if month is not None:
        year, number = month
        previous, following = adjacent_months(year, number)
        context.update(
            {
                "month": dt.date(year, number, 1),
                "days": month_events(user=user, year=year, month=number, municipality=municipality),
                "previous_month": previous,
                "next_month": following,
            }
        )
        events = [event for day in context["days"] for event in day.events]
    else:
        events = upcoming_events(user=user, municipality=municipality)
        context["events"] = events
        context["this_month"] = f"{today:%Y-%m}"
    context["attending"] = attending_ids(user=user, events=events)
    return context, status


def calendar(request):
    """The calendar of the municipalities the user reads."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "events/calendar_anonymous.html")
    if user.home_municipality_id is None:
        messages.info(request, _("Wähle zuerst deine Heimatgemeinde."))
        return redirect("accounts:settings")
    context, status = _calendar_context(request)
    context["can_create"] = bool(creatable_municipalities(user))
    return render(request, "events/calendar.html", context, status=status)


def municipality_calendar(request, slug: str):
    """The public calendar page of one municipality (members events too, for those who may
    see them)."""
    municipality = municipality_get(slug=slug)
    context, status = _calendar_context(request, municipality=municipality)
    context["can_create"] = organiser_kind_for(request.user, municipality) is not None
    return render(request, "events/calendar.html", context, status=status)


def municipality_feed(request, slug: str):
    municipality = municipality_get(slug=slug)
    calendar = build_calendar(
        feed_events(municipality=municipality),
        base_url=request.build_absolute_uri("/").rstrip("/"),
        name=_("Veranstaltungen in %(name)s") % {"name": municipality.name},
    )
    return ics_response(calendar, filename=f"veranstaltungen-{municipality.slug}.ics")


def event_ics(request, pk: int):
    event = event_get_for_user(user=request.user, event_id=pk)
    calendar = build_calendar(
        [event], base_url=request.build_absolute_uri("/").rstrip("/"), name=event.title
    )
    return ics_response(calendar, filename=f"veranstaltung-{event.pk}.ics")


def _detail_context(request, event: Event) -> dict:
    user = request.user
    attending = bool(attending_ids(user=user, events=[event]))
    return {
        "event": event,
        "attending": attending,
        "can_attend": can_attend(user, event),
        "can_manage": can_manage_event(user, event),
    }


def event_detail(request, pk: int):
    event = event_get_for_user(user=request.user, event_id=pk)
    return render(request, "events/event_detail.html", _detail_context(request, event))


@require_POST
def event_rsvp(request, pk: int):
    """ "Ich komme" (answer=yes) or take it back (answer=no); a plain form, htmx swaps the box."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('events:detail', args=[pk])}")
    event = event_get_for_user(user=request.user, event_id=pk)
    error = ""
    try:
        if request.POST.get("answer") == "no":
            services.rsvp_remove(user=request.user, event=event)
        else:
            services.rsvp_add(user=request.user, event=event)
            suggest_push(request)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        context = {**_detail_context(request, event), "rsvp_error": error}
        return render(request, "events/_rsvp.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    elif request.POST.get("answer") == "no":
        messages.success(request, _("Du hast abgesagt."))
    else:
        messages.success(request, _("Schön, dass du kommst!"))
    return redirect("events:detail", pk=event.pk)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    municipalities = creatable_municipalities(request.user)
    if not municipalities:
        raise PermissionDenied
    chosen = request.GET.get("gemeinde", "")
    initial = {"municipality": chosen if chosen in {m.slug for m in municipalities} else ""}
    form = EventForm(request.POST or None, municipalities=municipalities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                actor=request.user,
                municipality=form.municipalities[form.cleaned_data["municipality"]],
                **form.service_values(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Die Veranstaltung ist veröffentlicht."))
            return redirect("events:detail", pk=event.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "events/event_form.html", {"form": form}, status=status)


def _managed_event(request, pk: int) -> Event:
    event = event_get_for_user(user=request.user, event_id=pk)
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return event


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    event = _managed_event(request, pk)
    if event.is_cancelled:
        messages.error(request, _("Eine abgesagte Veranstaltung kann nicht mehr geändert werden."))
        return redirect("events:detail", pk=event.pk)
    form = EventForm(
        request.POST or None, municipalities=[event.municipality], initial=initial_for(event)
    )
    form.fields["municipality"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **form.service_values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Deine Änderungen sind gespeichert."))
            return redirect("events:detail", pk=event.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "events/event_form.html", {"form": form, "event": event}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request, pk: int):
    event = _managed_event(request, pk)
    if request.method == "POST":
        services.event_cancel(actor=request.user, event=event)
        messages.success(
            request, _("Die Veranstaltung ist abgesagt. Wer zugesagt hat, erfährt es.")
        )
        return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_cancel.html", {"event": event})


@login_required
def event_attendees(request, pk: int):
    event = _managed_event(request, pk)
    return render(
        request,
        "events/event_attendees.html",
        {"event": event, "attendees": attendees_of(event=event)},
    )
