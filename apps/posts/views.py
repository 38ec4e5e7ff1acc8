"""Feed pages: thin skins over apps.posts.services and apps.posts.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.selectors import profile_get
from apps.core.forms import add_service_errors
from apps.core.http import is_htmx
from apps.notifications.preferences import is_muted
from apps.notifications.prompts import suggest_push
from apps.places.permissions import editor_municipalities
from apps.places.selectors import readable_municipalities

from . import services
from .files import photo_response
from .forms import CommentForm, FeedFilterForm, PostEditForm, PostForm
from .models import EXPIRY_CHOICES_DAYS, Post
from .permissions import can_comment, can_delete_comment, can_edit_post, can_write
from .selectors import (
    comment_get,
    comments_for_post,
    feed_for_user,
    post_get_for_user,
    posts_by_author,
    thanked_ids,
)


@login_required
def feed(request):
    user = request.user
    if user.home_municipality_id is None:
        messages.info(request, _("Wähle zuerst deine Heimatgemeinde."))
        return redirect("accounts:settings")
    filters = FeedFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    try:
        page = feed_for_user(
            user=user,
            kind=values.get("kind") or None,
            category=values.get("category") or None,
            only_home=values.get("only_home", False),
            query=values.get("q", ""),
            cursor=values.get("cursor") or None,
        )
    except ValidationError as exc:
        # Only the hidden cursor can be wrong here: show its error above the form, where it
        # is seen, not on a field nobody can see.
        filters.add_error(None, exc.messages)
        page = None
    context = {
        "filters": filters,
        "page": page,
        "thanked": thanked_ids(user=user, posts=page.posts) if page else set(),
        "next_query": _next_query(request, page.next_cursor) if page and page.next_cursor else "",
    }
    if is_htmx(request) and values.get("cursor"):
        return render(request, "posts/_feed_page.html", context, status=200 if page else 400)
    readable = readable_municipalities(user=user)
    context.update(
        {
            "municipality": user.home_municipality,
            "neighbours": readable[1:],
            "editor_of": editor_municipalities(user),
            "can_write": can_write(user),
        }
    )
    return render(request, "posts/feed.html", context, status=200 if page else 400)


def _next_query(request, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return query.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request):
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in Post.Kind.values else ""
    form = PostForm(request.POST or None, request.FILES or None, initial={"kind": initial_kind})
    if not can_write(request.user):
        messages.info(request, _("Bitte wähle zuerst deine Heimatgemeinde."))
        return redirect("accounts:settings")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.post_create(
                author=request.user,
                kind=data["kind"],
                category=data["category"],
                title=data["title"],
                body=data["body"],
                scope=data["scope"],
                expiry_days=data["expiry_days"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            suggest_push(request)
            messages.success(request, _("Dein Beitrag ist veröffentlicht."))
            return redirect("posts:detail", pk=post.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "posts/post_form.html", {"form": form}, status=status)


def _detail_context(request, post: Post, comment_form=None) -> dict:
    user = request.user
    comments = comments_for_post(post=post)
    thanked = thanked_ids(user=user, posts=[post], comments=comments)
    for comment in comments:
        comment.is_thanked = ("comment", comment.pk) in thanked
    return {
        "post": post,
        "comments": comments,
        "post_thanked": ("post", post.pk) in thanked,
        "is_expired": bool(
            post.archived_at or (post.expires_at and post.expires_at <= timezone.now())
        ),
        "comment_form": comment_form or CommentForm(),
        "can_edit": can_edit_post(user, post),
        "can_comment": can_comment(user, post),
        "can_thank": can_write(user),
        "deletable_comments": {c.pk for c in comments if can_delete_comment(user, c)},
        "statuses": Post.Status.choices,
        "expiry_choices": EXPIRY_CHOICES_DAYS,
        "post_muted": is_muted(user=user, target_type="post", target_id=post.pk),
    }


@login_required
def post_detail(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    return render(request, "posts/post_detail.html", _detail_context(request, post))


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    if not can_edit_post(request.user, post):
        raise PermissionDenied
    initial = {
        "category": post.category,
        "title": post.title,
        "body": post.body,
        "scope": post.scope,
    }
    form = PostEditForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["remove_photos"].choices = [(p.pk, p.pk) for p in post.photos.all()]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_update(
                actor=request.user,
                post=post,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                scope=data["scope"],
                add_photos=data["photos"],
                remove_photo_ids=data["remove_photos"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Deine Änderungen sind gespeichert."))
            return redirect("posts:detail", pk=post.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "posts/post_edit.html", {"form": form, "post": post}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    if not can_edit_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        services.post_delete(actor=request.user, post=post)
        messages.success(request, _("Dein Beitrag ist gelöscht."))
        return redirect("posts:feed")
    return render(request, "posts/post_confirm_delete.html", {"post": post})


@login_required
@require_POST
def post_status(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    try:
        services.post_set_status(
            actor=request.user, post=post, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Status geändert: %(status)s") % {"status": post.get_status_display()}
        )
    return redirect("posts:detail", pk=post.pk)


@login_required
@require_POST
def post_extend(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = 0
    try:
        services.post_extend(actor=request.user, post=post, days=days)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Dein Beitrag ist verlängert."))
    return redirect("posts:detail", pk=post.pk)


def _thanks_response(request, post: Post, url: str, thanked: bool, count: int):
    if is_htmx(request):
        context = {"thanks_url": url, "is_thanked": thanked, "count": count, "can_thank": True}
        return render(request, "posts/_thanks_button.html", context)
    return redirect(reverse("posts:detail", kwargs={"pk": post.pk}))


@login_required
@require_POST
def post_thanks(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    thanked, count = services.thanks_toggle(user=request.user, post=post)
    url = reverse("posts:thanks", kwargs={"pk": post.pk})
    return _thanks_response(request, post, url, thanked, count)


@login_required
@require_POST
def comment_create(request, pk: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(author=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            suggest_push(request)
            return redirect(reverse("posts:detail", kwargs={"pk": post.pk}) + "#comments")
    context = _detail_context(request, post, comment_form=form)
    return render(request, "posts/post_detail.html", context, status=400)


@login_required
@require_POST
def comment_delete(request, pk: int, comment_id: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    comment = comment_get(post=post, comment_id=comment_id)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Der Kommentar ist gelöscht."))
    return redirect(reverse("posts:detail", kwargs={"pk": post.pk}) + "#comments")


@login_required
@require_POST
def comment_thanks(request, pk: int, comment_id: int):
    post = post_get_for_user(user=request.user, post_id=pk)
    comment = comment_get(post=post, comment_id=comment_id)
    thanked, count = services.thanks_toggle(user=request.user, comment=comment)
    url = reverse("posts:comment_thanks", kwargs={"pk": post.pk, "comment_id": comment.pk})
    return _thanks_response(request, post, url, thanked, count)


@login_required
def photo(request, pk: int, photo_id: int, size: str):
    post = post_get_for_user(user=request.user, post_id=pk)
    return photo_response(post=post, photo_id=photo_id, size=size)


@login_required
def author_posts(request, user_id: int):
    author = profile_get(viewer=request.user, user_id=user_id)
    posts = posts_by_author(viewer=request.user, author=author)
    return render(
        request,
        "posts/author_posts.html",
        {"author": author, "posts": posts, "thanked": thanked_ids(user=request.user, posts=posts)},
    )
