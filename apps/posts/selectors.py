"""Reads of the feed. Pages are cut by a keyset cursor, never by OFFSET, and cost the same
few queries whatever their size."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import FloatField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.cursors import cursor_id, cursor_time, decode_cursor, encode_cursor
from apps.core.text import clean_line

from .models import Comment, Post, PostPhoto, Thanks
from .permissions import can_read_post, visible_posts

PAGE_SIZE = 20
PAGE_SIZE_MAX = 50
QUERY_MAX = 100


@dataclass
class FeedPage:
    posts: list[Post]
    next_cursor: str | None


def in_feed(qs: QuerySet[Post], now: dt.datetime | None = None) -> QuerySet[Post]:
    """Done, expired and archived posts leave the feed (they stay reachable by link)."""
    now = now or timezone.now()
    return (
        qs.filter(archived_at__isnull=True)
        .exclude(status=Post.Status.DONE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def with_card_data(qs: QuerySet[Post]) -> QuerySet[Post]:
    """What a feed card shows: author, village and photos, in two queries for any page."""
    return qs.select_related("author", "municipality").prefetch_related(
        Prefetch("photos", queryset=PostPhoto.objects.order_by("position", "id"))
    )


def _search(qs: QuerySet[Post], query: str) -> tuple[QuerySet[Post], bool]:
    """Full-text search with the German configuration and ranking on PostgreSQL; a simple
    word match elsewhere. Returns the queryset and whether it carries a rank."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A", config="german") + SearchVector(
            "body", weight="B", config="german"
        )
        search = SearchQuery(query, search_type="websearch", config="german")
        # ts_rank is a float4; as float8 it survives the trip through the cursor exactly,
        # so posts of equal rank are neither skipped nor repeated on the next page.
        rank = Cast(SearchRank(vector, search), FloatField())
        return qs.annotate(rank=rank).filter(rank__gt=0), True
    for word in query.split()[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return qs, False


def _feed_queryset(
    *,
    user,
    kind: str | None,
    category: str | None,
    municipality_slug: str | None,
    only_home: bool,
    query: str,
    cursor: str | None,
) -> tuple[QuerySet[Post], bool]:
    """The feed's posts in page order, after the cursor. Returns the queryset and whether it
    is ordered by search rank."""
    qs = in_feed(visible_posts(user))
    if kind:
        if kind not in Post.Kind.values:
            raise ValidationError({"kind": _("Unbekannte Art.")})
        qs = qs.filter(kind=kind)
    if category:
        if category not in Post.Category.values:
            raise ValidationError({"category": _("Unbekannte Kategorie.")})
        qs = qs.filter(category=category)
    if only_home:
        qs = qs.filter(municipality_id=user.home_municipality_id)
    if municipality_slug:
        qs = qs.filter(municipality__slug=municipality_slug)
    query = clean_line(query)[:QUERY_MAX]
    ranked = False
    if query:
        qs, ranked = _search(qs, query)
    if ranked:
        qs = qs.order_by("-rank", "-created_at", "-id")
        if cursor:
            rank, created, pk = decode_cursor(cursor, 3)
            if not isinstance(rank, int | float) or isinstance(rank, bool):
                raise ValidationError({"cursor": _("Ungültiger Cursor.")})
            created, pk = cursor_time(created), cursor_id(pk)
            qs = qs.filter(
                Q(rank__lt=rank)
                | Q(rank=rank, created_at__lt=created)
                | Q(rank=rank, created_at=created, id__lt=pk)
            )
    else:
        qs = qs.order_by("-created_at", "-id")
        if cursor:
            created, pk = decode_cursor(cursor, 2)
            created, pk = cursor_time(created), cursor_id(pk)
            # The redundant upper bound lets PostgreSQL start the index scan at the cursor;
            # the OR alone is only a filter, read from the newest post down (~500x slower
            # a million posts deep).
            qs = qs.filter(created_at__lte=created).filter(
                Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
            )
    return qs, ranked


def _next_cursor(rank, created_at: dt.datetime, pk: int, *, ranked: bool) -> str:
    values = [created_at.isoformat(), pk]
    return encode_cursor([rank, *values] if ranked else values)


def feed_for_user(
    *,
    user,
    kind: str | None = None,
    category: str | None = None,
    municipality_slug: str | None = None,
    only_home: bool = False,
    query: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> FeedPage:
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    qs, ranked = _feed_queryset(
        user=user,
        kind=kind,
        category=category,
        municipality_slug=municipality_slug,
        only_home=only_home,
        query=query,
        cursor=cursor,
    )
    posts = list(with_card_data(qs)[: limit + 1])
    next_cursor = None
    if len(posts) > limit:
        posts = posts[:limit]
        last = posts[-1]
        next_cursor = _next_cursor(
            getattr(last, "rank", None), last.created_at, last.pk, ranked=ranked
        )
    return FeedPage(posts=posts, next_cursor=next_cursor)


FEED_ROW_FIELDS = (
    "id",
    "kind",
    "category",
    "status",
    "scope",
    "title",
    "body",
    "created_at",
    "edited_at",
    "expires_at",
    "archived_at",
    "comment_count",
    "thanks_count",
    "author_id",
    "author__first_name",
    "author__last_name",
    "municipality_id",
    "municipality__slug",
    "municipality__name",
)


@dataclass
class FeedRows:
    """A feed page as plain rows (FEED_ROW_FIELDS, plus "photos": a list of dicts with id,
    width and height in order), for the API, where building model instances costs more than
    the queries."""

    rows: list[dict]
    next_cursor: str | None


def feed_rows_for_user(
    *,
    user,
    kind: str | None = None,
    category: str | None = None,
    municipality_slug: str | None = None,
    only_home: bool = False,
    query: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> FeedRows:
    """The same page as feed_for_user, in two queries."""
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    qs, ranked = _feed_queryset(
        user=user,
        kind=kind,
        category=category,
        municipality_slug=municipality_slug,
        only_home=only_home,
        query=query,
        cursor=cursor,
    )
    fields = (*FEED_ROW_FIELDS, "rank") if ranked else FEED_ROW_FIELDS
    rows = list(qs.values(*fields)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(last.get("rank"), last["created_at"], last["id"], ranked=ranked)
    photos: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    if photos:
        for photo in (
            PostPhoto.objects.filter(post_id__in=photos)
            .order_by("position", "id")
            .values("post_id", "id", "width", "height")
        ):
            photos[photo.pop("post_id")].append(photo)
    for row in rows:
        row["photos"] = photos[row["id"]]
    return FeedRows(rows=rows, next_cursor=next_cursor)


def post_get_for_user(*, user, post_id: int) -> Post:
    """A post the user may read; a hidden post answers like a missing one."""
    post = (
        Post.objects.select_related("author", "municipality")
        .prefetch_related(Prefetch("photos", queryset=PostPhoto.objects.order_by("position", "id")))
        .filter(pk=post_id)
        .first()
    )
    if post is None or not can_read_post(user, post):
        raise Http404
    return post


def comments_for_post(*, post: Post) -> list[Comment]:
    """The post's comments, oldest first. The caller has checked that the post is readable."""
    return list(post.comments.select_related("author").order_by("created_at", "id"))


def comment_get(*, post: Post, comment_id: int) -> Comment:
    """A comment under a post the caller has already found readable."""
    comment = post.comments.select_related("author", "post").filter(pk=comment_id).first()
    if comment is None:
        raise Http404
    return comment


def posts_by_author(*, viewer, author, limit: int = 50) -> list[Post]:
    """An author's posts the viewer may read, done and expired ones included."""
    qs = visible_posts(viewer).filter(author=author).order_by("-created_at", "-id")
    return list(with_card_data(qs)[:limit])


def thanked_ids(
    *, user, posts: list[Post] = (), comments: list[Comment] = (), post_ids: list[int] = ()
) -> set[tuple]:
    """Which of these the user has thanked, as ("post", id) and ("comment", id), in one query.
    Posts may be given as instances or as ids."""
    post_ids = [p.pk for p in posts] + list(post_ids)
    comment_ids = [c.pk for c in comments]
    if not user.is_authenticated or not (post_ids or comment_ids):
        return set()
    rows = (
        Thanks.objects.filter(user=user)
        .filter(Q(post_id__in=post_ids) | Q(comment_id__in=comment_ids))
        .values_list("post_id", "comment_id")
    )
    return {("post", p) if p else ("comment", c) for p, c in rows}
