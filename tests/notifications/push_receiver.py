"""A fake Web Push service on 127.0.0.1 for tests and benchmarks.

A browser's push subscription is an endpoint URL at its vendor's push service plus two keys.
`PushReceiver` plays that push service: `subscription()` makes a subscription the way a
browser would (a fresh P-256 key pair and a 16-byte auth secret, handed out as the
browser-format dict), keeps the private half, and checks every push POSTed to the endpoint as
a strict push service does, so a sender that passes here is a sender real browsers accept:

* RFC 8292 (VAPID): ``Authorization: vapid t=<JWT>, k=<key>``. The JWT must be ES256 (a
  ``typ`` other than ``JWT`` is refused), its raw r||s signature must verify with ``k`` (an
  uncompressed P-256 point), ``aud`` must be this receiver's origin, ``exp`` must lie in the
  future and at most 24 hours ahead, and ``sub`` must be a ``mailto:`` or ``https:`` URI. With
  ``expected_vapid_public_key``, ``k`` must also be that key. A missing or non-vapid
  Authorization is answered 401, an invalid one 403 (RFC 8292 section 4.2).
* RFC 8030 (push protocol): a ``TTL`` header holding an integer >= 0, an ``Urgency`` (if any)
  of very-low, low, normal or high, a ``Topic`` (if any) of at most 32 base64url characters,
  and a body of at most 4096 bytes (413 above that, as real services answer). A push without a
  body is valid and carries the payload ``b""``. Otherwise 400.
* RFC 8291 (message encryption): a body needs ``Content-Encoding: aes128gcm``, a single
  record whose header carries the sender's 65-byte public key, and must decrypt with the
  subscription's private key and auth secret. Otherwise 400.

An unknown endpoint is answered 404. Every refused push is kept in ``rejected`` as
``(endpoint, reason)`` and never counts as delivered. Checks come first: a scripted or
rule-made answer is only given to (and only used up by) pushes that passed them.

Each push that passed becomes a `Delivery` in ``requests``; those answered 201 are also in
``deliveries``. The answer is 201 (with a ``Location``, RFC 8030 section 5) unless
``script()`` queued other answers for the endpoint or a ``rule`` decides otherwise. Tests wait
for pushes with ``wait_for`` / ``wait_for_deliveries``, which block on a condition notified
at each request: no sleeps.

``verify="sample"`` is for load: every push still needs its Authorization (t and k), TTL,
Content-Encoding and body size, but only every 50th push (counted across all endpoints) has
its JWT verified and its body decrypted, so the receiver is not what a benchmark measures.
Unverified deliveries carry ``verified=False``, ``payload=None`` and empty claims.

Run standalone for a benchmark process::

    python -m tests.notifications.push_receiver --port 0 --verify sample --rule bench

prints one JSON line ``{"origin": ...}`` and serves until SIGTERM or SIGINT. It then also
serves ``GET /stats`` and ``POST /subscriptions?n=N&prefix=P`` (N subscriptions with tokens
P0..P{N-1}, so the keys stay here); see `bench_rule` for the answer mix. The server is the
standard library's threading HTTP/1.1 server, one thread per keep-alive connection: a few
thousand small requests a second over loopback, not the tens of thousands a real service does.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import contextlib
import json
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HOST = "127.0.0.1"
SAMPLE_EVERY = 50  # verify="sample": verify and decrypt the 1st, 51st, 101st ... push
MAX_EXP_AHEAD_S = 24 * 60 * 60  # RFC 8292 section 2: exp no more than 24 hours ahead
MAX_PAYLOAD_BYTES = 4096  # RFC 8030 section 7.2; what browsers' push services accept
MAX_REQUEST_BYTES = 1 << 20  # larger requests are refused unread and the connection closed
MAX_NEW_SUBSCRIPTIONS = 100_000  # per POST /subscriptions
URGENCIES = frozenset({"very-low", "low", "normal", "high"})  # RFC 8030 section 5.3
B64URL_RE = re.compile(r"[A-Za-z0-9_-]*=*")
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 section 5.4
TTL_RE = re.compile(r"[0-9]{1,10}")
AES128GCM_HEADER = struct.Struct("!16sIB")  # salt, record size, key id length (RFC 8188)
SENDER_KEY_BYTES = 65  # RFC 8291 section 4: the key id is the sender's uncompressed P-256 key
GCM_TAG_BYTES = 16

Answer = tuple[int, dict[str, str]]
Rule = Callable[[str, int], Answer]
Verify = bool | Literal["sample"]


class Rejected(Exception):
    """A push the receiver refuses: the status to answer and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    """One push that passed the checks, with the status it was answered."""

    endpoint: str
    token: str
    payload: bytes | None  # None only for pushes verify="sample" did not decrypt
    ttl: int
    urgency: str | None
    topic: str | None
    vapid_claims: dict[str, Any]
    vapid_key: str
    status: int
    verified: bool = True
    received_at: float = 0.0  # time.monotonic(), e.g. to check a sender honours Retry-After

    @property
    def json(self) -> Any:
        """The payload parsed as JSON, or None if there is none or it is not JSON."""
        if not self.payload:
            return None
        try:
            return json.loads(self.payload)
        except ValueError:
            return None


@dataclass
class _Subscription:
    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    attempts: int = 0
    script: collections.deque[Answer] = field(default_factory=collections.deque)
    script_forever: bool = False

    def browser_format(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url_encode(public), "auth": b64url_encode(self.auth)},
        }

    def next_scripted(self) -> Answer | None:
        if not self.script:
            return None
        if self.script_forever and len(self.script) == 1:
            return self.script[0]
        return self.script.popleft()


@dataclass(frozen=True)
class _Checked:
    """What the checks of one push found."""

    ttl: int
    urgency: str | None
    topic: str | None
    claims: dict[str, Any]
    key: str
    payload: bytes | None
    verified: bool


# --- encoding ---


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as Web Push writes keys and JWTs."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError on anything else."""
    if not B64URL_RE.fullmatch(text):
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


# --- RFC 8292: VAPID ---


def parse_vapid_authorization(value: str | None) -> tuple[str, str]:
    """The (t, k) of an ``Authorization: vapid t=..., k=...`` header."""
    scheme, _, params = (value or "").strip().partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(401, "vapid: no Authorization with the vapid scheme")
    parts: dict[str, str] = {}
    for param in params.split(","):
        name, sep, param_value = param.strip().partition("=")
        if sep:
            parts[name.strip().lower()] = param_value.strip().strip('"')
    if not parts.get("t") or not parts.get("k"):
        raise Rejected(403, "vapid: Authorization lacks t= or k=")
    return parts["t"], parts["k"]


@lru_cache(maxsize=256)
def _public_key(k: str) -> ec.EllipticCurvePublicKey:
    try:
        raw = b64url_decode(k)
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("not an uncompressed point")
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as error:
        raise Rejected(403, "vapid: k is not an uncompressed P-256 public key") from error


@lru_cache(maxsize=4096)
def _verified_claims(jwt: str, k: str) -> dict[str, Any]:
    """The claims of a JWT whose ES256 signature verifies with k. Cached: senders may reuse
    a JWT, and the same bytes verify the same way. Callers must not change the result."""
    segments = jwt.split(".")
    if len(segments) != 3:
        raise Rejected(403, "vapid: t is not a compact JWS")
    try:
        header = json.loads(b64url_decode(segments[0]))
        claims = json.loads(b64url_decode(segments[1]))
        signature = b64url_decode(segments[2])
    except ValueError as error:
        raise Rejected(403, "vapid: JWT segments are not base64url JSON") from error
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise Rejected(403, "vapid: JWT alg is not ES256")
    if str(header.get("typ", "JWT")).upper() != "JWT":
        raise Rejected(403, "vapid: JWT typ is not JWT")
    if not isinstance(claims, dict):
        raise Rejected(403, "vapid: JWT claims are not an object")
    if len(signature) != 64:
        raise Rejected(403, "vapid: JWT signature is not 64 bytes r||s")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    signed = f"{segments[0]}.{segments[1]}".encode("ascii")
    try:
        _public_key(k).verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Rejected(403, "vapid: JWT signature does not verify with k") from error
    return claims


def check_vapid_claims(claims: dict[str, Any], *, audience: str, now: float) -> None:
    """aud, exp and sub as RFC 8292 section 2 asks."""
    if claims.get("aud") != audience:
        raise Rejected(403, f"vapid: aud {claims.get('aud')!r} is not {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise Rejected(403, "vapid: exp is missing or not an integer")
    if exp <= now:
        raise Rejected(403, "vapid: exp has passed")
    if exp > now + MAX_EXP_AHEAD_S:
        raise Rejected(403, "vapid: exp is more than 24 h ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise Rejected(403, "vapid: sub is not a mailto: or https: URI")


def verify_vapid(
    jwt: str, k: str, *, audience: str, expected_key: bytes | None, now: float
) -> dict[str, Any]:
    """The JWT's claims once everything RFC 8292 asks of it holds."""
    if expected_key is not None:
        try:
            matches = b64url_decode(k) == expected_key
        except ValueError:
            matches = False
        if not matches:
            raise Rejected(403, "vapid: k is not the expected application server key")
    claims = dict(_verified_claims(jwt, k))
    check_vapid_claims(claims, audience=audience, now=now)
    return claims


# --- RFC 8030: push headers, RFC 8291: encryption ---


def check_push_headers(
    headers: dict[str, str], body_size: int
) -> tuple[int, str | None, str | None]:
    """(ttl, urgency, topic) once TTL, Urgency, Topic, Content-Encoding and size are valid."""
    ttl = headers.get("ttl", "").strip()
    if not TTL_RE.fullmatch(ttl):
        raise Rejected(400, "TTL header missing or not an integer >= 0")
    urgency = headers.get("urgency")
    if urgency is not None and urgency.strip().lower() not in URGENCIES:
        raise Rejected(400, f"Urgency {urgency!r} is not very-low, low, normal or high")
    topic = headers.get("topic")
    if topic is not None and not TOPIC_RE.fullmatch(topic):
        raise Rejected(400, "Topic is not 1 to 32 base64url characters")
    if body_size > MAX_PAYLOAD_BYTES:
        raise Rejected(413, f"body of {body_size} bytes is over {MAX_PAYLOAD_BYTES}")
    if body_size and headers.get("content-encoding", "").strip().lower() != "aes128gcm":
        raise Rejected(400, "Content-Encoding is not aes128gcm")
    return int(ttl), urgency and urgency.strip().lower(), topic


def check_single_record(body: bytes) -> None:
    """RFC 8291 section 4: one aes128gcm record, keyed by the sender's 65-byte public key."""
    if len(body) < AES128GCM_HEADER.size:
        raise Rejected(400, "aes128gcm: body shorter than its header")
    _salt, record_size, key_id_size = AES128GCM_HEADER.unpack_from(body)
    if key_id_size != SENDER_KEY_BYTES:
        raise Rejected(400, "aes128gcm: key id is not the sender's 65-byte public key")
    if len(body) - AES128GCM_HEADER.size - key_id_size > record_size:
        raise Rejected(400, "aes128gcm: more than one record")


def decrypt_payload(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """The plaintext of an RFC 8291 body for the subscription with these keys."""
    if not body:
        return b""
    check_single_record(body)
    try:
        return http_ece.decrypt(
            body, private_key=private_key, auth_secret=auth, version="aes128gcm"
        )
    except Exception as error:
        raise Rejected(400, f"aes128gcm: does not decrypt ({type(error).__name__})") from error


# --- answers ---


def bench_rule(token: str, attempt: int) -> Answer:
    """The benchmark's answer mix by the token's trailing number i (tokens P0..P{N-1}):
    87 % delivered (201), 10 % gone (410), 2 % not found (404), 1 % throttled once
    (429 with Retry-After: 1, then 201). A token without a trailing number is delivered."""
    match = re.search(r"([0-9]+)$", token)
    slot = int(match.group(1)) % 100 if match else 0
    if slot < 87:
        return 201, {}
    if slot < 97:
        return 410, {}
    if slot < 99:
        return 404, {}
    return (429, {"Retry-After": "1"}) if attempt == 1 else (201, {})


# --- the receiver ---


class PushReceiver:
    """A push service on 127.0.0.1 (see the module docstring). Use it as a context manager,
    or call start() and close()."""

    def __init__(
        self,
        *,
        verify: Verify = True,
        rule: Rule | None = None,
        expected_vapid_public_key: str | None = None,
        keep_records: bool = True,
        control_api: bool = False,
        port: int = 0,
    ) -> None:
        """verify: True checks every push; "sample" see the module docstring.
        rule(token, attempt) -> (status, headers) answers pushes no script() answers;
        attempt counts that token's checked pushes from 1.
        expected_vapid_public_key: base64url of the only application server key accepted.
        keep_records=False keeps counters only (no Delivery objects), for long loads.
        control_api serves GET /stats and POST /subscriptions (the standalone mode)."""
        if verify not in (True, "sample"):
            raise ValueError('verify must be True or "sample"')
        self.verify = verify
        self.rule = rule
        self.keep_records = keep_records
        self.control_api = control_api
        self._expected_key = (
            b64url_decode(expected_vapid_public_key) if expected_vapid_public_key else None
        )
        self._port = port
        self._condition = threading.Condition()
        self._subscriptions: dict[str, _Subscription] = {}
        self._requests: list[Delivery] = []
        self._rejected: list[tuple[str, str]] = []
        self._counts: collections.Counter[int] = collections.Counter()
        self._verified_count = 0
        self._push_count = 0
        self._message_ids = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.origin = ""

    # lifecycle

    def start(self) -> PushReceiver:
        if self._server is not None:
            raise RuntimeError("already started")
        self._server = _Server(self, self._port)
        self.origin = f"http://{HOST}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="push-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> PushReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # subscriptions and answers

    def subscription(self, token: str | None = None) -> dict[str, Any]:
        """A new browser subscription: {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}."""
        if not self.origin:
            raise RuntimeError("start the receiver first")
        token = token if token is not None else secrets.token_urlsafe(16)
        if not TOKEN_RE.fullmatch(token):
            raise ValueError(f"token {token!r} is not 1 to 128 base64url characters")
        sub = _Subscription(
            token=token,
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
        )
        with self._condition:
            if token in self._subscriptions:
                raise ValueError(f"token {token!r} is taken")
            self._subscriptions[token] = sub
        return sub.browser_format()

    def script(self, endpoint: str, responses: Iterable[Answer], *, forever: bool = False) -> None:
        """Answer the next checked pushes to endpoint with responses, in order, then 201 (or
        the rule); with forever=True the last response repeats for good. Replaces any
        earlier script for the endpoint."""
        queue = collections.deque((status, dict(headers)) for status, headers in responses)
        if forever and not queue:
            raise ValueError("forever=True needs at least one response")
        with self._condition:
            sub = self._subscriptions.get(self._token_of(endpoint))
            if sub is None:
                raise KeyError(f"no subscription has the endpoint {endpoint!r}")
            sub.script, sub.script_forever = queue, forever

    def _token_of(self, endpoint: str) -> str:
        prefix = f"{self.origin}/push/"
        return endpoint[len(prefix) :] if endpoint.startswith(prefix) else ""

    # what happened (snapshots, safe to read from any thread)

    @property
    def requests(self) -> list[Delivery]:
        """Every push that passed the checks, whatever it was answered."""
        with self._condition:
            return list(self._requests)

    @property
    def deliveries(self) -> list[Delivery]:
        """The pushes answered 201: really delivered."""
        with self._condition:
            return [request for request in self._requests if request.status == 201]

    @property
    def rejected(self) -> list[tuple[str, str]]:
        """(endpoint, reason) of every push refused by the checks or sent to no subscription."""
        with self._condition:
            return list(self._rejected)

    @property
    def counts(self) -> collections.Counter[int]:
        """How often each status was answered to a push."""
        with self._condition:
            return collections.Counter(self._counts)

    def attempts(self, token: str) -> int:
        """How many pushes to token passed the checks."""
        with self._condition:
            sub = self._subscriptions.get(token)
            return sub.attempts if sub else 0

    def stats(self) -> dict[str, Any]:
        with self._condition:
            return {
                "counts": {str(status): n for status, n in sorted(self._counts.items())},
                "delivered": self._counts[201],
                "requests": self._verified_count,
                "rejected": len(self._rejected),
                "rejections": self._rejected[:20],
                "subscriptions": len(self._subscriptions),
            }

    # waiting

    def wait_for(self, predicate: Callable[[PushReceiver], bool], timeout: float = 10.0) -> None:
        """Block until predicate(receiver) holds; AssertionError after timeout seconds. The
        predicate runs with the receiver's lock held, after each request: keep it quick."""
        with self._condition:
            if self._condition.wait_for(lambda: predicate(self), timeout=timeout):
                return
            summary = self.stats()
        name = getattr(predicate, "__name__", repr(predicate))
        raise AssertionError(
            f"push receiver: {name} still false after {timeout} s; answered "
            f"{summary['counts']}, {summary['requests']} checked pushes, "
            f"rejected {summary['rejections']}"
        )

    def wait_for_deliveries(self, n: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until n pushes were answered 201; returns the deliveries."""

        def delivered(receiver: PushReceiver) -> bool:
            return receiver._counts[201] >= n

        delivered.__name__ = f"{n} deliveries"
        self.wait_for(delivered, timeout=timeout)
        return self.deliveries

    # handling a push (called from the server's threads)

    def handle_push(
        self, token: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Check one push and decide its answer: (status, headers, body)."""
        now = time.time()
        endpoint = f"{self.origin}/push/{token}"
        with self._condition:
            sub = self._subscriptions.get(token)
            self._push_count += 1
            full = self.verify is True or (self._push_count - 1) % SAMPLE_EVERY == 0
        if sub is None:
            return self._reject(endpoint, Rejected(404, "no such subscription"))
        try:
            checked = self._check(sub, headers, body, now=now, full=full)
        except Rejected as rejection:
            return self._reject(endpoint, rejection)
        return self._answer(sub, checked)

    def _check(
        self, sub: _Subscription, headers: dict[str, str], body: bytes, *, now: float, full: bool
    ) -> _Checked:
        jwt, k = parse_vapid_authorization(headers.get("authorization"))
        ttl, urgency, topic = check_push_headers(headers, len(body))
        if not full:
            return _Checked(ttl, urgency, topic, {}, k, None, verified=False)
        claims = verify_vapid(
            jwt, k, audience=self.origin, expected_key=self._expected_key, now=now
        )
        payload = decrypt_payload(body, sub.private_key, sub.auth)
        return _Checked(ttl, urgency, topic, claims, k, payload, verified=True)

    def _answer(self, sub: _Subscription, checked: _Checked) -> tuple[int, dict[str, str], bytes]:
        with self._condition:
            sub.attempts += 1
            status, headers = sub.next_scripted() or (
                self.rule(sub.token, sub.attempts) if self.rule else (201, {})
            )
            headers = dict(headers)
            if status == 201:
                self._message_ids += 1
                headers.setdefault("Location", f"{self.origin}/message/{self._message_ids}")
            self._verified_count += 1
            self._counts[status] += 1
            if self.keep_records:
                self._requests.append(
                    Delivery(
                        endpoint=sub.endpoint,
                        token=sub.token,
                        payload=checked.payload,
                        ttl=checked.ttl,
                        urgency=checked.urgency,
                        topic=checked.topic,
                        vapid_claims=checked.claims,
                        vapid_key=checked.key,
                        status=status,
                        verified=checked.verified,
                        received_at=time.monotonic(),
                    )
                )
            self._condition.notify_all()
        return status, headers, b""

    def _reject(self, endpoint: str, rejection: Rejected) -> tuple[int, dict[str, str], bytes]:
        with self._condition:
            self._rejected.append((endpoint, rejection.reason))
            self._counts[rejection.status] += 1
            self._condition.notify_all()
        return rejection.status, {"Content-Type": "text/plain"}, rejection.reason.encode()

    # the control API (standalone mode)

    def create_subscriptions(self, n: int, prefix: str) -> list[dict[str, Any]]:
        """Subscriptions with tokens prefix0 .. prefix{n-1}."""
        if not 0 < n <= MAX_NEW_SUBSCRIPTIONS:
            raise ValueError(f"n must be 1 to {MAX_NEW_SUBSCRIPTIONS}")
        if prefix[-1:].isdigit():
            raise ValueError("the prefix must not end in a digit: rules read the token's number")
        with self._condition:
            if any(f"{prefix}{i}" in self._subscriptions for i in range(n)):
                raise ValueError(f"tokens with the prefix {prefix!r} are taken")
        return [self.subscription(token=f"{prefix}{i}") for i in range(n)]


# --- HTTP ---


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default of 5 drops connections a benchmark opens at once

    def __init__(self, receiver: PushReceiver, port: int) -> None:
        self.receiver = receiver
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """End kept-alive connections, so no handler thread outlives the receiver."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver records what matters."""

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        receiver = self.server.receiver
        url = urlsplit(self.path)
        if url.path.startswith("/push/"):
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._send(*receiver.handle_push(url.path[len("/push/") :], headers, body))
        elif receiver.control_api and url.path == "/subscriptions":
            self._create_subscriptions(parse_qs(url.query))
        else:
            self._send_text(404, "not found")

    def do_GET(self) -> None:
        receiver = self.server.receiver
        if receiver.control_api and urlsplit(self.path).path == "/stats":
            self._send_json(200, receiver.stats())
        else:
            self._send_text(404, "not found")

    def _create_subscriptions(self, query: dict[str, list[str]]) -> None:
        try:
            n = int(query.get("n", ["1"])[0])
            subscriptions = self.server.receiver.create_subscriptions(
                n, query.get("prefix", [""])[0]
            )
        except ValueError as error:
            self._send_text(400, str(error))
            return
        self._send_json(200, subscriptions)

    def _read_body(self) -> bytes | None:
        """The request body, or None once an error was answered and the connection closed."""
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length is None:
            self.close_connection = True
            self._send_text(411, "Content-Length required")
            return None
        if not length.isdigit():
            self.close_connection = True
            self._send_text(400, "bad Content-Length")
            return None
        if int(length) > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send_text(413, f"request body over {MAX_REQUEST_BYTES} bytes")
            return None
        return self.rfile.read(int(length))

    def _send_json(self, status: int, data: Any) -> None:
        body = json.dumps(data, separators=(",", ":")).encode()
        self._send(status, {"Content-Type": "application/json"}, body)

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, {"Content-Type": "text/plain"}, text.encode())

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)


# --- standalone ---


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Web Push service on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verify", choices=("full", "sample"), default="full")
    parser.add_argument("--rule", choices=("none", "bench"), default="none")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    receiver = PushReceiver(
        verify="sample" if args.verify == "sample" else True,
        rule=bench_rule if args.rule == "bench" else None,
        keep_records=False,
        control_api=True,
        port=args.port,
    )
    with receiver:
        sys.stdout.write(json.dumps({"origin": receiver.origin}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
