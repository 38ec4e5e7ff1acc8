"""Who may read and publish town-hall news. visible_news is the one scoping helper: every
view, API endpoint, feed and board asks it, and news one may not read looks like missing
news."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.places.models import Municipality, MunicipalityRole
from apps.places.permissions import is_editor
from apps.places.selectors import readable_municipality_ids

from .models import News


def _is_reader(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reader_scope(user) -> dict:
    """What decides visibility for one reader, computed once per request: the municipalities
    read (home and radius), those with a role (moderators read everything published there),
    and those edited (editors also see what is scheduled)."""
    cached = user.__dict__.get("_news_reader_scope")
    if cached is None:
        roles = list(
            MunicipalityRole.objects.filter(user=user).values_list("municipality_id", "kind")
        )
        cached = {
            "readable": readable_municipality_ids(user=user),
            "roles": sorted({pk for pk, _kind in roles}),
            "edited": sorted({pk for pk, kind in roles if kind == MunicipalityRole.Kind.EDITOR}),
        }
        user.__dict__["_news_reader_scope"] = cached
    return cached


def published(qs: QuerySet[News], now: dt.datetime | None = None) -> QuerySet[News]:
    return qs.filter(publish_at__lte=now or timezone.now())


def visible_news(user, *, now: dt.datetime | None = None) -> QuerySet[News]:
    """Published public news for everyone; published news of any kind in the municipalities
    a person reads or holds a role in; everything, scheduled news too, where they edit."""
    now = now or timezone.now()
    is_published = Q(publish_at__lte=now)
    if not _is_reader(user):
        return News.objects.filter(is_published, public=True)
    if user.is_staff:
        return News.objects.all()
    scope = reader_scope(user)
    condition = is_published & (
        Q(public=True) | Q(municipality_id__in=[*scope["readable"], *scope["roles"]])
    )
    if scope["edited"]:
        condition |= Q(municipality_id__in=scope["edited"])
    return News.objects.filter(condition)


def can_read_news(user, news: News, *, now: dt.datetime | None = None) -> bool:
    if can_manage_news(user, news.municipality):
        return True
    if news.publish_at > (now or timezone.now()):
        return False
    if news.public:
        return True
    if not _is_reader(user):
        return False
    scope = reader_scope(user)
    return news.municipality_id in (*scope["readable"], *scope["roles"])


def can_manage_news(user, municipality: Municipality) -> bool:
    """Only the town hall (editors) of that municipality publishes, changes and deletes."""
    return _is_reader(user) and is_editor(user, municipality)
