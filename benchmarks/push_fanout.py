"""An urgent warning to every phone of a village through the project's Celery workers, side
by side with a plain pywebpush loop in the same run (issue 6).

    python benchmarks/push_fanout.py [--quick] [--concurrency 2,3] [--rounds N] [--reload]
                                     [--cold] [--worker-app MODULE]

A local push service (tests/notifications/push_receiver.py with --verify sample --rule bench)
runs as a process of its own and answers both sides alike, by each subscription's number i:
i % 100 < 87 -> 201; 87..96 -> 410; 97, 98 -> 404; 99 -> 429 with Retry-After: 1 once, then
201. Every run gets fresh subscriptions (a token prefix of its own), so each subscription's
answers start from the first again; a run's figures are the receiver's counts after it minus
those before it (runs never overlap).

- project: one municipality with 10,000 residents (made once), each with one PushSubscription
  (made per run: 404/410 delete them). Its town-hall editor publishes an urgent warning through
  apps.townhall.services.news_create, as the editor's form does: its commit enqueues
  notify_residents_of_news, which Celery workers (prefork, --concurrency C, Redis broker) run:
  the in-app notifications in batches, and after each batch one planned delivery per device
  and push_batch tasks of PUSH_BATCH_SIZE; a 429 comes back as a later task. The clock starts
  before news_create and stops when the receiver has answered every expected 201 (8,700
  first tries + 100 retried) and the database holds none of the 1,200 subscriptions answered
  404/410. The
  workers are started (and answer a ping) before the clock and stopped after the run; before
  the clock they push a warning to a village of 750 in full (each worker process has run the
  push path once, as long-running production workers have; --cold skips it). Per run it
  prints when the rows of each step were written (notifications, planned deliveries, the
  first and last batch recorded), seconds after the clock started.
- reference: in this process, a plain loop over the 10,000 subscription dicts calling
  pywebpush.webpush() with one shared requests.Session (the VAPID key loaded once; webpush signs
  a JWT per call), collecting 404/410 (would delete) and 429 (sent again once the latest
  Retry-After has passed). Same payload (the project's JSON for such a warning), TTL, Urgency
  and Topic. No workers run meanwhile.

Runs alternate (reference first in odd rounds, last in even ones); medians per side are
compared, and with several --concurrency values each gets its runs and the best is compared.
Each run also shows the CPU seconds its parts used (from /proc): workers or this process,
the receiver, PostgreSQL, Redis, interrupts, and other processes on the machine; a run where
those others took a twentieth of the CPUs counts as disturbed, and the medians of the
undisturbed runs are printed as well. --worker-app runs the workers with another Celery app
(e.g. one that patches a candidate fix in), PYTHONPATH as given.

The database is BENCH_PUSH_DATABASE_URL if set, else BENCH_DATABASE_URL's with "_push" added
to its name (default postgres://postgres@127.0.0.1:5432/dorffunk_bench_push): never
DATABASE_URL. It is created if missing and migrated; --reload makes the residents anew.
Before each project run the notification tables are compacted (VACUUM FULL): every run
leaves tens of thousands of dead rows, and development servers may run without autovacuum.
Redis is BENCH_REDIS_URL (default redis://127.0.0.1:6379/0) with the prefix
dorffunk-bench-push; its keys under that prefix are dropped before each project run. VAPID keys
are made per run of the bench; PUSH_* settings come from the environment as the project reads
them. DEBUG is off, so static files are collected (into the temp dir's
dorffunk-bench-push-static, never var/): the payload names the icon by its hashed name.

Targets: every 201 delivered, every 404/410 subscription deleted, every 429 retried and
delivered, project pushes/s (201 answers per second) >= 1.0x the reference's. Prints met or
MISSED; exits 0 either way. --quick: 2,000 residents (a municipality of their own), one round.
"""

import argparse
import collections
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import ChildProcess, bench_database_url, ensure_database  # noqa: E402

from apps.notifications.vapid import new_key_pair  # noqa: E402

BENCH_URL = bench_database_url("push")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_PREFIX = "dorffunk-bench-push"
VAPID = new_key_pair()
VAPID_SUBJECT = "mailto:bench@example.org"
# This process publishes the warning (the enqueue goes to Redis) and the workers inherit it.
os.environ.update(
    DATABASE_URL=BENCH_URL,
    REDIS_URL=REDIS_URL,
    REDIS_PREFIX=REDIS_PREFIX,
    CELERY_TASK_ALWAYS_EAGER="0",
    DEBUG="0",
    DJANGO_SETTINGS_MODULE="dorffunk.settings",
    SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
    LOG_LEVEL="WARNING",
    VAPID_PRIVATE_KEY=VAPID.private,
    VAPID_PUBLIC_KEY=VAPID.public,
    VAPID_SUBJECT=VAPID_SUBJECT,
    # The loopback receiver is the push service here (devices are loaded, not subscribed).
    PUSH_ENDPOINT_HOSTS="127.0.0.1",
    # DEBUG off means hashed static names (the push payload names its icon): collected once
    # here, never into the project's var/.
    STATIC_ROOT=str(Path(tempfile.gettempdir()) / "dorffunk-bench-push-static"),
)

from tests.notifications.push_receiver import bench_rule  # noqa: E402

READY_TIMEOUT_S = 60.0
RUN_CAP_S = 300.0  # per run: a run not done by then counts as failed
SETTLE_CAP_S = 20.0  # after the clock: until no delivery of the warning is pending
POLL_S = 0.05
# The warm-up warning's village: three batches of the default size, so each of two or three
# worker processes gets one.
WARMUP_RESIDENTS = 750
RETRY_ROUNDS = 3  # the reference's rounds of 429s sent again (the mix needs one)
REQUEST_TIMEOUT_S = 10.0
TARGET_RATIO = 1.0
TITLE = "Wasserrohrbruch: Hauptstraße ab sofort gesperrt"
BODY = (
    "In der Hauptstraße ist eine Wasserleitung gebrochen. Die Straße ist zwischen Kirche und "
    "Feuerwehrhaus gesperrt, das Wasser ist bis zum Abend abgestellt. Trinkwasser gibt es am "
    "Feuerwehrhaus."
)
DELIVERED, GONE_410, NOT_FOUND, THROTTLED = 201, 410, 404, 429
CPU_PARTS = ("workers", "bench", "receiver", "postgres", "redis", "irq", "unknown", "foreign")


class Plan:
    """Counts of one bench run; --quick scales them down for development."""

    def __init__(self, args):
        self.residents = 2_000 if args.quick else 10_000
        self.rounds = args.rounds or (1 if args.quick else 2)
        default = "2" if args.quick else "2,3"
        self.concurrency = [int(c) for c in (args.concurrency or default).split(",") if c]
        # What the receiver answers in all: each subscription number's first answer ...
        self.expected = collections.Counter(
            bench_rule(f"t{i}", 1)[0] for i in range(self.residents)
        )
        self.expected[DELIVERED] += self.expected[THROTTLED]  # each 429 is a 201 the second time

    @property
    def gone(self) -> int:
        return self.expected[GONE_410] + self.expected[NOT_FOUND]


# --- data -----------------------------------------------------------------------------------


@dataclass
class Village:
    municipality: object
    editor: object
    resident_ids: list[int]


def setup() -> None:
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def prepare(residents: int, reload: bool) -> Village:
    """One municipality of `residents` residents and a town-hall editor (who lives elsewhere,
    so the warning reaches exactly the residents); made once, kept across bench runs."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.places.models import Municipality, MunicipalityRole

    municipality, _ = Municipality.objects.get_or_create(
        slug=f"bench-push-{residents}",
        defaults={
            "name": f"Benchdorf {residents}",
            "official_key": f"{99_000_000 + residents:08d}",
            "latitude": 50.0,
            "longitude": 8.0 + residents / 100_000,
        },
    )
    people = User.objects.filter(home_municipality=municipality)
    if reload or people.count() != residents:
        print(f"loading {residents:,} residents of {municipality.name} ...")
        reset_run(municipality)
        with transaction.atomic():
            people.delete()
            now = timezone.now()
            User.objects.bulk_create(
                [
                    User(
                        email=f"bench-push-{residents}-{i:05d}@example.org",
                        first_name=f"Person{i}",
                        last_name="Bench",
                        password=make_password(None),
                        home_municipality=municipality,
                        email_confirmed_at=now,
                    )
                    for i in range(residents)
                ],
                batch_size=2_000,
            )
    editor, _ = User.objects.get_or_create(
        email=f"bench-push-{residents}-editor@example.org",
        defaults={"first_name": "Rathaus", "last_name": "Bench", "password": make_password(None)},
    )
    MunicipalityRole.objects.get_or_create(
        user=editor, municipality=municipality, kind=MunicipalityRole.Kind.EDITOR
    )
    resident_ids = list(people.order_by("pk").values_list("pk", flat=True))
    return Village(municipality, editor, resident_ids)


def reset_run(municipality) -> None:
    """What an earlier run left: devices (their deliveries go with them), notifications and
    news of this municipality."""
    from apps.notifications.models import Notification, PushSubscription
    from apps.townhall.models import News

    PushSubscription.objects.filter(user__home_municipality=municipality).delete()
    Notification.objects.filter(municipality=municipality).delete()
    News.objects.filter(municipality=municipality).delete()


def tidy_tables() -> None:
    """Every run starts from compact tables: each run inserts, updates and deletes tens of
    thousands of rows, and PostgreSQL servers for development often run without autovacuum,
    so the dead rows of earlier runs would slow every later project run (the reference never
    reads them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (FULL, ANALYZE) notifications_notification, notifications_pushdelivery, "
            "notifications_pushsubscription"
        )
        cursor.execute("ANALYZE accounts_user")


def drop_redis_keys() -> int:
    """Whatever an earlier (maybe interrupted) run left in the broker under our prefix."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(islice(client.scan_iter(match=f"{REDIS_PREFIX}:*", count=1000), 100_000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return len(keys)
    finally:
        client.close()


# --- processes ------------------------------------------------------------------------------


class Process(ChildProcess):
    # Workers finish the task in hand before they stop.
    stop_timeout = 30


class Receiver(Process):
    """The push service both sides push to, with its control API (stats, subscriptions)."""

    def __init__(self, logdir: Path):
        super().__init__("receiver", logdir)
        self.origin = ""
        # Loopback only: never through a proxy from the environment.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def start(self) -> None:
        command = [
            sys.executable, "-m", "tests.notifications.push_receiver", "--port", "0",
            "--verify", "sample", "--rule", "bench",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, start_new_session=True
            )
        ready, _, _ = select.select([self.process.stdout], [], [], READY_TIMEOUT_S)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            raise RuntimeError(f"the push receiver did not start:\n{self.log_tail()}")
        self.origin = json.loads(line)["origin"]

    def stats(self) -> dict:
        with self.opener.open(f"{self.origin}/stats", timeout=REQUEST_TIMEOUT_S) as response:
            return json.loads(response.read())

    def subscriptions(self, n: int, prefix: str) -> list[dict]:
        request = urllib.request.Request(
            f"{self.origin}/subscriptions?n={n}&prefix={prefix}", data=b"", method="POST"
        )
        with self.opener.open(request, timeout=120) as response:
            return json.loads(response.read())


class Workers(Process):
    """Celery workers as production runs them (prefork), on the bench's broker prefix."""

    def __init__(self, concurrency: int, logdir: Path, app: str = "dorffunk"):
        super().__init__(f"worker-c{concurrency}", logdir)
        self.concurrency, self.app = concurrency, app
        self.node = f"bench-push-c{concurrency}"

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery), "-A", self.app, "worker", f"--concurrency={self.concurrency}",
            "--pool=prefork", "-Q", "celery", "-n", f"{self.node}@%h", "--without-heartbeat",
            "--without-gossip", "--without-mingle", "-l", "warning",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        from dorffunk.celery import app

        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            replies = app.control.ping(timeout=0.5)
            if any(name.startswith(f"{self.node}@") for reply in replies for name in reply):
                return
        raise RuntimeError(f"the workers did not answer a ping:\n{self.log_tail()}")


# --- runs -----------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    round: int
    elapsed: float = 0.0
    complete: bool = False  # the stop condition held within the cap
    answers: dict[int, int] = field(default_factory=dict)  # receiver: status -> count
    rejected: int = 0
    deleted: int = 0  # 404/410 subscriptions deleted (reference: collected to delete)
    retried: int = 0  # 429 subscriptions delivered on their second push
    delivered_db: int | None = None  # project: deliveries recorded as sent
    failed_db: int | None = None
    pending_db: int | None = None
    phases: list[tuple[str, float]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the run

    @property
    def delivered(self) -> int:
        return self.answers.get(DELIVERED, 0)

    @property
    def rate(self) -> float:
        return self.delivered / self.elapsed if self.elapsed else 0.0


class CpuMeter:
    """CPU seconds used during a run, by part: the process groups in `groups` (children
    started here), this process ("bench"), PostgreSQL, Redis, "foreign" (anything else on
    the machine), interrupts ("irq"), and "unknown" (busy time charged to no process seen).
    /proc is read every SAMPLE_S by a thread, so that processes living only a moment
    (PostgreSQL backends of short connections, other people's test runs) are counted too."""

    SAMPLE_S = 0.25

    def __init__(self, groups: dict[int, str]):
        self.groups = groups
        self.first: dict[int, tuple[str, float]] = {}  # pid -> (part, CPU when first seen)
        self.last: dict[int, float] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def __enter__(self) -> "CpuMeter":
        self.stat_before = self._stat()
        self._sample(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
        self._sample()
        self.stat_after = self._stat()

    def _sample_until_stopped(self) -> None:
        while not self.stop_event.wait(self.SAMPLE_S):
            self._sample()

    def _part(self, pid: int, pgrp: int, comm: str) -> str:
        if pid == os.getpid():
            return "bench"
        if pgrp in self.groups:
            return self.groups[pgrp]
        if comm == "postgres":
            return "postgres"
        if comm.startswith("redis"):
            return "redis"
        return "foreign"

    def _sample(self, initial: bool = False) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            pid, cpu = int(entry.name), (int(fields[11]) + int(fields[12])) / tick
            if pid not in self.first:
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                # A process first seen after the start began during the run.
                part = self._part(pid, int(fields[2]), comm)
                self.first[pid] = (part, cpu if initial else 0.0)
            self.last[pid] = cpu

    @staticmethod
    def _stat() -> tuple[float, float]:
        with open("/proc/stat") as stat:
            # user nice system idle iowait irq softirq steal
            ticks = [int(n) for n in stat.readline().split()[1:9]]
        tick = os.sysconf("SC_CLK_TCK")
        return sum(ticks[i] for i in (0, 1, 2, 5, 6, 7)) / tick, (ticks[5] + ticks[6]) / tick

    def used(self) -> dict[str, float]:
        used: dict[str, float] = collections.defaultdict(float)
        for pid, (part, first) in self.first.items():
            used[part] += self.last[pid] - first
        used["busy"] = self.stat_after[0] - self.stat_before[0]
        used["irq"] = self.stat_after[1] - self.stat_before[1]
        charged = sum(v for k, v in used.items() if k != "busy")
        used["unknown"] = max(0.0, used["busy"] - charged)
        return dict(used)


def answers_between(before: dict, after: dict) -> tuple[dict[int, int], int]:
    counts = {
        int(status): n - before["counts"].get(status, 0) for status, n in after["counts"].items()
    }
    return {s: n for s, n in counts.items() if n}, after["rejected"] - before["rejected"]


def reference_payload(village: Village) -> tuple[bytes, str]:
    """The JSON the project pushes for such a warning to this village (give or take a digit
    of the ids)."""
    from apps.notifications.models import Notification
    from apps.notifications.push import payload_of, topic_of

    notification = Notification(
        pk=1_000_000,
        kind=Notification.Kind.URGENT_WARNING,
        target_type=Notification.TargetType.NEWS,
        target_id=1_000,
        title=TITLE,
        municipality=village.municipality,
    )
    return payload_of(notification, "de"), topic_of(notification)


def reference_run(
    receiver: Receiver, village: Village, plan: Plan, prefix: str, number: int
) -> Run:
    import requests
    from django.conf import settings
    from py_vapid import Vapid02
    from pywebpush import WebPushException, webpush

    run = Run("reference", number)
    subscriptions = receiver.subscriptions(plan.residents, prefix)
    payload, topic = reference_payload(village)
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    vapid = Vapid02.from_raw(VAPID.private.encode())
    claims = {"sub": VAPID_SUBJECT}
    headers = {"Urgency": "high", "Topic": topic}

    def push(subscription: dict) -> tuple[int, str | None]:
        try:
            webpush(
                subscription, data=payload, vapid_private_key=vapid, vapid_claims=claims,
                ttl=settings.PUSH_TTL, headers=headers, requests_session=session,
                timeout=REQUEST_TIMEOUT_S,
            )  # fmt: skip
            return DELIVERED, None
        except WebPushException as error:
            return error.status_code or 0, error.retry_after
        except requests.RequestException:
            return 0, None

    gone: list[dict] = []
    later: list[tuple[float, dict]] = []  # (when it may be sent again, subscription)
    groups = {receiver.process.pid: "receiver"}
    before = receiver.stats()
    with CpuMeter(groups) as meter:
        started = time.perf_counter()
        deadline = started + RUN_CAP_S
        pending = list(subscriptions)
        retried = 0
        for attempt in range(1 + RETRY_ROUNDS):
            if attempt:
                due = max(when for when, _ in later)
                time.sleep(max(0.0, min(due, deadline) - time.perf_counter()))
                pending, later = [sub for _, sub in later], []
            for subscription in pending:
                if time.perf_counter() > deadline:
                    break
                status, retry_after = push(subscription)
                if status in (GONE_410, NOT_FOUND):
                    gone.append(subscription)
                elif status == THROTTLED:
                    wait = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
                    later.append((time.perf_counter() + wait, subscription))
                elif status == DELIVERED and attempt:
                    retried += 1
            if not later or time.perf_counter() > deadline:
                break
        run.elapsed = time.perf_counter() - started
    run.cpu = meter.used()
    session.close()
    run.answers, run.rejected = answers_between(before, receiver.stats())
    run.deleted, run.retried = len(gone), retried
    run.complete = run.delivered == plan.expected[DELIVERED] and not later
    return run


def load_devices(receiver: Receiver, village: Village, prefix: str) -> dict[int, list[int]]:
    """A fresh device at the receiver for each resident, after clearing the last run's;
    returns the device ids by the receiver's first answer to them."""
    from apps.notifications.models import PushSubscription

    reset_run(village.municipality)
    subscriptions = receiver.subscriptions(len(village.resident_ids), prefix)
    devices = PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                user_id=user_id,
                endpoint=sub["endpoint"],
                p256dh=sub["keys"]["p256dh"],
                auth=sub["keys"]["auth"],
                user_agent="bench",
            )
            for user_id, sub in zip(village.resident_ids, subscriptions, strict=True)
        ],
        batch_size=2_000,
    )
    by_answer: dict[int, list[int]] = collections.defaultdict(list)
    for i, device in enumerate(devices):
        by_answer[bench_rule(f"t{i}", 1)[0]].append(device.pk)
    return by_answer


def warm_up(receiver: Receiver, village: Village, prefix: str) -> None:
    """A small warning, pushed and retried in full before the clock starts, so that every
    worker process has run the push path once (imports, connections, URL, translation and
    static-file caches): production workers run for days, and the reference runs in this
    warm process."""
    from apps.notifications.models import Notification, PushDelivery
    from apps.townhall.services import news_create

    by_answer = load_devices(receiver, village, prefix)
    expected = len(by_answer[DELIVERED]) + len(by_answer[THROTTLED])
    before = receiver.stats()
    news = news_create(
        actor=village.editor, municipality=village.municipality, title=TITLE, body=BODY,
        urgent=True,
    )  # fmt: skip
    pending = PushDelivery.objects.filter(
        notification__target_type=Notification.TargetType.NEWS,
        notification__target_id=news.pk,
        state=PushDelivery.State.PENDING,
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        answers, _ = answers_between(before, receiver.stats())
        if answers.get(DELIVERED, 0) >= expected and not pending.exists():
            return
        time.sleep(0.1)
    raise RuntimeError(f"the warm-up warning was not delivered in {READY_TIMEOUT_S:.0f} s")


def project_run(
    receiver: Receiver,
    village: Village,
    warm: Village | None,
    plan: Plan,
    workers: Workers,
    prefix: str,
    number: int,
) -> Run:
    from django.db.models import Max, Min

    from apps.notifications.models import Notification, PushDelivery, PushSubscription
    from apps.townhall.services import news_create

    run = Run(f"project c={workers.concurrency}", number)
    by_answer = load_devices(receiver, village, prefix)
    gone_ids = by_answer[GONE_410] + by_answer[NOT_FOUND]
    tidy_tables()
    drop_redis_keys()
    workers.start()
    try:
        workers.wait_ready()
        if warm is not None:
            warm_up(receiver, warm, f"warm{prefix}")
        groups = {receiver.process.pid: "receiver", workers.process.pid: "workers"}
        before = receiver.stats()
        with CpuMeter(groups) as meter:
            wall_start = time.time()
            started = time.perf_counter()
            news = news_create(
                actor=village.editor, municipality=village.municipality, title=TITLE, body=BODY,
                urgent=True,
            )  # fmt: skip
            deadline = started + RUN_CAP_S
            while time.perf_counter() < deadline:
                answers, _ = answers_between(before, receiver.stats())
                if (
                    answers.get(DELIVERED, 0) >= plan.expected[DELIVERED]
                    and not PushSubscription.objects.filter(pk__in=gone_ids).exists()
                ):
                    run.complete = True
                    break
                if workers.process.poll() is not None:
                    break
                time.sleep(POLL_S)
            run.elapsed = time.perf_counter() - started
        run.cpu = meter.used()
        # Not timed: let the last batch record what it sent, then count.
        deliveries = PushDelivery.objects.filter(
            notification__target_type=Notification.TargetType.NEWS,
            notification__target_id=news.pk,
        )
        settle = time.monotonic() + SETTLE_CAP_S
        while deliveries.filter(state=PushDelivery.State.PENDING).exists():
            if time.monotonic() > settle:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # a push sent twice would show up in the receiver's counts now
        run.answers, run.rejected = answers_between(before, receiver.stats())
    finally:
        workers.stop()
    State = PushDelivery.State
    run.deleted = len(gone_ids) - PushSubscription.objects.filter(pk__in=gone_ids).count()
    run.retried = deliveries.filter(
        subscription_id__in=by_answer[THROTTLED], state=State.SENT, attempts=2
    ).count()
    run.delivered_db = deliveries.filter(state=State.SENT).count()
    run.failed_db = deliveries.filter(state=State.FAILED).count()
    run.pending_db = deliveries.filter(state=State.PENDING).count()
    # Where the time went, from the rows' own times (seconds after the clock started).
    notes = Notification.objects.filter(
        target_type=Notification.TargetType.NEWS, target_id=news.pk
    ).aggregate(first=Min("created_at"), last=Max("created_at"))
    planned = PushDelivery.objects.filter(
        notification__target_type=Notification.TargetType.NEWS, notification__target_id=news.pk
    ).aggregate(first=Min("created_at"), last=Max("created_at"))
    sent = PushSubscription.objects.filter(
        pk__in=by_answer[DELIVERED] + by_answer[THROTTLED]
    ).aggregate(first=Min("last_success_at"), last=Max("last_success_at"))
    for label, when in (
        ("news committed", news.created_at),
        ("first notification", notes["first"]),
        ("last notification", notes["last"]),
        ("first delivery planned", planned["first"]),
        ("last delivery planned", planned["last"]),
        ("first batch recorded", sent["first"]),
        ("last batch recorded", sent["last"]),
    ):
        if when is not None:
            run.phases.append((label, when.timestamp() - wall_start))
    return run


# --- report ---------------------------------------------------------------------------------


def print_runs(runs: list[Run], plan: Plan) -> None:
    expected = plan.expected
    print()
    print(
        f"{'run':<16}{'round':>6}{'time s':>8}{'201':>7}{'410':>6}{'404':>6}{'429':>6}"
        f"{'deleted':>9}{'retried':>9}{'rejected':>9}{'pushes/s':>10}  complete"
    )
    print(
        f"{'(expected)':<16}{'':>6}{'':>8}{expected[DELIVERED]:>7}{expected[GONE_410]:>6}"
        f"{expected[NOT_FOUND]:>6}{expected[THROTTLED]:>6}{plan.gone:>9}"
        f"{expected[THROTTLED]:>9}{0:>9}"
    )
    for run in runs:
        a = run.answers
        other = {s: n for s, n in a.items() if s not in (DELIVERED, GONE_410, NOT_FOUND, THROTTLED)}
        print(
            f"{run.label:<16}{run.round:>6}{run.elapsed:>8.2f}{a.get(DELIVERED, 0):>7}"
            f"{a.get(GONE_410, 0):>6}{a.get(NOT_FOUND, 0):>6}{a.get(THROTTLED, 0):>6}"
            f"{run.deleted:>9}{run.retried:>9}{run.rejected:>9}{run.rate:>10.1f}  "
            f"{'yes' if run.complete else 'NO'}" + (f"  other answers {other}" if other else "")
        )
        if run.delivered_db is not None:
            print(
                f"{'':<22}deliveries in the database: {run.delivered_db} sent, "
                f"{run.failed_db} failed, {run.pending_db} pending"
            )
        if run.phases:
            print(f"{'':<22}" + ", ".join(f"{label} {t:.2f} s" for label, t in run.phases))
        if run.cpu:
            parts = ", ".join(f"{n} {run.cpu[n]:.1f}" for n in CPU_PARTS if n in run.cpu)
            print(
                f"{'':<22}CPU s during the run: {parts}; busy {run.cpu['busy']:.1f} of "
                f"{os.cpu_count()} x {run.elapsed:.1f}"
            )


def correct(run: Run, plan: Plan) -> dict[str, bool]:
    expected = plan.expected
    return {
        "delivered": run.complete
        and run.delivered == expected[DELIVERED]
        and run.delivered_db in (None, expected[DELIVERED]),
        "deleted": run.deleted == plan.gone
        and run.answers.get(GONE_410, 0) == expected[GONE_410]
        and run.answers.get(NOT_FOUND, 0) == expected[NOT_FOUND],
        "retried": run.retried == expected[THROTTLED]
        and run.answers.get(THROTTLED, 0) == expected[THROTTLED],
        "clean": run.rejected == 0,
    }


def is_disturbed(run: Run) -> bool:
    """Other processes on the machine took a twentieth of its CPUs or more during the run."""
    return run.cpu.get("foreign", 0) > 0.05 * (os.cpu_count() or 1) * run.elapsed


def medians(runs: list[Run], plan: Plan, title: str) -> tuple[str, float] | None:
    """Print the median time and pushes/s per side; return the best project setting and its
    ratio to the reference (None when a side has no run)."""
    reference = [run for run in runs if run.label == "reference"]
    labels = list(dict.fromkeys(run.label for run in runs if run.label != "reference"))
    if not reference or not labels:
        return None
    ref_rate = plan.expected[DELIVERED] / statistics.median(run.elapsed for run in reference)
    print()
    print(f"{title:<16}{'runs':>6}{'time s':>8}{'pushes/s':>10}{'ratio':>8}")
    print(
        f"{'reference':<16}{len(reference):>6}{plan.expected[DELIVERED] / ref_rate:>8.2f}"
        f"{ref_rate:>10.1f}"
    )
    best = None
    for label in labels:
        mine = [run for run in runs if run.label == label]
        time_ = statistics.median(run.elapsed for run in mine)
        rate = plan.expected[DELIVERED] / time_
        print(f"{label:<16}{len(mine):>6}{time_:>8.2f}{rate:>10.1f}{rate / ref_rate:>8.2f}")
        if best is None or rate / ref_rate > best[1]:
            best = (label, rate / ref_rate)
    return best


def report(runs: list[Run], plan: Plan) -> None:
    print_runs(runs, plan)
    disturbed = [run for run in runs if is_disturbed(run)]
    best = medians(runs, plan, "median of")
    if disturbed:
        print(
            f"\nnote: other processes on this machine used CPU during {len(disturbed)} of "
            f"{len(runs)} runs ('foreign' above): those figures are disturbed."
        )
        quiet = [run for run in runs if not is_disturbed(run)]
        if not medians(quiet, plan, "undisturbed"):
            print("no undisturbed run on one of the sides")
    projects = [run for run in runs if run.label != "reference"]
    checks = [correct(run, plan) for run in projects]
    rows = [
        ("project: all 201s delivered (every run)", all(c["delivered"] for c in checks)),
        ("project: every 404/410 subscription deleted", all(c["deleted"] for c in checks)),
        ("project: every 429 retried and delivered", all(c["retried"] for c in checks)),
        ("project: no push refused by the receiver", all(c["clean"] for c in checks)),
        (
            "reference: all delivered (sanity)",
            all(correct(run, plan)["delivered"] for run in runs if run.label == "reference"),
        ),
    ]
    print()
    print(f"{'target':<52}{'value':>7}   target   result")
    for label, ok in rows:
        print(f"{label:<52}{'':>7}   {'':<7}  {'met' if ok else 'MISSED'}")
    label, ratio = best
    ok = ratio >= TARGET_RATIO and all(c["delivered"] for c in checks)
    label = f"{label} (best) / reference pushes/s"
    print(f"{label:<52}{ratio:>7.2f}   >= {TARGET_RATIO:<4}  {'met' if ok else 'MISSED'}")


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 residents, one round")
    parser.add_argument("--rounds", type=int, help="rounds of alternating runs (default 2)")
    parser.add_argument(
        "--concurrency", help="worker --concurrency values to measure, comma-separated (2,3)"
    )
    parser.add_argument("--reload", action="store_true", help="make the residents anew")
    parser.add_argument(
        "--cold", action="store_true", help="no warm-up warning: workers start cold"
    )
    parser.add_argument(
        "--worker-app",
        default="dorffunk",
        help="Celery app the workers run (-A), to try a candidate fix; on PYTHONPATH",
    )
    args = parser.parse_args()
    plan = Plan(args)

    setup()
    village = prepare(plan.residents, args.reload)
    warm = None if args.cold else prepare(WARMUP_RESIDENTS, args.reload)
    from django.conf import settings

    from apps.notifications.push import backoff_seconds

    payload, _ = reference_payload(village)
    print(
        f"{plan.residents:,} residents with one device each; expected answers "
        f"{dict(sorted(plan.expected.items()))}; payload {len(payload)} bytes; database "
        f"{urlsplit(BENCH_URL).path.lstrip('/')}; Redis {REDIS_URL} (prefix {REDIS_PREFIX})"
    )
    print(
        f"project: Celery prefork --concurrency {','.join(map(str, plan.concurrency))}, "
        f"PUSH_BATCH_SIZE {settings.PUSH_BATCH_SIZE}, PUSH_CONCURRENCY "
        f"{settings.PUSH_CONCURRENCY}; a 429 with Retry-After: 1 is tried again after "
        f"{backoff_seconds(1, 1.0):.0f} s; workers "
        f"{'cold' if args.cold else f'warmed up by a warning to {WARMUP_RESIDENTS}'}; "
        f"worker app {args.worker_app}; "
        f"{plan.rounds} round(s), cap {RUN_CAP_S:.0f} s a run"
    )
    logdir = Path(tempfile.mkdtemp(prefix="dorffunk-bench-push-"))
    receiver = Receiver(logdir)
    workers = {c: Workers(c, logdir, args.worker_app) for c in plan.concurrency}

    def stop_on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_signal)
    runs: list[Run] = []
    try:
        receiver.start()
        for number in range(1, plan.rounds + 1):
            order = ["reference", *plan.concurrency]
            if number % 2 == 0:
                order = order[1:] + order[:1]
            for side in order:
                prefix = f"{'ref' if side == 'reference' else f'projc{side}'}{number:02d}x"
                if side == "reference":
                    run = reference_run(receiver, village, plan, prefix, number)
                else:
                    run = project_run(receiver, village, warm, plan, workers[side], prefix, number)
                runs.append(run)
                print(
                    f"  round {number}: {run.label} {run.elapsed:.2f} s, {run.delivered} "
                    f"delivered{'' if run.complete else ' (NOT complete)'}"
                )
                if not run.complete and side != "reference":
                    print(f"--- {workers[side].name} log:\n{workers[side].log_tail()}")
    except BaseException:
        for process in [receiver, *workers.values()]:
            print(f"--- {process.name} log:\n{process.log_tail()}")
        raise
    finally:
        for process in [*workers.values(), receiver]:
            process.stop()
    report(runs, plan)
    print(f"\nlogs: {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
