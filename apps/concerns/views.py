"""Concern report pages ("Sag's uns"): thin skins over apps.concerns.services and selectors.
Every page works as a plain form without JavaScript."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.forms import add_service_errors
from apps.notifications.prompts import suggest_push
from apps.places.models import Municipality
from apps.places.selectors import municipality_get

from . import services
from .export import csv_response
from .files import photo_response
from .forms import (
    AssignForm,
    ConcernForm,
    InboxFilterForm,
    MessageForm,
    PublishForm,
    StatusForm,
)
from .models import Concern
from .permissions import can_handle, can_report, can_see_photo, edited_municipality_ids
from .selectors import (
    already_reported,
    concern_get_for_user,
    concern_get_readable,
    concerns_of_reporter,
    inbox,
    messages_for_concern,
    public_notes,
    published_concern_get,
    published_for_municipality,
    town_hall_municipality,
    town_hall_team,
    updates_for_concern,
)
from .services import TRANSITIONS


def map_settings() -> dict:
    """Tiles only when the operator configured a tile server; otherwise a coordinate grid."""
    return {
        "tile_url": getattr(settings, "CONCERNS_MAP_TILE_URL", "") or "",
        "tile_attribution": getattr(settings, "CONCERNS_MAP_TILE_ATTRIBUTION", "") or "",
    }


@login_required
def my_concerns(request):
    editing = Municipality.objects.filter(pk__in=edited_municipality_ids(request.user))
    return render(
        request,
        "concerns/my_concerns.html",
        {
            "concerns": concerns_of_reporter(user=request.user),
            "town_halls": list(editing.order_by("name")),
            "can_report": can_report(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_create(request):
    if not can_report(request.user):
        messages.info(request, _("Bitte bestätige deine E-Mail-Adresse und wähle deine Gemeinde."))
        return redirect("accounts:settings")
    initial_category = request.GET.get("category", "")
    if initial_category not in Concern.Category.values:
        initial_category = ""
    form = ConcernForm(
        request.POST or None, request.FILES or None, initial={"category": initial_category}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.concern_create(
                reporter=request.user,
                category=data["category"],
                description=data["description"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Danke! Deine Meldung ist beim Rathaus eingegangen."))
            suggest_push(request)
            return redirect("concerns:detail", pk=concern.pk)
    category = form.data.get("category") if form.is_bound else initial_category
    municipality = request.user.home_municipality
    context = {
        "form": form,
        "municipality": municipality,
        "similar": already_reported(user=request.user, category=category or None),
        "similar_category": category if category in Concern.Category.values else "",
        "map": map_settings(),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "concerns/concern_form.html", context, status=status)


@login_required
@require_GET
def similar(request):
    """The "Schon gemeldet" list for a category, as the form shows it (htmx swaps it in)."""
    category = request.GET.get("category", "")
    category = category if category in Concern.Category.values else ""
    return render(
        request,
        "concerns/_similar.html",
        {
            "similar": already_reported(user=request.user, category=category or None),
            "similar_category": category,
        },
    )


def _detail_context(request, concern: Concern, **forms) -> dict:
    user = request.user
    handles = can_handle(user, concern)
    context = {
        "concern": concern,
        "is_reporter": concern.reporter_id == user.pk,
        "handles": handles,
        "exchange": messages_for_concern(concern=concern),
        "updates": updates_for_concern(concern=concern),
        "message_form": forms.get("message_form") or MessageForm(),
        "map": map_settings(),
    }
    if handles:
        allowed = TRANSITIONS[Concern.Status(concern.status)]
        status_form = forms.get("status_form") or StatusForm()
        status_form.fields["status"].choices = [
            (value, label) for value, label in Concern.Status.choices if value in allowed
        ]
        assign_form = forms.get("assign_form") or AssignForm(
            initial={"assignee": concern.assignee_id}
        )
        _set_team_choices(assign_form, concern)
        publish_form = forms.get("publish_form") or PublishForm(
            initial={
                "published": concern.is_public,
                "public_text": concern.public_text,
                "photos_public": concern.photos_public,
            }
        )
        context.update(
            {"status_form": status_form, "assign_form": assign_form, "publish_form": publish_form}
        )
    return context


def _set_team_choices(form: AssignForm, concern: Concern) -> None:
    team = town_hall_team(municipality=concern.municipality)
    form.fields["assignee"].choices = [
        ("", _("Niemand")),
        *((person.pk, person.public_name) for person in team),
    ]


@login_required
def concern_detail(request, pk: int):
    concern = concern_get_for_user(user=request.user, concern_id=pk)
    return render(request, "concerns/concern_detail.html", _detail_context(request, concern))


def _back(concern: Concern, anchor: str = "") -> str:
    return reverse("concerns:detail", kwargs={"pk": concern.pk}) + anchor


@login_required
@require_POST
def message_create(request, pk: int):
    concern = concern_get_for_user(user=request.user, concern_id=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_create(
                author=request.user, concern=concern, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(_back(concern, "#exchange"))
    context = _detail_context(request, concern, message_form=form)
    return render(request, "concerns/concern_detail.html", context, status=400)


@login_required
@require_POST
def status_change(request, pk: int):
    concern = concern_get_for_user(user=request.user, concern_id=pk)
    if not can_handle(request.user, concern):
        raise PermissionDenied
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.concern_set_status(
                actor=request.user,
                concern=concern,
                status=data["status"],
                message=data["message"],
                public_note=data["public_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Status geändert: %(status)s") % {"status": concern.get_status_display()},
            )
            return redirect(_back(concern))
    context = _detail_context(request, concern, status_form=form)
    return render(request, "concerns/concern_detail.html", context, status=400)


@login_required
@require_POST
def assign(request, pk: int):
    concern = concern_get_for_user(user=request.user, concern_id=pk)
    if not can_handle(request.user, concern):
        raise PermissionDenied
    form = AssignForm(request.POST)
    _set_team_choices(form, concern)
    if form.is_valid():
        assignee_id = form.cleaned_data["assignee"]
        assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
        try:
            services.concern_assign(actor=request.user, concern=concern, assignee=assignee)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Zuständigkeit gespeichert."))
            return redirect(_back(concern))
    context = _detail_context(request, concern, assign_form=form)
    return render(request, "concerns/concern_detail.html", context, status=400)


@login_required
@require_POST
def publish(request, pk: int):
    concern = concern_get_for_user(user=request.user, concern_id=pk)
    if not can_handle(request.user, concern):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.concern_publish(
                actor=request.user,
                concern=concern,
                published=data["published"],
                public_text=data["public_text"],
                photos_public=data["photos_public"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Die Meldung ist jetzt öffentlich (ohne Namen).")
                if concern.is_public
                else _("Die Meldung ist nicht mehr öffentlich."),
            )
            return redirect(_back(concern))
    context = _detail_context(request, concern, publish_form=form)
    return render(request, "concerns/concern_detail.html", context, status=400)


@require_GET
def photo(request, pk: int, photo_id: int, size: str):
    """Reporter and town hall always; everyone else only photos published with the report."""
    concern, full = concern_get_readable(user=request.user, concern_id=pk)
    if not can_see_photo(request.user, concern):
        raise Http404
    return photo_response(concern=concern, photo_id=photo_id, size=size, public=not full)


def _inbox_filters(request, municipality):
    form = InboxFilterForm(request.GET or None)
    team = town_hall_team(municipality=municipality)
    form.fields["assignee"].choices = [
        ("", _("Alle")),
        ("none", _("Niemand zugewiesen")),
        *((str(person.pk), person.public_name) for person in team),
    ]
    values = form.cleaned_data if form.is_valid() else {}
    return form, values


@login_required
def inbox_page(request, slug: str):
    municipality = town_hall_municipality(user=request.user, slug=slug)
    form, values = _inbox_filters(request, municipality)
    concerns = inbox(
        municipality=municipality,
        status=values.get("status") or None,
        category=values.get("category") or None,
        assignee=values.get("assignee") or None,
        order=values.get("order") or "oldest",
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "concerns/inbox.html",
        {
            "municipality": municipality,
            "filters": form,
            "concerns": concerns,
            "now": timezone.now(),
            "export_query": request.GET.urlencode(),
        },
        status=status,
    )


@login_required
@require_GET
def inbox_export(request, slug: str):
    municipality = town_hall_municipality(user=request.user, slug=slug)
    form, values = _inbox_filters(request, municipality)
    if form.is_bound and form.errors:
        return render(
            request,
            "concerns/inbox.html",
            {"municipality": municipality, "filters": form, "concerns": [], "now": timezone.now()},
            status=400,
        )
    concerns = inbox(
        municipality=municipality,
        status=values.get("status") or None,
        category=values.get("category") or None,
        assignee=values.get("assignee") or None,
        order=values.get("order") or "oldest",
        limit=None,
    )
    return csv_response(request=request, municipality=municipality, concerns=concerns)


def published_list(request, slug: str):
    """ "Schon gemeldet": what the town hall made public, for everyone, without names."""
    municipality = municipality_get(slug=slug)
    category = request.GET.get("category", "")
    category = category if category in Concern.Category.values else ""
    return render(
        request,
        "concerns/published_list.html",
        {
            "municipality": municipality,
            "concerns": published_for_municipality(
                municipality=municipality, category=category or None
            ),
            "category": category,
            "categories": Concern.Category.choices,
        },
    )


def published_detail(request, slug: str, pk: int):
    municipality = municipality_get(slug=slug)
    concern = published_concern_get(municipality=municipality, concern_id=pk)
    return render(
        request,
        "concerns/published_detail.html",
        {
            "municipality": municipality,
            "concern": concern,
            "notes": public_notes(concern=concern),
            "show_photos": concern.photos_public,
            "map": map_settings(),
        },
    )
