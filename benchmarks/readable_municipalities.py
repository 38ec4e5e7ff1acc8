"""Which municipalities does a user read? Measured with 11,000 municipalities (about as many
as Germany has) on PostgreSQL, side by side with a bare primary-key lookup in the same run.

    make bench    (or: python benchmarks/readable_municipalities.py)

BENCH_DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/dorffunk_bench; that
database is created if missing and its municipalities replaced.
Target: under 5 ms per call at the largest radius (30 km)."""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import SHARED_DATABASE_URL, ensure_database  # noqa: E402

# Its own database, never DATABASE_URL: loading replaces every municipality.
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", SHARED_DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dorffunk.settings")

MUNICIPALITIES = 11_000
CALLS = 2_000
TARGET_MS = 5.0
# Germany's bounding box.
LAT_RANGE = (47.27, 55.06)
LON_RANGE = (5.87, 15.04)


def load(Municipality) -> list[int]:
    from django.db import connection

    rng = random.Random(11)
    Municipality.objects.all().delete()
    Municipality.objects.bulk_create(
        [
            Municipality(
                name=f"Gemeinde {n}",
                slug=f"gemeinde-{n}",
                official_key=f"{n:08d}",
                latitude=rng.uniform(*LAT_RANGE),
                longitude=rng.uniform(*LON_RANGE),
            )
            for n in range(1, MUNICIPALITIES + 1)
        ],
        batch_size=2_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE places_municipality")
    return list(Municipality.objects.values_list("pk", flat=True))


def per_call_ms(fn, args_list) -> list[float]:
    timings = []
    for args in args_list:
        start = time.perf_counter()
        fn(*args)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> int:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts.models import User
    from apps.places.models import Municipality
    from apps.places.selectors import readable_municipality_ids

    ids = load(Municipality)
    rng = random.Random(5)
    homes = list(Municipality.objects.in_bulk(rng.sample(ids, 200)).values())
    users = [User(home_municipality=home, reading_radius_km=30) for home in homes]
    picks = [(rng.choice(users),) for _ in range(CALLS)]
    pk_picks = [(rng.choice(ids),) for _ in range(CALLS)]

    def reference(pk):
        # The bare reference: one indexed row fetched through the same ORM and connection.
        return Municipality.objects.filter(pk=pk).values_list("latitude", "longitude").first()

    def selector(user):
        return readable_municipality_ids(user=user)

    # Warm both paths, then interleave rounds so drift hits both alike.
    per_call_ms(reference, pk_picks[:100])
    per_call_ms(selector, picks[:100])
    ref_times, sel_times = [], []
    for start in range(0, CALLS, 250):
        ref_times += per_call_ms(reference, pk_picks[start : start + 250])
        sel_times += per_call_ms(selector, picks[start : start + 250])

    found = [len(selector(user)) for user in users[:50]]
    ref_median, sel_median = statistics.median(ref_times), statistics.median(sel_times)
    sel_p95 = statistics.quantiles(sel_times, n=20)[18]
    print(f"municipalities: {MUNICIPALITIES}, calls: {CALLS}, radius: 30 km")
    print(f"municipalities read per user (median): {statistics.median(found)}")
    print(f"reference pk lookup: median {ref_median:.3f} ms")
    print(f"readable_municipality_ids: median {sel_median:.3f} ms, p95 {sel_p95:.3f} ms")
    print(f"ratio selector / reference (median): {sel_median / ref_median:.2f}")
    ok = sel_p95 < TARGET_MS
    print(f"target p95 < {TARGET_MS} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
