"""Town-hall pages: the public news page and its detail pages, the files of news, the
editors' pages and the notice board. Thin skins over apps.townhall.services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.forms import add_service_errors
from apps.places.permissions import editor_municipalities
from apps.places.selectors import municipality_get

from . import services
from .files import attachment_response, photo_response, request_too_large, upload_limit_message
from .forms import NewsEditForm, NewsForm
from .models import News
from .permissions import can_manage_news
from .selectors import (
    board_content,
    managed_municipality,
    news_get_for_user,
    news_page,
    news_to_manage,
    parse_id,
    pinned_news,
)

BOARD_SECONDS_DEFAULT, BOARD_SECONDS_MIN, BOARD_SECONDS_MAX = 15, 5, 120


# --- Public pages -------------------------------------------------------------------------


def news_list(request, slug: str):
    municipality = municipality_get(slug=slug)
    cursor = request.GET.get("cursor", "")[:500] or None
    error = None
    try:
        page = news_page(
            user=request.user, municipality=municipality, cursor=cursor, without_pinned=True
        )
    except ValidationError as exc:
        page, error = None, " ".join(exc.messages)
    context = {
        "municipality": municipality,
        "pinned": [] if cursor else pinned_news(user=request.user, municipality=municipality),
        "page": page,
        "error": error,
        "can_manage": can_manage_news(request.user, municipality),
        "now": timezone.now(),
    }
    return render(request, "townhall/news_list.html", context, status=400 if error else 200)


def news_detail(request, slug: str, pk: int):
    municipality = municipality_get(slug=slug)
    news = news_get_for_user(user=request.user, news_id=pk, municipality=municipality)
    context = {
        "municipality": municipality,
        "news": news,
        "can_manage": can_manage_news(request.user, municipality),
        "now": timezone.now(),
    }
    return render(request, "townhall/news_detail.html", context)


def news_photo(request, slug: str, pk: int, photo_id: int, size: str):
    municipality = municipality_get(slug=slug)
    news = news_get_for_user(user=request.user, news_id=pk, municipality=municipality)
    return photo_response(news=news, photo_id=parse_id(photo_id), size=size)


def news_attachment(request, slug: str, pk: int):
    municipality = municipality_get(slug=slug)
    news = news_get_for_user(user=request.user, news_id=pk, municipality=municipality)
    return attachment_response(news=news)


# --- The notice board ---------------------------------------------------------------------


def _board_context(request, slug: str) -> dict:
    municipality = municipality_get(slug=slug)
    try:
        seconds = min(
            max(int(request.GET.get("sekunden", "")), BOARD_SECONDS_MIN), BOARD_SECONDS_MAX
        )
    except ValueError:
        seconds = BOARD_SECONDS_DEFAULT
    return {
        "municipality": municipality,
        "board": board_content(municipality=municipality),
        "seconds": seconds,
        "now": timezone.now(),
    }


def board(request, slug: str):
    """Full screen for a display in the town hall or a shop window: public notices only,
    without names, for anyone."""
    return render(request, "townhall/board.html", _board_context(request, slug))


def board_slides(request, slug: str):
    """The board's slides alone, fetched again by static/js/board.js when they change."""
    response = render(request, "townhall/_board_slides.html", _board_context(request, slug))
    response["Cache-Control"] = "no-cache"
    return response


# --- The town hall's pages ----------------------------------------------------------------


@login_required
def home(request):
    places = editor_municipalities(request.user)
    if not places:
        raise PermissionDenied
    if len(places) == 1:
        return redirect("townhall:manage", slug=places[0].slug)
    return render(request, "townhall/home.html", {"places": places})


@login_required
def manage(request, slug: str):
    municipality = managed_municipality(user=request.user, slug=slug)
    return render(
        request,
        "townhall/manage.html",
        {
            "municipality": municipality,
            "items": news_to_manage(municipality=municipality),
            "now": timezone.now(),
        },
    )


def _too_large(request, form_class, template: str, context: dict):
    """Refuse an oversized upload by its declared length, before the form reads it."""
    context = {**context, "form": form_class(), "upload_error": upload_limit_message()}
    return render(request, template, context, status=400)


def _service_values(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "body": data["body"],
        "public": data["public"],
        "urgent": data["urgent"],
        "urgent_until": data["urgent_until"],
        "pinned_until": form.end_of_pinned_day(),
        "publish_at": data.get("publish_at"),
        "attachment": data["attachment"] or None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def create(request, slug: str):
    municipality = managed_municipality(user=request.user, slug=slug)
    context = {"municipality": municipality}
    if request.method == "POST" and request_too_large(request):
        return _too_large(request, NewsForm, "townhall/news_form.html", context)
    form = NewsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            news = services.news_create(
                actor=request.user,
                municipality=municipality,
                photos=form.cleaned_data["photos"],
                **_service_values(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if news.publish_at > timezone.now():
                messages.success(request, _("Die Meldung ist geplant."))
            else:
                messages.success(request, _("Die Meldung ist veröffentlicht."))
            return redirect("townhall:news_detail", slug=municipality.slug, pk=news.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "townhall/news_form.html", {**context, "form": form}, status=status)


def _managed_news(request, slug: str, pk: int) -> News:
    municipality = managed_municipality(user=request.user, slug=slug)
    news = News.objects.filter(pk=parse_id(pk), municipality=municipality).first()
    if news is None:
        raise Http404
    return news


def _edit_initial(news: News) -> dict:
    local = timezone.localtime
    return {
        "title": news.title,
        "body": news.body,
        "public": news.public,
        "urgent": news.urgent,
        "urgent_until": local(news.urgent_until) if news.urgent_until else None,
        "pinned_until": local(news.pinned_until).date() if news.pinned_until else None,
        "publish_at": local(news.publish_at) if news.publish_at > timezone.now() else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug: str, pk: int):
    news = _managed_news(request, slug, pk)
    context = {"municipality": news.municipality, "news": news, "now": timezone.now()}
    if request.method == "POST" and request_too_large(request):
        return _too_large(request, NewsEditForm, "townhall/news_edit.html", context)
    form = NewsEditForm(request.POST or None, request.FILES or None, initial=_edit_initial(news))
    form.fields["remove_photos"].choices = [(p.pk, p.pk) for p in news.photos.all()]
    if news.publish_at <= timezone.now():
        # Published news keeps its time; only scheduled news can be moved.
        del form.fields["publish_at"]
    if request.method == "POST" and form.is_valid():
        try:
            services.news_update(
                actor=request.user,
                news=news,
                add_photos=form.cleaned_data["photos"],
                remove_photo_ids=form.cleaned_data["remove_photos"],
                remove_attachment=form.cleaned_data["remove_attachment"],
                **_service_values(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("townhall:news_detail", slug=news.municipality.slug, pk=news.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "townhall/news_edit.html", {**context, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, slug: str, pk: int):
    news = _managed_news(request, slug, pk)
    if request.method == "POST":
        services.news_delete(actor=request.user, news=news)
        messages.success(request, _("Die Meldung ist gelöscht."))
        return redirect("townhall:manage", slug=news.municipality.slug)
    return render(request, "townhall/news_confirm_delete.html", {"news": news})
