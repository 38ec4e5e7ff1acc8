"""Pages about municipalities: the landing page, search, public page, the village home and
the town hall's invitation codes."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.forms import add_service_errors
from apps.core.http import is_htmx

from . import services
from .forms import InvitationCodeForm
from .models import InvitationCode
from .selectors import (
    invitation_codes_for,
    municipality_get,
    municipality_managed_by,
    municipality_picker_choices,
    municipality_search,
)


def landing(request):
    if request.user.is_authenticated and request.user.home_municipality_id:
        return redirect("posts:feed")
    query = request.GET.get("q", "")[:100]
    results = municipality_search(query=query) if query else []
    return render(request, "places/landing.html", {"query": query, "results": results})


def municipality_list(request):
    query = request.GET.get("q", "")[:100]
    results = municipality_search(query=query, limit=50)
    template = (
        "places/_municipality_results.html" if is_htmx(request) else "places/municipality_list.html"
    )
    return render(request, template, {"query": query, "results": results})


def municipality_detail(request, slug: str):
    municipality = municipality_get(slug=slug)
    return render(request, "places/municipality_detail.html", {"municipality": municipality})


@login_required
def municipality_choices(request):
    """The radio list of the settings page, refreshed while someone types."""
    query = request.GET.get("q", "")[:100]
    selected = request.GET.get("municipality", "")[:140]
    choices = municipality_picker_choices(query=query, keep=[selected])
    return render(
        request,
        "places/_municipality_choices.html",
        {"choices": choices, "selected": selected, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request, slug: str):
    municipality = municipality_managed_by(user=request.user, slug=slug)
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_at"]
        expires_at = None
        if expires_on:
            end_of_day = dt.datetime.combine(expires_on, dt.time(23, 59, 59))
            expires_at = timezone.make_aware(end_of_day)
        try:
            invitation = services.invitation_code_create(
                actor=request.user,
                municipality=municipality,
                max_uses=form.cleaned_data["max_uses"],
                expires_at=expires_at,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(
                request, _("Neuer Einladungscode: %(code)s") % {"code": invitation.code}
            )
            return redirect("places:invitations", slug=municipality.slug)
    return render(
        request,
        "places/invitations.html",
        {
            "municipality": municipality,
            "form": form,
            "codes": invitation_codes_for(municipality=municipality),
            "now": timezone.now(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    municipality = municipality_managed_by(user=request.user, slug=slug)
    invitation = get_object_or_404(InvitationCode, pk=pk, municipality=municipality)
    services.invitation_code_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("Der Code %(code)s gilt nicht mehr.") % {"code": invitation.code})
    return redirect("places:invitations", slug=municipality.slug)
