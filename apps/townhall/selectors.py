"""Reads of town-hall news: pages cut by a keyset cursor (never OFFSET), the block on top of
the feed, the notice board and the syndication feeds. Each costs a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from apps.core.cursors import decode_time_cursor, encode_time_cursor
from apps.core.ids import parse_id
from apps.events.selectors import upcoming_public_events
from apps.places.models import Municipality
from apps.places.selectors import readable_municipality_ids

from .models import News, NewsPhoto
from .permissions import can_manage_news, can_read_news, visible_news

PAGE_SIZE = 20
PAGE_SIZE_MAX = 50
FEED_LATEST = 3
BOARD_NEWS = 10
BOARD_EVENTS = 10
SYNDICATION_ITEMS = 30


def with_photos(qs: QuerySet[News]) -> QuerySet[News]:
    return qs.select_related("municipality").prefetch_related(
        Prefetch("photos", queryset=NewsPhoto.objects.order_by("position", "id"))
    )


def current_urgent(qs: QuerySet[News], now: dt.datetime) -> QuerySet[News]:
    return qs.filter(urgent=True, urgent_until__gt=now)


def _pinned_first(qs: QuerySet[News], now: dt.datetime) -> QuerySet[News]:
    pinned = Case(When(pinned_until__gt=now, then=Value(1)), default=Value(0))
    return qs.annotate(pinned=pinned).order_by("-pinned", "-publish_at", "-id")


def news_get_for_user(*, user, news_id, municipality: Municipality | None = None) -> News:
    """News the user may read (of that municipality, if given); hidden news answers like
    missing news."""
    qs = with_photos(News.objects.filter(pk=parse_id(news_id)))
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    news = qs.first()
    if news is None or not can_read_news(user, news):
        raise Http404
    return news


# --- Pages --------------------------------------------------------------------------------


@dataclass
class NewsPage:
    news: list[News]
    next_cursor: str | None


def news_page(
    *,
    user,
    municipality: Municipality | None = None,
    urgent: bool | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    without_pinned: bool = False,
    now: dt.datetime | None = None,
) -> NewsPage:
    """News the user may read, newest first; editors also see their scheduled news. With
    without_pinned, news pinned now is left out (pages that list it on top by itself)."""
    now = now or timezone.now()
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    qs = visible_news(user, now=now)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if urgent is not None:
        qs = qs.filter(urgent=urgent)
    if without_pinned:
        qs = qs.exclude(pinned_until__gt=now)
    qs = qs.order_by("-publish_at", "-id")
    if cursor:
        when, pk = decode_time_cursor(cursor)
        qs = qs.filter(publish_at__lte=when).filter(
            Q(publish_at__lt=when) | Q(publish_at=when, id__lt=pk)
        )
    news = list(with_photos(qs)[: limit + 1])
    next_cursor = None
    if len(news) > limit:
        news = news[:limit]
        next_cursor = encode_time_cursor(news[-1].publish_at, news[-1].pk)
    return NewsPage(news=news, next_cursor=next_cursor)


def pinned_news(*, user, municipality: Municipality, now: dt.datetime | None = None) -> list:
    now = now or timezone.now()
    qs = visible_news(user, now=now).filter(municipality=municipality, pinned_until__gt=now)
    return list(with_photos(qs.order_by("-publish_at", "-id"))[:PAGE_SIZE_MAX])


def managed_municipality(*, user, slug: str) -> Municipality:
    """A municipality whose news the user manages; not allowed answers like not there."""
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None or not can_manage_news(user, municipality):
        raise Http404
    return municipality


def news_to_manage(*, municipality: Municipality, limit: int = 200) -> list[News]:
    """Everything of one municipality, scheduled news first, for its town hall."""
    return list(
        News.objects.filter(municipality=municipality)
        .select_related("author")
        .order_by("-publish_at", "-id")[:limit]
    )


# --- The block on top of the feed ---------------------------------------------------------


@dataclass
class FeedBlock:
    urgent: list[News] = field(default_factory=list)
    latest: list[News] = field(default_factory=list)
    home: Municipality | None = None


def feed_block(*, user, now: dt.datetime | None = None) -> FeedBlock:
    """Current urgent warnings and the newest news of the municipalities the user reads:
    two queries after the reader's scope, however much news there is."""
    now = now or timezone.now()
    readable = readable_municipality_ids(user=user) if user.is_authenticated else []
    if not readable:
        return FeedBlock()
    qs = visible_news(user, now=now).filter(municipality_id__in=readable)
    urgent = list(
        current_urgent(qs, now).select_related("municipality").order_by("-publish_at", "-id")
    )
    latest = list(
        _pinned_first(
            qs.exclude(pk__in=[news.pk for news in urgent]).select_related("municipality"), now
        )[:FEED_LATEST]
    )
    return FeedBlock(urgent=urgent, latest=latest, home=user.home_municipality)


# --- The notice board and the syndication feeds: public news only -------------------------


@dataclass
class BoardEvent:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    all_day: bool
    place_name: str


@dataclass
class Board:
    urgent: list[News]
    news: list[News]
    events: list[BoardEvent]

    @property
    def empty(self) -> bool:
        return not (self.urgent or self.news or self.events)


def board_events(*, municipality: Municipality) -> list[BoardEvent]:
    """Upcoming public events of the municipality. Only what a board may show is copied: no
    organiser, no attendees."""
    return [
        BoardEvent(
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            all_day=bool(event.all_day),
            place_name=event.place_name or "",
        )
        for event in upcoming_public_events(municipality=municipality, limit=BOARD_EVENTS)
    ]


def public_news(municipality: Municipality, now: dt.datetime) -> QuerySet[News]:
    return News.objects.filter(municipality=municipality, public=True, publish_at__lte=now)


def board_content(*, municipality: Municipality, now: dt.datetime | None = None) -> Board:
    now = now or timezone.now()
    qs = public_news(municipality, now)
    urgent = list(current_urgent(qs, now).order_by("-publish_at", "-id"))
    news = list(
        _pinned_first(
            qs.exclude(pk__in=[n.pk for n in urgent]).prefetch_related(
                Prefetch("photos", queryset=NewsPhoto.objects.order_by("position", "id"))
            ),
            now,
        )[:BOARD_NEWS]
    )
    return Board(urgent=urgent, news=news, events=board_events(municipality=municipality))


def syndication_items(*, municipality: Municipality, now: dt.datetime | None = None) -> list:
    qs = public_news(municipality, now or timezone.now()).select_related("municipality")
    return list(qs.order_by("-publish_at", "-id")[:SYNDICATION_ITEMS])
