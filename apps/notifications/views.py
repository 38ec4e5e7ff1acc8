"""The notification centre: thin skins over services and selectors; plain links and forms,
no JavaScript needed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.forms import add_service_errors
from apps.core.ids import parse_id

from . import preferences, services, vapid
from .models import CHANNELS, Notification
from .rendering import notification_text, target_url
from .selectors import notifications_page, push_devices


@login_required
@require_GET
def notification_list(request):
    cursor = request.GET.get("cursor") or None
    try:
        page = notifications_page(user=request.user, cursor=cursor)
    except ValidationError:
        page = notifications_page(user=request.user)
    items = [
        {"notification": n, "text": notification_text(n), "unread": n.read_at is None}
        for n in page.notifications
    ]
    return render(
        request,
        "notifications/notification_list.html",
        {"items": items, "next_cursor": page.next_cursor, "paged": bool(cursor)},
    )


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification to its target; following it marks it read."""
    notification = services.notification_mark_read(user=request.user, notification_id=pk)
    return redirect(target_url(notification))


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")


class QuietHoursForm(forms.Form):
    quiet_hours = forms.BooleanField(label=gettext_lazy("Ruhezeit einhalten"), required=False)
    quiet_start = forms.TimeField(
        label=gettext_lazy("von"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("bis"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


def _channels_from(post) -> dict[str, dict[str, bool]]:
    """Checkboxes named <kind>-<channel>: a missing one is off, as browsers send it."""
    return {
        kind: {channel: post.get(f"{kind}-{channel}") == "on" for channel in CHANNELS}
        for kind in Notification.Kind.values
    }


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request):
    """What to hear about and how, quiet hours, and the devices that get pushes."""
    user = request.user
    current = preferences.notification_settings(user)
    quiet_form = QuietHoursForm(
        initial={
            "quiet_hours": current.quiet_hours,
            "quiet_start": current.quiet_start,
            "quiet_end": current.quiet_end,
        }
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "channels":
            preferences.preferences_update(user=user, changes=_channels_from(request.POST))
            messages.success(request, _("Gespeichert."))
            return redirect("notifications:preferences")
        if action == "quiet":
            quiet_form = QuietHoursForm(request.POST)
            if quiet_form.is_valid():
                data = quiet_form.cleaned_data
                try:
                    preferences.quiet_hours_update(
                        user=user,
                        enabled=data["quiet_hours"],
                        start=data["quiet_start"],
                        end=data["quiet_end"],
                    )
                except ValidationError as error:
                    add_service_errors(quiet_form, error)
                else:
                    messages.success(request, _("Gespeichert."))
                    return redirect("notifications:preferences")
        elif action == "remove_device":
            services.push_unsubscribe(user=user, subscription_id=request.POST.get("device"))
            messages.success(request, _("Das Gerät bekommt keine Push-Nachrichten mehr."))
            return redirect("notifications:preferences")
        else:
            return HttpResponseBadRequest(_("Unbekannte Aktion."))
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": preferences.preference_table(user),
            "quiet_form": quiet_form,
            "devices": push_devices(user=user),
            "vapid_public_key": vapid.public_key(),
            "push_text": {
                "unsupported": _("Dieser Browser kann keine Push-Nachrichten empfangen."),
                "denied": _(
                    "Push-Nachrichten sind im Browser blockiert. Du kannst sie in den "
                    "Einstellungen der Website erlauben."
                ),
                "off": _("Dieses Gerät bekommt keine Push-Nachrichten."),
                "on": _("Dieses Gerät bekommt Push-Nachrichten."),
                "failed": _("Das hat nicht geklappt. Bitte versuche es später noch einmal."),
            },
        },
    )


@login_required
@require_POST
def mute_view(request):
    """Mute or unmute a post from its page; back to where one came from."""
    try:
        target_id = parse_id(request.POST.get("target_id"))
        target_type = request.POST.get("target_type", "")
        if request.POST.get("mute") == "1":
            preferences.mute(user=request.user, target_type=target_type, target_id=target_id)
            messages.success(
                request, _("Stummgeschaltet: dazu bekommst du keine Benachrichtigungen mehr.")
            )
        else:
            preferences.unmute(user=request.user, target_type=target_type, target_id=target_id)
            messages.success(request, _("Du wirst wieder benachrichtigt."))
    except (ValidationError, Http404):
        return HttpResponseBadRequest(_("Das lässt sich nicht stummschalten."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:list")
    return redirect(target)
