"""The chat websocket under load on real Redis, side by side with a bare reference in the
same run (issue 4).

    python benchmarks/realtime_chat.py [--quick] [--only memory,echo,fanout,send]
                                       [--server uvicorn|daphne] [--reload]

Serves three ASGI apps on 127.0.0.1, one process each, same server, settings, PostgreSQL
and Redis channel layer (channels_redis pub/sub, REDIS_PREFIX of the bench's own):
- the project (dorffunk.asgi: LiveConsumer at /ws/, token auth, the real chat services),
- the reference (benchmarks/realtime_reference_app.py): a minimal Channels consumer that
  only echoes, group_sends, or inserts a row and group_sends,
The websocket clients (aiohttp) run in this process, never in a server process. Runs
alternate between the apps so drift hits both.

1. echo: 50 sockets, each ping -> pong in a closed loop. The project's answer is its full
   receive path without the database (size check, JSON, dispatch, presence throttle);
   the reference parses and answers. Target: msgs/s >= 0.8x, p99 <= 1.5x the reference's.
2. fan-out: the 500 members of one group conversation connected; one of them sends 10
   messages/s for 30 s through the `send` frame; every member (sender too) must get all of
   them. The project publishes each change once to the conversation's group; target: 100 %
   delivered, p99 <= 1.5x the reference's doing the same (one group_send per message). For
   context the reference also runs with one group_send per member (per-person groups, what
   the project did before measuring this), and a ramp of send rates per variant gives the
   top sustained deliveries/s (all delivered, p99 <= 1 s). Each variant's run and ramp get a
   server process of their own: an overloaded run leaves a backlog in the server's Redis
   subscription.
3. send path: 20 senders, each in a conversation of two, send -> ack in a closed loop:
   the project's full send (auth, checks, rate limit, insert, commit, publish) against the
   reference's bare insert + publish. Target: msgs/s >= 0.6x.
4. memory: 2,000 idle sockets; (RSS after - RSS before) / 2,000 of the server process.
   Target: <= 1.5x the reference's. Runs first, on fresh servers.

The database is BENCH_CHAT_DATABASE_URL if set, else BENCH_DATABASE_URL's with "_chat" added
to its name (default postgres://postgres@127.0.0.1:5432/dorffunk_bench_chat): never
DATABASE_URL. It is created if missing and migrated; 2,000 users with tokens, one group
conversation of 500 and 20 of two are loaded once (--reload replaces them). Redis is
BENCH_REDIS_URL (default redis://127.0.0.1:6379/0) with the prefix dorffunk-bench-chat.
The chat rate limit is raised in the servers' environment. Prints met or MISSED; exits 0.
"""

import argparse
import asyncio
import contextlib
import hashlib
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HOST, ChildProcess, bench_database_url, ensure_database, free_port  # noqa: E402

BENCH_URL = bench_database_url("chat")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_PREFIX = "dorffunk-bench-chat"
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["REDIS_URL"] = REDIS_URL
os.environ["REDIS_PREFIX"] = REDIS_PREFIX
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dorffunk.settings")

import realtime_clients as clients  # noqa: E402

USERS = 2_000
MEMBERS = 500  # the group conversation: users 1..500 of the bench
SENDERS = 20  # scenario 3: bench users 501..520, each with a partner among 521..540
EMAIL = "bench-chat-{:04d}@example.org"
TOKEN_SALT = "dorffunk-bench-chat-"
GROUP_TITLE = "Dorfgemeinschaft (bench)"
REFERENCE_SEQUENCE = "bench_chat_reference_seq"
REFERENCE_SEQUENCE_START = 1_000_000_000_000
READY_TIMEOUT_S = 60.0
TARGET_ECHO_RATE = 0.8
TARGET_P99 = 1.5
TARGET_SEND_RATE = 0.6
TARGET_MEMORY = 1.5
SUSTAINED_P99_MS = 1000.0
REFERENCE_APP = "benchmarks.realtime_reference_app:application"


class Plan:
    """Counts and times of one run; --quick scales them down for development."""

    def __init__(self, quick: bool):
        self.echo_sockets = 50
        self.echo_per_socket = 40 if quick else 200  # per round
        self.rounds = 2 if quick else 5
        self.run_cap_s = 30.0
        self.fanout_members = 100 if quick else MEMBERS
        self.fanout_rate = 10.0
        self.fanout_seconds = 5.0 if quick else 30.0
        self.ramp_rates = [5.0, 10.0, 20.0, 40.0] if quick else [1.0, 2.0, 5.0, 10.0, 20.0, 40.0]
        self.ramp_seconds = 3.0 if quick else 5.0
        self.drain_s = 10.0 if quick else 20.0
        self.send_per_socket = 20 if quick else 100  # per round
        self.idle = 200 if quick else USERS


# --- data -----------------------------------------------------------------------------------


def token_key(n: int) -> str:
    return hashlib.sha1(f"{TOKEN_SALT}{n}".encode()).hexdigest()


def is_loaded() -> bool:
    from apps.accounts.models import User
    from apps.chat.models import Conversation

    group = Conversation.objects.filter(title=GROUP_TITLE).first()
    return (
        User.objects.filter(email__startswith="bench-chat-").count() == USERS
        and group is not None
        and group.participants.count() == MEMBERS
        and Conversation.objects.filter(kind="direct").count() == SENDERS
    )


def load() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from apps.accounts.models import User
    from apps.chat.models import Conversation, Participant

    password = make_password("bench-password-1")
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE chat_message, chat_participant, chat_conversation, chat_counter, "
                "authtoken_token, accounts_user RESTART IDENTITY CASCADE"
            )
        users = User.objects.bulk_create(
            [
                User(
                    email=EMAIL.format(n),
                    first_name=f"Person{n}",
                    last_name="Bench",
                    password=password,
                    email_confirmed_at=now,
                )
                for n in range(1, USERS + 1)
            ],
            batch_size=1_000,
        )
        Token.objects.bulk_create(
            [Token(key=token_key(n), user=user) for n, user in enumerate(users, start=1)],
            batch_size=1_000,
        )
        group = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title=GROUP_TITLE, created_by=users[0]
        )
        Participant.objects.bulk_create(
            [Participant(conversation=group, user=user) for user in users[:MEMBERS]]
        )
        for i in range(SENDERS):
            one, two = users[MEMBERS + i], users[MEMBERS + SENDERS + i]
            pair = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=f"{one.pk}:{two.pk}", created_by=one
            )
            Participant.objects.bulk_create(
                [Participant(conversation=pair, user=one), Participant(conversation=pair, user=two)]
            )


def prepare(reload: bool) -> dict:
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.chat.models import Conversation, Participant

    call_command("migrate", verbosity=0)
    if reload or not is_loaded():
        print("loading 2,000 users with tokens and the conversations ...")
        load()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS {REFERENCE_SEQUENCE} START {REFERENCE_SEQUENCE_START}"
        )
    from rest_framework.authtoken.models import Token

    users = list(
        Token.objects.filter(user__email__startswith="bench-chat-")
        .order_by("user__email")
        .values_list("user_id", "key")
    )
    group = Conversation.objects.get(title=GROUP_TITLE)
    pairs = []
    for user_id, key in users[MEMBERS : MEMBERS + SENDERS]:
        conversation = Participant.objects.get(
            user_id=user_id, conversation__kind="direct"
        ).conversation_id
        pairs.append((user_id, key, conversation))
    from django.db import connections

    connections.close_all()
    return {"users": users, "group": group.pk, "pairs": pairs}


# --- servers --------------------------------------------------------------------------------


def raise_open_files() -> None:
    """Thousands of sockets on both ends; the servers inherit the limit from here."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Server(ChildProcess):
    """One server process (tree) on 127.0.0.1."""

    def __init__(self, name: str, app: str, kind: str, logdir: Path):
        super().__init__(name, logdir)
        self.app, self.kind = app, kind
        self.port = free_port()

    def command(self) -> list[str]:
        if self.kind == "daphne":
            return [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(self.port), self.app]
        return [
            sys.executable, "-m", "uvicorn", self.app, "--host", HOST, "--port", str(self.port),
            "--app-dir", str(ROOT), "--lifespan", "off", "--no-access-log",
            "--log-level", "warning",
        ]  # fmt: skip

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=BENCH_URL,
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=REDIS_PREFIX,
            DEBUG="0",
            DJANGO_SETTINGS_MODULE="dorffunk.settings",
            SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
            LOG_LEVEL="WARNING",
            CHAT_RATE_LIMIT_MESSAGES="1000000",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")

    def rss_kb(self) -> int:
        """VmRSS of the server process and all its descendants."""
        total, pending = 0, [self.process.pid]
        while pending:
            pid = pending.pop()
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                for task in Path(f"/proc/{pid}/task").iterdir():
                    children = (task / "children").read_text().split()
                    pending += [int(child) for child in children]
        return total


# --- scenarios ------------------------------------------------------------------------------


async def warm_up(session, targets, users) -> None:
    """Imports, pools and Redis connections made once, before anything is measured."""
    for target in targets:
        sockets = await clients.open_sockets(session, target, users[:20])
        totals = clients.Totals(target.label)
        await clients.echo_run(sockets, 20, 10.0, totals)
        await clients.close_sockets(sockets)


async def memory(session, servers, targets, users, count: int) -> dict:
    results = {}
    for server, target in zip(servers, targets, strict=True):
        await asyncio.sleep(1.0)
        before = server.rss_kb()
        started = time.perf_counter()
        sockets = await clients.open_sockets(session, target, users[:count])
        opened = time.perf_counter() - started
        await asyncio.sleep(2.0)
        after = server.rss_kb()
        await clients.close_sockets(sockets)
        results[target.label] = {
            "before": before,
            "after": after,
            "per_socket": (after - before) / count,
            "connects": count / opened,
        }
        print(f"  memory {target.label}: {count} sockets opened in {opened:.1f} s")
    return results


async def echo(session, targets, users, plan: Plan) -> dict:
    sockets = {}
    for target in targets:
        sockets[target.label] = await clients.open_sockets(
            session, target, users[: plan.echo_sockets]
        )
    totals = {target.label: clients.Totals(target.label) for target in targets}
    try:
        for number in range(plan.rounds):
            ordered = targets if number % 2 == 0 else targets[::-1]
            for target in ordered:
                await clients.echo_run(
                    sockets[target.label], plan.echo_per_socket, plan.run_cap_s,
                    totals[target.label],
                )  # fmt: skip
            print(f"  echo round {number + 1}/{plan.rounds} done")
    finally:
        for opened in sockets.values():
            await clients.close_sockets(opened)
    return totals


async def fan_out(session, variants, spawn, users, group: int, plan: Plan, run_id: str) -> dict:
    """Each variant in turn, and each of its two phases (the run at 10/s, then the ramp) on a
    server process of its own: an overloaded run leaves a backlog in the server's Redis
    subscription that would otherwise spill into whatever runs next."""
    members = users[: plan.fanout_members]
    results = {}
    for label, app, reference, per_conversation in variants:
        phases = {}
        for phase in ("main", "ramp"):
            server = spawn(f"{label}-{phase}".replace(" ", "").replace(",", "-"), app)
            target = clients.Target(label, server.port, reference, "send", per_conversation)
            sockets = []
            try:
                server.start()
                server.wait_ready()
                sockets = await clients.open_sockets(session, target, members, conversation=group)
                bench = clients.FanOut(target, sockets, group)
                # One short run first: participants cached, groups and pools warm.
                await bench.run(plan.fanout_rate, 1.0, plan.drain_s, run_id)
                await bench.settle()
                if phase == "main":
                    phases[phase] = await bench.run(
                        plan.fanout_rate, plan.fanout_seconds, plan.drain_s, run_id
                    )
                else:
                    ramp = phases[phase] = []
                    for rate in plan.ramp_rates:
                        step = await bench.run(rate, plan.ramp_seconds, plan.drain_s, run_id)
                        ramp.append(step)
                        if not (step.complete and step.p(99) <= SUSTAINED_P99_MS):
                            break
                        await bench.settle()
                phases[phase + "_stray"] = bench.stray
            finally:
                await clients.close_sockets(sockets)
                server.stop()
        main, ramp = phases["main"], phases["ramp"]
        results[label] = (main, ramp, phases["main_stray"] + phases["ramp_stray"])
        print(
            f"  fan-out {label}: {main.delivered}/{main.expected} delivered, "
            f"p99 {main.p(99):.0f} ms; ramp up to {ramp[-1].rate:.0f} msgs/s"
        )
    return results


async def send_path(session, targets, pairs, plan: Plan, run_id: str) -> dict:
    sockets = {}
    for target in targets:
        opened = await clients.open_sockets(session, target, [(u, k) for u, k, _ in pairs])
        sockets[target.label] = list(zip(opened, [c for _, _, c in pairs], strict=True))
    totals = {target.label: clients.Totals(target.label) for target in targets}
    try:
        for target in targets:  # warm-up, not counted
            scratch = clients.Totals(target.label)
            await clients.send_run(target, sockets[target.label], 5, 10.0, f"{run_id}w", scratch)
        for number in range(plan.rounds):
            ordered = targets if number % 2 == 0 else targets[::-1]
            for target in ordered:
                await clients.send_run(
                    target, sockets[target.label], plan.send_per_socket, plan.run_cap_s,
                    f"{run_id}r", totals[target.label],
                )  # fmt: skip
            print(f"  send round {number + 1}/{plan.rounds} done")
    finally:
        for opened in sockets.values():
            await clients.close_sockets([s for s, _ in opened])
    return totals


# --- report ---------------------------------------------------------------------------------


class Checks:
    def __init__(self):
        self.rows: list[tuple[str, float, str, float]] = []
        self.context: list[tuple[str, float]] = []

    def add(self, label: str, value: float, op: str, target: float) -> None:
        self.rows.append((label, value, op, target))

    def print(self) -> None:
        print()
        print(f"{'ratio':<52}{'value':>7}   target   result")
        for label, value, op, target in self.rows:
            ok = value >= target if op == ">=" else value <= target
            print(f"{label:<52}{value:>7.2f}   {op} {target:<5}  {'met' if ok else 'MISSED'}")
        for label, value in self.context:
            print(f"{'(context) ' + label:<52}{value:>7.2f}")


def totals_table(title: str, rows: dict, unit: str) -> None:
    print(f"\n{title}")
    print(f"{'app':<28}{'done':>8}{'errors':>8}{unit:>10}{'p50 ms':>9}{'p99 ms':>9}")
    for label, t in rows.items():
        print(f"{label:<28}{t.done:>8}{t.errors:>8}{t.rate:>10.1f}{t.p(50):>9.2f}{t.p(99):>9.2f}")
        if t.capped:
            print(f"  {label}: {t.capped} runs cut short by the time cap or an error")


def report(results: dict, checks: Checks, labels: dict) -> None:
    project, reference = labels["project"], labels["reference"]
    if "memory" in results:
        rows = results["memory"]
        print("\n4. memory, idle sockets")
        print(f"{'app':<28}{'RSS before':>12}{'RSS after':>12}{'KiB/socket':>12}{'connects/s':>12}")
        for label, row in rows.items():
            print(
                f"{label:<28}{row['before']:>9} KiB{row['after']:>9} KiB"
                f"{row['per_socket']:>12.1f}{row['connects']:>12.0f}"
            )
        ratio = rows[project]["per_socket"] / rows[reference]["per_socket"]
        checks.add("4. memory per socket, project/reference", ratio, "<=", TARGET_MEMORY)
    if "echo" in results:
        rows = results["echo"]
        totals_table("1. echo (ping -> pong), 50 sockets", rows, "msgs/s")
        p, r = rows[project], rows[reference]
        checks.add("1. echo msgs/s, project/reference", p.rate / r.rate, ">=", TARGET_ECHO_RATE)
        checks.add("1. echo p99, project/reference", p.p(99) / r.p(99), "<=", TARGET_P99)
    if "fanout" in results:
        rows = results["fanout"]
        print("\n2. fan-out, one conversation, 10 msgs/s (each member gets every message)")
        print(
            f"{'app':<28}{'members':>8}{'sent':>6}{'delivered':>11}{'expected':>10}"
            f"{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        )
        for label, (main, _, stray) in rows.items():
            print(
                f"{label:<28}{main.members:>8}{main.sent:>6}{main.delivered:>11}"
                f"{main.expected:>10}{main.p(50):>9.1f}{main.p(99):>9.1f}{main.p(100):>9.1f}"
            )
            if main.errors or stray:
                print(f"  {label}: errors {main.errors[:3]}, stray frames {stray}")
        print("\n2. fan-out ramp (steps until one is not sustained: all delivered, p99 <= 1 s)")
        print(
            f"{'app':<28}{'msgs/s':>8}{'delivered':>11}{'expected':>10}{'p99 ms':>9}{'deliv/s':>9}"
        )
        top = {}
        for label, (_, ramp, _) in rows.items():
            for step in ramp:
                ok = step.complete and step.p(99) <= SUSTAINED_P99_MS
                print(
                    f"{label:<28}{step.rate:>8.0f}{step.delivered:>11}{step.expected:>10}"
                    f"{step.p(99):>9.1f}{step.deliveries_per_s:>9.0f}"
                    f"{'' if ok else '  not kept up'}"
                )
                if ok:
                    top[label] = step
        print("top sustained:")
        for label in rows:
            step = top.get(label)
            text = (
                f"{step.rate:.0f} msgs/s = {step.deliveries_per_s:.0f} deliveries/s"
                if step
                else "none of the steps"
            )
            print(f"  {label:<26} {text}")
        pm = rows[project][0]
        checks.add(
            "2. fan-out delivered, project (fraction)", pm.delivered / pm.expected, ">=", 1.0
        )
        conv_r, user_r = labels["reference_conv"], labels["reference_user"]
        checks.add(
            "2. fan-out p99, project/reference (conv group)",
            pm.p(99) / rows[conv_r][0].p(99),
            "<=",
            TARGET_P99,
        )
        if user_r in rows:
            checks.context.append(
                (
                    "2. p99 reference, per-person/conv group",
                    rows[user_r][0].p(99) / rows[conv_r][0].p(99),
                )
            )
    if "send" in results:
        rows = results["send"]
        totals_table("3. send path (send -> ack), 20 senders", rows, "msgs/s")
        p, r = rows[project], rows[labels["reference_store"]]
        label = "3. send msgs/s, project/reference insert+publish"
        checks.add(label, p.rate / r.rate, ">=", TARGET_SEND_RATE)
        checks.context.append(("3. send p99, project/reference", p.p(99) / r.p(99)))
    checks.print()


# --- main -----------------------------------------------------------------------------------


async def measure(servers: dict, spawn, project_app: str, data, only, plan, labels) -> dict:
    run_id = uuid.uuid4().hex[:10]
    users = data["users"]
    project = clients.Target(labels["project"], servers["project"].port, reference=False)
    reference = clients.Target(labels["reference"], servers["reference"].port, reference=True)
    results = {}
    session = clients.new_session()
    try:
        await warm_up(session, [project, reference], users)
        if "memory" in only:
            print("4. memory ...")
            results["memory"] = await memory(
                session, [servers["project"], servers["reference"]], [project, reference],
                users, plan.idle,
            )  # fmt: skip
        if "echo" in only:
            print("1. echo ...")
            results["echo"] = await echo(session, [project, reference], users, plan)
        if "fanout" in only:
            print("2. fan-out ...")
            variants = [
                (labels["project"], project_app, False, False),
                (labels["reference_conv"], REFERENCE_APP, True, True),
                (labels["reference_user"], REFERENCE_APP, True, False),
            ]
            results["fanout"] = await fan_out(
                session, variants, spawn, users, data["group"], plan, run_id
            )
        if "send" in only:
            print("3. send path ...")
            store = clients.Target(
                labels["reference_store"], servers["reference"].port, reference=True,
                store_type="store",
            )  # fmt: skip
            pairs = data["pairs"]
            results["send"] = await send_path(session, [project, store], pairs, plan, run_id)
    finally:
        await session.close()
    return results


def drop_task_queue() -> None:
    """The chat notification tasks the project's sends queued: no worker runs here. The
    broker's keys carry the bench's REDIS_PREFIX, so nothing else is touched."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{REDIS_PREFIX}:celery:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scaled-down counts, for trying")
    parser.add_argument(
        "--only", default="memory,echo,fanout,send", help="comma-separated scenarios to run"
    )
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--reload", action="store_true", help="load the data even if present")
    parser.add_argument(
        "--project-app",
        default="dorffunk.asgi:application",
        help="ASGI app to measure as the project (to try a candidate fix; on PYTHONPATH)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    plan = Plan(args.quick)
    raise_open_files()

    data = prepare(args.reload)
    labels = {
        "project": "project",
        "reference": "reference",
        "reference_conv": "reference, conv. group",
        "reference_user": "reference, per-person groups",
        "reference_store": "reference insert+publish",
    }
    print(
        f"servers: {args.server}, one process each, {HOST}; Redis pub/sub layer at {REDIS_URL} "
        f"(prefix {REDIS_PREFIX}); database {urlsplit(BENCH_URL).path.lstrip('/')}; "
        f"clients: aiohttp in this process{' (--quick)' if args.quick else ''}; "
        f"project app: {args.project_app}"
    )
    logdir = Path(tempfile.mkdtemp(prefix="dorffunk-bench-chat-"))
    servers = {
        "project": Server("project", args.project_app, args.server, logdir),
        "reference": Server("reference", REFERENCE_APP, args.server, logdir),
    }
    spawned: list[Server] = []

    def spawn(name: str, app: str) -> Server:
        spawned.append(Server(name, app, args.server, logdir))
        return spawned[-1]

    def stop_on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        results = asyncio.run(measure(servers, spawn, args.project_app, data, only, plan, labels))
    except Exception:
        for server in [*servers.values(), *spawned]:
            print(f"--- {server.name} log:\n{server.log_tail()}")
        raise
    finally:
        for server in [*servers.values(), *spawned]:
            server.stop()
        drop_task_queue()
    report(results, Checks(), labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
