"""Websocket clients for benchmarks/realtime_chat.py (aiohttp, one asyncio loop in the bench
process, which is not a server process). Every socket has one reader task that hands each
frame to the socket's current handler; each scenario installs its own handler. Every wait
is bounded: connects, frames and runs have time caps.
"""

import asyncio
import contextlib
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

ORIGIN = "http://127.0.0.1"
CONNECT_TIMEOUT_S = 20.0
FRAME_TIMEOUT_S = 20.0
CLOSE_TIMEOUT_S = 5.0
CONNECT_CONCURRENCY = 50


@dataclass
class Target:
    """One app to drive: where its socket lives and which frame type stores a message."""

    label: str
    port: int
    reference: bool  # the reference takes ?user= on trust; the project wants a token
    store_type: str = "send"
    per_conversation: bool = False

    def url(self, user_id: int, conversation: int | None = None) -> str:
        if not self.reference:
            return f"ws://127.0.0.1:{self.port}/ws/"
        url = f"ws://127.0.0.1:{self.port}/ws/ref/?user={user_id}"
        if self.per_conversation and conversation is not None:
            url += f"&groups=conversation&conversation={conversation}"
        return url


class Socket:
    def __init__(self, ws, user_id: int):
        self.ws = ws
        self.user_id = user_id
        self.handler = None
        self.waiters: dict[object, asyncio.Future] = {}
        self.reader = asyncio.create_task(self.read())
        self.closed = False

    async def read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                if self.handler is not None:
                    self.handler(self, frame)
        finally:
            self.closed = True
            for waiter in self.waiters.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("socket closed"))

    def expect(self, key) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters[key] = future
        return future

    def resolve(self, key, value) -> None:
        future = self.waiters.pop(key, None)
        if future is not None and not future.done():
            future.set_result(value)

    async def send(self, frame: dict) -> None:
        await self.ws.send_str(json.dumps(frame, separators=(",", ":")))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), CLOSE_TIMEOUT_S)
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.reader


def new_session() -> aiohttp.ClientSession:
    # limit=0: websockets count against the connector's limit, and we hold thousands.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


async def open_socket(session, target: Target, user_id: int, token: str, conversation=None):
    headers = {"Origin": ORIGIN}
    if not target.reference:
        headers["Authorization"] = f"Token {token}"
    ws = await session.ws_connect(
        target.url(user_id, conversation),
        headers=headers,
        timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_TIMEOUT_S),
    )
    hello = await ws.receive(timeout=CONNECT_TIMEOUT_S)
    if hello.type != aiohttp.WSMsgType.TEXT or json.loads(hello.data).get("type") != "hello":
        await ws.close()
        raise ConnectionError(f"{target.label}: no hello for user {user_id}: {hello}")
    return Socket(ws, user_id)


async def open_sockets(session, target: Target, users, conversation=None) -> list[Socket]:
    """users: (user id, token) pairs; CONNECT_CONCURRENCY handshakes at a time."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(user_id, token):
        async with gate:
            return await asyncio.wait_for(
                open_socket(session, target, user_id, token, conversation), CONNECT_TIMEOUT_S
            )

    results = await asyncio.gather(*(one(u, t) for u, t in users), return_exceptions=True)
    sockets = [s for s in results if isinstance(s, Socket)]
    failures = [r for r in results if not isinstance(r, Socket)]
    if failures:
        await close_sockets(sockets)
        raise ConnectionError(f"{target.label}: {len(failures)} connects failed: {failures[0]!r}")
    return sockets


async def close_sockets(sockets: list[Socket]) -> None:
    gate = asyncio.Semaphore(200)

    async def one(socket):
        async with gate:
            await socket.close()

    await asyncio.gather(*(one(s) for s in sockets))


def percentile(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1 or pct >= 100:
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# --- 1. echo ------------------------------------------------------------------------------


@dataclass
class Totals:
    """What one scenario of one app added up to over its rounds."""

    label: str
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    done: int = 0
    errors: int = 0
    capped: int = 0

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def p(self, pct: int) -> float:
        return percentile(self.latencies, pct) * 1000


def _answer_pong(socket: Socket, frame: dict) -> None:
    if frame.get("type") == "pong":
        socket.resolve(("pong", frame.get("ref")), None)


async def echo_run(sockets: list[Socket], per_socket: int, cap_s: float, totals: Totals):
    """Each socket: ping, wait for its pong, again; per_socket times or until the cap."""
    deadline = time.monotonic() + cap_s
    latencies: list[float] = []
    errors = 0

    async def one(socket: Socket, base: int):
        nonlocal errors
        socket.handler = _answer_pong
        for n in range(base, base + per_socket):
            if time.monotonic() > deadline:
                return
            waiter = socket.expect(("pong", n))
            start = time.perf_counter()
            try:
                await socket.send({"type": "ping", "ref": n})
                await asyncio.wait_for(waiter, FRAME_TIMEOUT_S)
            except (TimeoutError, ConnectionError, aiohttp.ClientError):
                errors += 1
                return
            latencies.append(time.perf_counter() - start)

    base = totals.done + totals.errors
    started = time.perf_counter()
    await asyncio.gather(*(one(s, base) for s in sockets))
    totals.elapsed += time.perf_counter() - started
    totals.latencies += latencies
    totals.done += len(latencies)
    totals.errors += errors
    totals.capped += len(latencies) < per_socket * len(sockets)


# --- 2. fan-out -----------------------------------------------------------------------------


@dataclass
class FanOutResult:
    label: str
    rate: float
    members: int
    sent: int = 0
    expected: int = 0
    delivered: int = 0
    latencies: list[float] = field(default_factory=list)
    first_send: float = 0.0
    last_send: float = 0.0
    last_delivery: float = 0.0
    acks: int = 0
    errors: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.delivered == self.expected and not self.errors

    @property
    def deliveries_per_s(self) -> float:
        span = self.last_delivery - self.first_send
        return self.delivered / span if span > 0 else 0.0

    def p(self, pct: int) -> float:
        return percentile(self.latencies, pct) * 1000


class FanOut:
    """Members' sockets of one conversation; the first one sends at a fixed rate and every
    socket (the sender's too) counts the chat.message frames it gets and their delay."""

    def __init__(self, target: Target, sockets: list[Socket], conversation: int):
        self.target, self.sockets, self.conversation = target, sockets, conversation
        self.result: FanOutResult | None = None
        self.tag = ""
        self.sent_at: dict[int, float] = {}
        self.stray = 0
        self.last_frame = time.monotonic()
        self.runs = 0
        for socket in sockets:
            socket.handler = self.on_frame

    def on_frame(self, socket: Socket, frame: dict) -> None:
        now = time.monotonic()
        self.last_frame = now
        kind = frame.get("type")
        result = self.result
        if kind == "chat.message":
            parts = frame["message"]["body"].split()
            if result is None or len(parts) != 3 or parts[1] != self.tag:
                self.stray += 1
                return
            result.delivered += 1
            result.latencies.append(now - self.sent_at[int(parts[2])])
            result.last_delivery = now
        elif kind == "ack" and result is not None:
            result.acks += 1
        elif kind == "error" and result is not None:
            result.errors.append(frame)

    async def run(self, rate: float, seconds: float, drain_s: float, run_id: str) -> FanOutResult:
        self.runs += 1
        # Unique per run: the project answers a client id it has seen with the old message.
        self.tag = f"{run_id}-{uuid.uuid4().hex[:8]}-{self.runs}"
        self.sent_at = {}
        count = max(1, round(rate * seconds))
        members = len(self.sockets)
        result = FanOutResult(self.target.label, rate, members, expected=count * members)
        self.result = result
        sender = self.sockets[0]
        start = time.monotonic()
        result.first_send = start
        for n in range(count):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.sent_at[n] = time.monotonic()
            await sender.send(
                {
                    "type": "send",
                    "conversation": self.conversation,
                    "body": f"bench {self.tag} {n}",
                    "client_id": f"{self.tag}-{n}",
                }
            )
            result.sent += 1
        result.last_send = time.monotonic()
        deadline = result.last_send + drain_s
        while result.delivered < result.expected and time.monotonic() < deadline:
            if any(socket.closed for socket in self.sockets):
                result.errors.append("a socket closed")
                break
            await asyncio.sleep(0.05)
        self.result = None
        return result

    async def settle(self, quiet_s: float = 1.0, cap_s: float = 60.0) -> None:
        """After an overloaded run: wait until the server has sent what it still held."""
        deadline = time.monotonic() + cap_s
        while time.monotonic() < deadline and time.monotonic() - self.last_frame < quiet_s:
            await asyncio.sleep(0.1)


# --- 3. send path ---------------------------------------------------------------------------


def _answer_ack(socket: Socket, frame: dict) -> None:
    kind = frame.get("type")
    if kind == "ack":
        socket.resolve(("ack", frame.get("client_id")), frame)
    elif kind == "error":
        socket.resolve(("ack", frame.get("ref")), frame)


async def send_run(
    target: Target,
    senders: list[tuple[Socket, int]],
    per_socket: int,
    cap_s: float,
    run_id: str,
    totals: Totals,
) -> None:
    """Each (socket, conversation): send a message, wait for its ack, again."""
    deadline = time.monotonic() + cap_s
    latencies: list[float] = []
    errors = 0
    base = totals.done + totals.errors

    async def one(socket: Socket, conversation: int):
        nonlocal errors
        socket.handler = _answer_ack
        for n in range(base, base + per_socket):
            if time.monotonic() > deadline:
                return
            client_id = f"{run_id}-{target.store_type}-{n}"
            waiter = socket.expect(("ack", client_id))
            start = time.perf_counter()
            try:
                await socket.send(
                    {
                        "type": target.store_type,
                        "conversation": conversation,
                        "body": f"Hallo, Nachricht {n}",
                        "client_id": client_id,
                        "ref": client_id,
                    }
                )
                frame = await asyncio.wait_for(waiter, FRAME_TIMEOUT_S)
            except (TimeoutError, ConnectionError, aiohttp.ClientError):
                errors += 1
                return
            if frame.get("type") != "ack":
                errors += 1
                if errors == 1:
                    print(f"  {target.label}: {frame}")
                continue
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(one(socket, conversation) for socket, conversation in senders))
    totals.elapsed += time.perf_counter() - started
    totals.latencies += latencies
    totals.done += len(latencies)
    totals.errors += errors
    totals.capped += len(latencies) + errors < per_socket * len(senders)
