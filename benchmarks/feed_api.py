"""The feed API under concurrent load, side by side with a bare reference in the same run.

    make bench    (or: python benchmarks/feed_api.py [--reload] [--explain])

Fills PostgreSQL with 200 municipalities, 20,000 users and 1,000,000 posts (see
benchmarks/feed_data.py; skipped when the data is already there, --reload forces it), then
serves two ASGI apps with uvicorn on 127.0.0.1, both with the same workers and settings:

- the project (dorffunk.asgi, DEBUG off, DATABASE_URL = the bench database, no Redis),
- the reference (benchmarks/feed_reference_app.py): one plain Django view running the same
  SQL through .values() and orjson.

Both authenticate with the same API token header (2,000 users have one; every request is a
different user than the one before), so both pay a token lookup per request.

An asyncio client (aiohttp) sends a bounded number of requests with bounded concurrency to
each of: the first page (limit=50) and a deep page (cursor at the created_at/id of the
900,000th newest post of the table, i.e. about 90 % back through two years of posts; a single
user's feed of 21 of 200 municipalities never holds 900,000 posts, so "deep" is measured in
time, which is what a keyset cursor pays for). Runs alternate in rounds so drift hits both.

The database is BENCH_FEED_DATABASE_URL if set, else BENCH_DATABASE_URL's with "_feed" added
to its name (default postgres://postgres@127.0.0.1:5432/dorffunk_bench_feed): never
DATABASE_URL, and not the database readable_municipalities.py replaces. It is created if
missing and its tables replaced when loading.

Targets: project >= 0.7x the reference's requests/s, p99 <= 1.5x the reference's, deep page
p50 (and p99) <= 1.5x the first page's. Prints met or MISSED; exits 0 either way.

--explain prints the SQL the project runs for a first and a deep page (captured from
apps.posts.selectors.feed_rows_for_user, which the API's feed runs) with
EXPLAIN (ANALYZE, BUFFERS), then stops.
"""

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HOST, ChildProcess, bench_database_url, ensure_database, free_port  # noqa: E402

# Loading replaces every row of the feed's tables; readable_municipalities.py replaces the
# municipalities of BENCH_DATABASE_URL's own database, which this data holds on to.
BENCH_URL = bench_database_url("feed")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.pop("REDIS_URL", None)
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dorffunk.settings")

import feed_data  # noqa: E402

DEEP_POSITION = 900_000
PAGE = 50
# Two cores: the two apps never run at once (runs alternate), and one uvicorn worker per core
# is the most Python can use. One worker would leave a core to PostgreSQL and the client
# only; more than two would just contend for the same two cores.
WORKERS = 2
CONCURRENCY = 16
REQUESTS = 3_000  # per scenario, split over ROUNDS alternating runs
ROUNDS = 5
WARMUP = 300  # per scenario, not counted
RUN_TIME_CAP_S = 60.0  # per run (one scenario, one round)
WARMUP_TIME_CAP_S = 30.0
REQUEST_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 60.0
TARGET_RPS_RATIO = 0.7
TARGET_P99_RATIO = 1.5
TARGET_DEEP_RATIO = 1.5

PROJECT_PATH = f"/api/v1/posts/?limit={PAGE}"
REFERENCE_PATH = f"/feed/?limit={PAGE}"


# --- data -----------------------------------------------------------------------------------


def prepare(reload: bool) -> None:
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        loaded = feed_data.is_loaded(cursor.connection)
    if loaded and not reload:
        print("data already loaded (counts match); --reload forces a new load")
        return
    print("loading (one password hash for all users) ...")
    feed_data.load(BENCH_URL, make_password("bench-password-1"))


def encode_cursor(created, pk: int) -> str:
    # As apps/posts/selectors.py encodes it: base64url of JSON [created_at ISO, id], no padding.
    return (
        base64.urlsafe_b64encode(json.dumps([created.isoformat(), pk]).encode())
        .decode()
        .rstrip("=")
    )


def decode_cursor(cursor: str | None):
    if not cursor:
        return None
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def deep_cursor() -> tuple[str, object]:
    from apps.posts.models import Post

    created, pk = Post.objects.order_by("-created_at", "-id").values_list("created_at", "id")[
        DEEP_POSITION - 1
    ]
    return encode_cursor(created, pk), created


def interior_user(tokens: list[tuple[int, str]]) -> int:
    """A token user whose home lies two grid steps away from every edge: reads 21 places."""
    for user_id, _ in tokens:
        m = (user_id - 1) % feed_data.MUNICIPALITIES
        row, col = divmod(m, feed_data.GRID_COLUMNS)
        if 2 <= row < feed_data.GRID_ROWS - 2 and 2 <= col < feed_data.GRID_COLUMNS - 2:
            return user_id
    return tokens[0][0]


def describe_depth(user_id: int, cursor_time) -> str:
    from apps.accounts.models import User
    from apps.places.selectors import readable_municipality_ids
    from apps.posts.permissions import visible_posts
    from apps.posts.selectors import in_feed

    user = User.objects.select_related("home_municipality").get(pk=user_id)
    feed = in_feed(visible_posts(user))
    total = feed.count()
    newer = feed.filter(created_at__gte=cursor_time).count()
    reads = len(readable_municipality_ids(user=user))
    return (
        f"user {user_id} reads {reads} municipalities; {total} posts in their feed; "
        f"the deep cursor is at position {newer} of them"
    )


def explain(user_id: int, cursor: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.posts.selectors import feed_rows_for_user

    for label, page_cursor in (("first page", None), ("deep page", cursor)):
        user = User.objects.get(pk=user_id)
        with CaptureQueriesContext(connection) as captured:
            page = feed_rows_for_user(user=user, cursor=page_cursor, limit=PAGE)
        print(f"\n=== project, {label}: {len(captured)} queries, {len(page.rows)} posts")
        for query in captured:
            print(f"  {query['time']} s  {query['sql'][:140]}")
        sql = next(q["sql"] for q in captured if 'FROM "posts_post"' in q["sql"])
        print(f"\n--- the feed query ({label}):\n{sql}\n")
        with connection.cursor() as db:
            db.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in db.fetchall()))


# --- servers --------------------------------------------------------------------------------


class Server(ChildProcess):
    """One uvicorn process tree on 127.0.0.1."""

    def __init__(self, name: str, app: str, workers: int, logdir: Path):
        super().__init__(name, logdir)
        self.app, self.workers = app, workers
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=BENCH_URL,
            DEBUG="0",
            DJANGO_SETTINGS_MODULE="dorffunk.settings",
            SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
            LOG_LEVEL="WARNING",
        )
        env.pop("REDIS_URL", None)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--app-dir",
            str(ROOT),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, path: str, token: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        request = urllib.request.Request(
            self.base + path, headers={"Authorization": f"Token {token}"}
        )
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(request, timeout=10) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer 200 at {path}:\n{self.log_tail()}")


# --- load -----------------------------------------------------------------------------------


class Scenario:
    def __init__(self, label: str, server: Server, path: str, tokens: list[str]):
        self.label, self.server, self.path, self.tokens = label, server, path, tokens
        self.next_user = 0
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.errors = 0
        self.capped = 0  # runs cut short by the time cap
        self.statuses: dict[int, int] = {}

    def token(self) -> str:
        token = self.tokens[self.next_user % len(self.tokens)]
        self.next_user += 1
        return token


async def run(session, scenario: Scenario, count: int, record: bool = True) -> None:
    """count requests (fewer if the time cap is hit), CONCURRENCY at a time."""
    import aiohttp

    url = scenario.server.base + scenario.path
    deadline = time.monotonic() + (RUN_TIME_CAP_S if record else WARMUP_TIME_CAP_S)
    issued = 0
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal issued, errors
        while issued < count and time.monotonic() < deadline:
            issued += 1
            headers = {"Authorization": f"Token {scenario.token()}"}
            start = time.perf_counter()
            try:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            latencies.append(time.perf_counter() - start)
            if record:
                scenario.statuses[status] = scenario.statuses.get(status, 0) + 1
            if status != 200:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    if record:
        scenario.elapsed += time.perf_counter() - started
        scenario.latencies += latencies
        scenario.errors += errors
        scenario.capped += len(latencies) < count


async def fetch_json(session, base: str, path: str, token: str) -> dict:
    async with session.get(base + path, headers={"Authorization": f"Token {token}"}) as response:
        if response.status != 200:
            raise RuntimeError(f"{base}{path} answered {response.status}: {await response.text()}")
        return await response.json()


async def check_same_pages(session, project: Server, reference: Server, cursor, tokens) -> None:
    """Before timing anything: both apps return the same posts and the same next cursor."""
    with_photo = 0
    for token in tokens[:5]:
        for extra in ("", f"&cursor={cursor}"):
            mine = await fetch_json(session, project.base, PROJECT_PATH + extra, token)
            ref = await fetch_json(session, reference.base, REFERENCE_PATH + extra, token)
            mine_ids = [post["id"] for post in mine["results"]]
            ref_ids = [post["id"] for post in ref["results"]]
            if mine_ids != ref_ids or len(mine_ids) != PAGE:
                raise RuntimeError(f"pages differ or are short: {mine_ids[:5]} / {ref_ids[:5]}")
            if decode_cursor(mine["next_cursor"]) != decode_cursor(ref["next_cursor"]):
                raise RuntimeError("next cursors differ")
            first_photos = [p["photos"][0]["id"] if p["photos"] else None for p in mine["results"]]
            if first_photos != [p["first_photo_id"] for p in ref["results"]]:
                raise RuntimeError("first photos differ")
            with_photo += sum(1 for photo in first_photos if photo)
    print(
        f"check: project and reference return the same 50 posts, photos and next cursor "
        f"(5 users x first/deep page; {with_photo} of 500 cards with a photo)"
    )


async def measure(
    project: Server, reference: Server, cursor: str, tokens: list[str], requests: int
):
    import aiohttp

    rng = random.Random(7)
    order = tokens[:]
    rng.shuffle(order)
    deep = f"&cursor={cursor}"
    scenarios = [
        Scenario("project   first page", project, PROJECT_PATH, order),
        Scenario("reference first page", reference, REFERENCE_PATH, order),
        Scenario("project   deep page", project, PROJECT_PATH + deep, order),
        Scenario("reference deep page", reference, REFERENCE_PATH + deep, order),
    ]
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    sessions = {
        server.name: aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONCURRENCY), timeout=timeout
        )
        for server in (project, reference)
    }
    try:
        await check_same_pages(sessions[project.name], project, reference, cursor, order)
        for scenario in scenarios:
            await run(sessions[scenario.server.name], scenario, WARMUP, record=False)
        per_round = max(1, requests // ROUNDS)
        for number in range(ROUNDS):
            # Alternate which app goes first, so neither always follows the other.
            ordered = scenarios if number % 2 == 0 else [scenarios[i] for i in (1, 0, 3, 2)]
            for scenario in ordered:
                await run(sessions[scenario.server.name], scenario, per_round)
            print(f"  round {number + 1}/{ROUNDS} done")
    finally:
        for session in sessions.values():
            await session.close()
    return scenarios


# --- report ---------------------------------------------------------------------------------


def summary(scenario: Scenario) -> dict:
    ms = sorted(latency * 1000 for latency in scenario.latencies)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "requests": len(ms),
        "errors": scenario.errors,
        "rps": len(ms) / scenario.elapsed,
        "p50": cuts[49],
        "p99": cuts[98],
    }


def report(scenarios: list[Scenario]) -> None:
    rows = {scenario.label: summary(scenario) for scenario in scenarios}
    print()
    print(f"{'scenario':<24}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for label, row in rows.items():
        print(
            f"{label:<24}{row['requests']:>9}{row['errors']:>8}{row['rps']:>9.1f}"
            f"{row['p50']:>9.1f}{row['p99']:>9.1f}"
        )
    for scenario in scenarios:
        if scenario.errors:
            print(f"  {scenario.label}: statuses {scenario.statuses}")
        if scenario.capped:
            print(
                f"  {scenario.label}: {scenario.capped} of {ROUNDS} runs hit the "
                f"{RUN_TIME_CAP_S:.0f} s time cap (fewer requests than asked)"
            )
    pf, rf = rows["project   first page"], rows["reference first page"]
    pd, rd = rows["project   deep page"], rows["reference deep page"]
    checks = [
        ("project/reference req/s, first page", pf["rps"] / rf["rps"], ">=", TARGET_RPS_RATIO),
        ("project/reference req/s, deep page", pd["rps"] / rd["rps"], ">=", TARGET_RPS_RATIO),
        ("project/reference p99, first page", pf["p99"] / rf["p99"], "<=", TARGET_P99_RATIO),
        ("project/reference p99, deep page", pd["p99"] / rd["p99"], "<=", TARGET_P99_RATIO),
        ("project deep/first p50", pd["p50"] / pf["p50"], "<=", TARGET_DEEP_RATIO),
        ("project deep/first p99", pd["p99"] / pf["p99"], "<=", TARGET_DEEP_RATIO),
    ]
    print()
    print(f"{'ratio':<40}{'value':>7}   target   result")
    for label, value, op, target in checks:
        ok = value >= target if op == ">=" else value <= target
        print(f"{label:<40}{value:>7.2f}   {op} {target:<5}  {'met' if ok else 'MISSED'}")
    print(f"{'(context) reference deep/first p50':<40}{rd['p50'] / rf['p50']:>7.2f}")
    if any(scenario.errors for scenario in scenarios):
        print("MISSED: some requests failed (see statuses above)")


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reload", action="store_true", help="load the data even if present")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the feed SQL and stop")
    parser.add_argument("--workers", type=int, default=WORKERS, help="uvicorn workers per app")
    parser.add_argument(
        "--requests", type=int, default=REQUESTS, help="measured requests per scenario"
    )
    parser.add_argument(
        "--project-app",
        default="dorffunk.asgi:application",
        help="ASGI app to measure as the project (to try a candidate fix; on PYTHONPATH)",
    )
    args = parser.parse_args()

    prepare(args.reload)
    tokens = feed_data.sample_tokens(BENCH_URL)
    cursor, cursor_time = deep_cursor()
    sample_user = interior_user(tokens)
    print(f"deep cursor: the {DEEP_POSITION:,}th newest post, created {cursor_time:%Y-%m-%d}")
    print(describe_depth(sample_user, cursor_time))
    if args.explain:
        explain(sample_user, cursor)
        return 0
    from django.db import connections

    connections.close_all()

    keys = [key for _, key in tokens]
    print(
        f"servers: uvicorn, {args.workers} worker(s) each, DEBUG off, {HOST}; client: aiohttp, "
        f"{CONCURRENCY} connections, {args.requests} requests per scenario in {ROUNDS} rounds, "
        f"{WARMUP} warm-up, {len(keys)} users in turn; project app: {args.project_app}"
    )
    logdir = Path(tempfile.mkdtemp(prefix="dorffunk-bench-feed-"))
    project = Server("project", args.project_app, args.workers, logdir)
    reference = Server(
        "reference", "benchmarks.feed_reference_app:application", args.workers, logdir
    )

    def stop_on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        project.start()
        reference.start()
        project.wait_ready(PROJECT_PATH, keys[0])
        reference.wait_ready(REFERENCE_PATH, keys[0])
        scenarios = asyncio.run(measure(project, reference, cursor, keys, args.requests))
    finally:
        project.stop()
        reference.stop()
    report(scenarios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
