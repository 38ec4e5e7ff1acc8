"""The bare reference of benchmarks/feed_api.py: one plain Django view that answers the feed
page with the same SQL the project runs, read through .values() and written with orjson.

    uvicorn benchmarks.feed_reference_app:application

It reuses dorffunk.settings (same database, middleware, pool) with ROOT_URLCONF pointing here,
so the two servers differ only in what happens between the URL and the bytes: no DRF, no
serializers, no model instances, no HTML rendering of the body, no photo URLs.

Per request it runs the queries the project's feed page runs, in the same shapes:
1. the token and its user (as DRF's TokenAuthentication: Token join User),
2. the home municipality, 3. the municipalities in the reading radius (the places selector),
4. the municipalities the user moderates,
5. the page: posts of those municipalities visible to the user and still in the feed, newest
   first, keyset cursor, with author name and village name joined in. One difference on
   purpose: the cursor condition also says created_at <= the cursor's time. It selects the
   same rows, but PostgreSQL can start an index scan there instead of filtering every newer
   post, so the reference shows what a deep page costs when the SQL is right (a reference
   that copied a slow shape would hide it in the project/reference ratio),
6. the photos of the page's posts (first one per post kept), 7. the user's thanks on them.
"""

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    from dorffunk import settings as project_settings

    settings.configure(
        **{
            name: getattr(project_settings, name)
            for name in dir(project_settings)
            if name.isupper()
        }
        | {"ROOT_URLCONF": __name__}
    )

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()

from base64 import urlsafe_b64decode, urlsafe_b64encode  # noqa: E402

from django.db.models import Q  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from apps.places.models import MunicipalityRole  # noqa: E402
from apps.places.selectors import readable_municipality_ids  # noqa: E402
from apps.posts.models import Post, PostPhoto, Thanks  # noqa: E402

PAGE_SIZE_MAX = 50
FIELDS = (
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
    "comment_count",
    "thanks_count",
    "author_id",
    "author__first_name",
    "author__last_name",
    "municipality_id",
    "municipality__slug",
    "municipality__name",
)


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type="application/json", status=status)


def _user(request):
    header = request.headers.get("Authorization", "")
    kind, _, key = header.partition(" ")
    if kind != "Token" or not key:
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def _cursor(raw: str):
    padded = raw + "=" * (-len(raw) % 4)
    created, pk = orjson.loads(urlsafe_b64decode(padded))
    return dt.datetime.fromisoformat(created), int(pk)


def feed(request):
    user = _user(request)
    if user is None:
        return _json({"detail": "Authentication credentials were not provided."}, 401)
    try:
        limit = max(1, min(int(request.GET.get("limit", 20)), PAGE_SIZE_MAX))
        cursor = _cursor(request.GET["cursor"]) if request.GET.get("cursor") else None
    except (ValueError, TypeError):
        return _json({"detail": "Bad limit or cursor."}, 400)

    readable = readable_municipality_ids(user=user)
    moderated = list(
        MunicipalityRole.objects.filter(user=user).values_list("municipality_id", flat=True)
    )
    visible = Q(municipality_id__in=readable, scope="nearby") | Q(author_id=user.pk)
    if user.home_municipality_id is not None:
        visible |= Q(municipality_id=user.home_municipality_id)
    if moderated:
        visible |= Q(municipality_id__in=moderated)
    qs = (
        Post.objects.filter(visible)
        .filter(archived_at__isnull=True)
        .exclude(status="done")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .order_by("-created_at", "-id")
    )
    if cursor:
        created, pk = cursor
        # The keyset condition, plus the same bound as a plain range the created_at index can
        # start from (see the module docstring).
        qs = qs.filter(created_at__lte=created).filter(
            Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
        )
    rows = list(qs.values(*FIELDS)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = [rows[-1]["created_at"].isoformat(), rows[-1]["id"]]
        next_cursor = urlsafe_b64encode(orjson.dumps(last)).decode().rstrip("=")

    ids = [row["id"] for row in rows]
    first_photo: dict[int, int] = {}
    photos = PostPhoto.objects.filter(post_id__in=ids).order_by("position", "id")
    for post_id, photo_id in photos.values_list("post_id", "id"):
        first_photo.setdefault(post_id, photo_id)
    thanked = set(
        Thanks.objects.filter(user=user, post_id__in=ids).values_list("post_id", flat=True)
    )

    results = []
    for row in rows:
        first, last_name = row["author__first_name"].strip(), row["author__last_name"].strip()
        results.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "category": row["category"],
                "status": row["status"],
                "scope": row["scope"],
                "title": row["title"],
                "body": row["body"],
                "author": {
                    "id": row["author_id"],
                    "name": f"{first} {last_name[:1]}." if last_name else first,
                },
                "municipality": {
                    "id": row["municipality_id"],
                    "slug": row["municipality__slug"],
                    "name": row["municipality__name"],
                },
                "first_photo_id": first_photo.get(row["id"]),
                "created_at": row["created_at"],
                "edited_at": row["edited_at"],
                "expires_at": row["expires_at"],
                "comment_count": row["comment_count"],
                "thanks_count": row["thanks_count"],
                "thanked": row["id"] in thanked,
            }
        )
    return _json({"results": results, "next_cursor": next_cursor})


urlpatterns = [path("feed/", feed)]
