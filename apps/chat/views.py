"""Chat pages: thin skins over apps.chat.services and apps.chat.selectors. Everything works
as plain forms; static/js/live.js adds the live socket on top."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import RateLimited
from apps.core.forms import add_service_errors
from apps.core.http import is_htmx
from apps.notifications.prompts import suggest_push
from apps.posts.models import Post
from apps.posts.permissions import can_read_post

from . import services
from .forms import AddPeopleForm, GroupForm, MessageEditForm, MessageForm
from .models import Conversation
from .selectors import (
    contacts_for_user,
    conversation_item,
    conversations_for_user,
    latest_cursor,
    message_get,
    messages_page,
)


@login_required
def conversation_list(request):
    cursor = latest_cursor()
    items = conversations_for_user(user=request.user)
    template = (
        "chat/_conversation_items.html" if is_htmx(request) else "chat/conversation_list.html"
    )
    return render(request, template, {"items": items, "chat_cursor": cursor})


def _reply_post(request, item) -> Post | None:
    """The post of a private answer (?beitrag=), when it belongs to the other person."""
    raw = request.GET.get("beitrag") or request.POST.get("post")
    if not raw or not str(raw).isdigit() or len(str(raw)) > 15:
        return None
    post = Post.objects.select_related("author").filter(pk=int(raw)).first()
    others = {person.pk for person in item.others(request.user)}
    if (
        post is None
        or item.conversation.kind != Conversation.Kind.DIRECT
        or post.author_id not in others
        or not can_read_post(request.user, post)
    ):
        return None
    return post


@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request, pk: int):
    item = conversation_item(user=request.user, conversation_id=pk)
    reply_post = _reply_post(request, item)
    form = MessageForm(
        request.POST or None,
        initial={
            "client_id": MessageForm.fresh_client_id(),
            "post": reply_post.pk if reply_post else None,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_send(
                    user=request.user,
                    conversation_id=pk,
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                    post_id=form.cleaned_data["post"],
                )
                suggest_push(request)
                return redirect(reverse("chat:detail", args=[pk]) + "#compose")
            except ValidationError as exc:
                add_service_errors(form, exc)
            except (PermissionDenied, RateLimited) as exc:
                form.add_error(None, str(exc))
        status = 400
    # The cursor before the messages: whatever commits in between comes again in resync.
    cursor = latest_cursor()
    page = messages_page(conversation=item.conversation, before=_before(request), limit=50)
    if request.method == "GET" and not request.GET.get("before"):
        services.conversation_mark_read(user=request.user, conversation_id=pk)
        item.participation.unread_count = 0
    context = {
        "item": item,
        "title": item.title_for(request.user),
        "page": page,
        "form": form,
        "reply_post": reply_post,
        "chat_cursor": cursor,
        "add_form": AddPeopleForm(contacts=_addable(request.user, item))
        if item.conversation.kind == Conversation.Kind.GROUP
        else None,
    }
    return render(request, "chat/conversation_detail.html", context, status=status)


def _before(request):
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 16 else None


def _addable(user, item) -> list:
    present = {person.pk for person in item.people}
    return [person for person in contacts_for_user(user=user) if person.pk not in present]


@login_required
@require_POST
def start_direct(request, user_id: int):
    """ "Nachricht schreiben" on a profile, "Privat antworten" on a post."""
    try:
        conversation = services.conversation_start_direct(user=request.user, other_id=user_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("chat:list")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("chat:list")
    url = reverse("chat:detail", args=[conversation.pk])
    post = request.POST.get("post", "")
    if post.isdigit() and len(post) < 16:
        url += f"?beitrag={post}"
    return redirect(url + "#compose")


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request):
    contacts = contacts_for_user(user=request.user)
    form = GroupForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_create_group(
                user=request.user,
                title=form.cleaned_data["title"],
                participant_ids=form.cleaned_data["participants"],
            )
            return redirect("chat:detail", pk=conversation.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "chat/group_form.html", {"form": form, "contacts": contacts}, status=status
    )


@login_required
@require_POST
def participants_add(request, pk: int):
    item = conversation_item(user=request.user, conversation_id=pk)
    form = AddPeopleForm(request.POST, contacts=_addable(request.user, item))
    if not form.is_valid():
        messages.error(request, _("Bitte wähle, wen du hinzufügen möchtest."))
        return redirect("chat:detail", pk=pk)
    try:
        services.participants_add(
            user=request.user, conversation_id=pk, participant_ids=form.cleaned_data["participants"]
        )
        messages.success(request, _("Hinzugefügt."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("chat:detail", pk=pk)


@login_required
@require_POST
def mute(request, pk: int):
    muted = request.POST.get("muted") == "1"
    services.conversation_update(user=request.user, conversation_id=pk, muted=muted)
    messages.success(request, _("Stummgeschaltet.") if muted else _("Stummschaltung aufgehoben."))
    return redirect("chat:detail", pk=pk)


@login_required
@require_POST
def leave(request, pk: int):
    try:
        services.conversation_leave(user=request.user, conversation_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("chat:detail", pk=pk)
    messages.success(request, _("Du hast die Gruppe verlassen."))
    return redirect("chat:list")


def _own_message(request, pk: int, message_id: int):
    message = message_get(user=request.user, message_id=message_id)
    if message.conversation_id != pk:
        raise Http404
    return message


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, pk: int, message_id: int):
    message = _own_message(request, pk, message_id)
    form = MessageEditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(
                user=request.user, message_id=message.pk, body=form.cleaned_data["body"]
            )
            return redirect(reverse("chat:detail", args=[pk]) + f"#message-{message.pk}")
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "chat/message_edit.html", {"form": form, "message": message}, status=status
    )


@login_required
@require_POST
def message_delete(request, pk: int, message_id: int):
    message = _own_message(request, pk, message_id)
    try:
        services.message_delete(user=request.user, message_id=message.pk)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(reverse("chat:detail", args=[pk]) + f"#message-{message.pk}")
