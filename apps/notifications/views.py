"""The notification centre: thin skins over services and selectors; plain links and forms,
no JavaScript needed."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import services
from .rendering import notification_text, target_url
from .selectors import notifications_page


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
