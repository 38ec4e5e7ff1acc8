"""The fake push service of push_receiver.py: it takes what pywebpush sends, refuses what a
real push service refuses, and answers as scripted."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException, webpush

from tests.notifications.push_receiver import (
    SAMPLE_EVERY,
    PushReceiver,
    b64url_encode,
    bench_rule,
)

SUB = "mailto:test@example.org"
STANDALONE_ARGS = ["--port", "0", "--verify", "sample", "--rule", "bench"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver():
    with PushReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def vapid() -> Vapid02:
    key = Vapid02()
    key.generate_keys()
    return key


def _public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(raw)


def _push(sub: dict, vapid, data: str = '{"n": 1}', **kwargs) -> requests.Response:
    """webpush's response, also when it raises on a status above 202."""
    kwargs.setdefault("vapid_claims", {"sub": SUB})
    kwargs.setdefault("ttl", 60)
    try:
        return webpush(
            subscription_info=sub,
            data=data,
            vapid_private_key=vapid,
            content_encoding="aes128gcm",
            timeout=5,
            **kwargs,
        )
    except WebPushException as error:
        assert error.response is not None, error
        return error.response


def _jwt(claims: dict, key: ec.EllipticCurvePrivateKey, header: dict | None = None) -> str:
    """A JWS compact token signed ES256 with a raw r||s signature, whatever it claims."""
    header = header or {"typ": "JWT", "alg": "ES256"}
    signed = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    r, s = decode_dss_signature(key.sign(signed.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signed}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _good_claims(receiver: PushReceiver) -> dict:
    return {"aud": receiver.origin, "exp": int(time.time()) + 3600, "sub": SUB}


def _raw_push(sub: dict, headers: dict, body: bytes | None = None) -> requests.Response:
    body = WebPusher(sub).encode(b'{"n": 1}')["body"] if body is None else body
    return requests.post(sub["endpoint"], data=body, headers=headers, timeout=5)


def _headers(jwt: str, key: str) -> dict:
    return {
        "Authorization": f"vapid t={jwt}, k={key}",
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
    }


# --- what a real sender sends ---


@pytest.mark.parametrize("key_form", ["Vapid02", "raw base64url"])
def test_valid_push_is_answered_201_and_decrypts(receiver, vapid, key_form):
    key = vapid
    if key_form == "raw base64url":
        key = b64url_encode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    sub = receiver.subscription()
    sent = {"title": "Rasenmäher", "url": "/posts/7/"}

    response = _push(
        sub, key, json.dumps(sent), ttl=90, headers={"Urgency": "high", "Topic": "post-7"}
    )

    assert response.status_code == 201, response.text
    assert response.headers["Location"].startswith(f"{receiver.origin}/message/")
    (delivery,) = receiver.wait_for_deliveries(1)
    assert delivery.json == sent
    assert (delivery.ttl, delivery.urgency, delivery.topic) == (90, "high", "post-7")
    assert (delivery.endpoint, delivery.status, delivery.verified) == (sub["endpoint"], 201, True)
    assert delivery.vapid_key == _public_key_b64(vapid.private_key)
    assert delivery.vapid_claims["aud"] == receiver.origin
    assert delivery.vapid_claims["sub"] == SUB
    assert receiver.rejected == []
    assert receiver.counts == {201: 1}


def test_subscription_looks_like_a_browsers(receiver):
    sub = receiver.subscription(token="abc")
    assert sub["endpoint"] == f"{receiver.origin}/push/abc"
    assert len(sub["keys"]["p256dh"]) == 87 and "=" not in sub["keys"]["p256dh"]
    assert len(sub["keys"]["auth"]) == 22 and "=" not in sub["keys"]["auth"]
    with pytest.raises(ValueError, match="taken"):
        receiver.subscription(token="abc")


def test_a_push_without_payload_is_delivered(receiver, vapid):
    sub = receiver.subscription()
    assert _push(sub, vapid, data=None).status_code == 201
    (delivery,) = receiver.wait_for_deliveries(1)
    assert delivery.payload == b"" and delivery.json is None


def test_concurrent_pushes_are_all_counted(receiver, vapid):
    subs = [receiver.subscription() for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: _push(subs[i % 8], vapid).status_code, range(40)))
    assert statuses == [201] * 40
    assert len(receiver.wait_for_deliveries(40)) == 40


def test_closing_ends_kept_alive_connections(vapid):
    session = requests.Session()
    with PushReceiver() as receiver:
        sub = receiver.subscription()
        assert _push(sub, vapid, requests_session=session).status_code == 201
    with pytest.raises(requests.ConnectionError):
        _push(sub, vapid, requests_session=session)


# --- what a push service refuses ---


def test_jwt_signed_by_another_key_than_k_is_rejected(receiver, vapid):
    sub = receiver.subscription()
    other = ec.generate_private_key(ec.SECP256R1())
    jwt = _jwt(_good_claims(receiver), other)

    response = _raw_push(sub, _headers(jwt, _public_key_b64(vapid.private_key)))

    assert response.status_code == 403
    assert receiver.rejected == [(sub["endpoint"], "vapid: JWT signature does not verify with k")]
    assert receiver.requests == [] and receiver.deliveries == []


def test_a_hand_made_jwt_with_good_claims_is_accepted(receiver):
    """The control for the forged cases: the forging helpers make valid pushes."""
    sub = receiver.subscription()
    key = ec.generate_private_key(ec.SECP256R1())
    response = _raw_push(sub, _headers(_jwt(_good_claims(receiver), key), _public_key_b64(key)))
    assert response.status_code == 201, response.text


def test_wrong_aud_is_rejected(receiver, vapid):
    sub = receiver.subscription()
    response = _push(sub, vapid, vapid_claims={"sub": SUB, "aud": "https://push.example.net"})
    assert response.status_code == 403
    ((endpoint, reason),) = receiver.rejected
    assert endpoint == sub["endpoint"] and "aud" in reason
    assert receiver.deliveries == []


def test_exp_more_than_a_day_ahead_is_rejected(receiver, vapid):
    sub = receiver.subscription()
    claims = {"sub": SUB, "exp": int(time.time()) + 25 * 3600}
    assert _push(sub, vapid, vapid_claims=claims).status_code == 403
    assert receiver.rejected == [(sub["endpoint"], "vapid: exp is more than 24 h ahead")]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exp": int(time.time()) - 10}, "exp has passed"),
        ({"exp": None}, "exp is missing"),
        ({"sub": "test@example.org"}, "sub is not a mailto: or https: URI"),
        ({"header": {"typ": "JWT", "alg": "ES384"}}, "alg is not ES256"),
    ],
)
def test_bad_jwt_claims_are_rejected(receiver, change, reason):
    sub = receiver.subscription()
    key = ec.generate_private_key(ec.SECP256R1())
    change = dict(change)
    header = change.pop("header", None)
    claims = {k: v for k, v in {**_good_claims(receiver), **change}.items() if v is not None}

    response = _raw_push(sub, _headers(_jwt(claims, key, header), _public_key_b64(key)))

    assert response.status_code == 403
    ((_, got),) = receiver.rejected
    assert reason in got


def test_body_encrypted_for_another_subscription_is_rejected(receiver, vapid):
    sub, other = receiver.subscription(), receiver.subscription()
    response = _push({"endpoint": sub["endpoint"], "keys": other["keys"]}, vapid)
    assert response.status_code == 400
    ((endpoint, reason),) = receiver.rejected
    assert endpoint == sub["endpoint"] and reason.startswith("aes128gcm: does not decrypt")
    assert receiver.deliveries == []


@pytest.mark.parametrize(
    ("edit", "status", "reason"),
    [
        ({"Authorization": None}, 401, "no Authorization"),
        ({"Authorization": "WebPush abc"}, 401, "no Authorization"),
        ({"Authorization": "vapid t=abc"}, 403, "lacks t= or k="),
        ({"TTL": None}, 400, "TTL"),
        ({"TTL": "-1"}, 400, "TTL"),
        ({"Content-Encoding": "aesgcm"}, 400, "Content-Encoding"),
        ({"Urgency": "urgent"}, 400, "Urgency"),
        ({"Topic": "a" * 33}, 400, "Topic"),
    ],
)
def test_bad_push_headers_are_rejected(receiver, edit, status, reason):
    sub = receiver.subscription()
    key = ec.generate_private_key(ec.SECP256R1())
    headers = _headers(_jwt(_good_claims(receiver), key), _public_key_b64(key))
    headers = {k: v for k, v in {**headers, **edit}.items() if v is not None}

    response = _raw_push(sub, headers)

    assert response.status_code == status
    ((_, got),) = receiver.rejected
    assert reason in got and reason in response.text


def test_oversized_payload_is_rejected_with_413(receiver, vapid):
    sub = receiver.subscription()
    assert _push(sub, vapid, data="x" * 4100).status_code == 413


def test_unknown_endpoint_is_404(receiver, vapid):
    sub = receiver.subscription()
    gone = {**sub, "endpoint": f"{receiver.origin}/push/nobody"}
    assert _push(gone, vapid).status_code == 404
    assert receiver.rejected == [(gone["endpoint"], "no such subscription")]


def test_expected_application_server_key_must_match(vapid):
    with PushReceiver(expected_vapid_public_key=_public_key_b64(vapid.private_key)) as receiver:
        sub = receiver.subscription()
        assert _push(sub, vapid).status_code == 201
        other = Vapid02()
        other.generate_keys()
        assert _push(sub, other).status_code == 403
        assert receiver.rejected == [
            (sub["endpoint"], "vapid: k is not the expected application server key")
        ]


# --- scripted answers ---


def test_scripted_429_then_201(receiver, vapid):
    sub = receiver.subscription()
    receiver.script(sub["endpoint"], [(429, {"Retry-After": "1"})])

    throttled = _push(sub, vapid)
    delivered = _push(sub, vapid)

    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "1")
    assert delivered.status_code == 201
    assert [r.status for r in receiver.requests] == [429, 201]
    assert len(receiver.deliveries) == 1
    assert receiver.counts == {429: 1, 201: 1}


def test_scripted_forever_410(receiver, vapid):
    sub = receiver.subscription()
    receiver.script(sub["endpoint"], [(410, {})], forever=True)

    assert [_push(sub, vapid).status_code for _ in range(3)] == [410, 410, 410]
    assert receiver.deliveries == []
    assert receiver.counts == {410: 3}
    assert receiver.attempts(sub["endpoint"].rsplit("/", 1)[1]) == 3


def test_script_answers_only_pushes_that_pass_the_checks(receiver, vapid):
    sub, other = receiver.subscription(), receiver.subscription()
    receiver.script(sub["endpoint"], [(500, {})])
    assert _push({"endpoint": sub["endpoint"], "keys": other["keys"]}, vapid).status_code == 400
    assert _push(sub, vapid).status_code == 500


def test_wait_for_raises_on_timeout_quickly(receiver):
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"1 deliveries still false after 0\.2 s"):
        receiver.wait_for_deliveries(1, timeout=0.2)
    assert time.monotonic() - started < 1.0


def test_wait_for_wakes_on_a_push_from_another_thread(receiver, vapid):
    sub = receiver.subscription()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_push, sub, vapid)
        receiver.wait_for(lambda r: r.counts[201] == 1, timeout=5)


# --- rules and sampling, for load ---


def test_rule_answers_per_token_deterministically(vapid):
    with PushReceiver(rule=bench_rule) as receiver:
        expected = {0: 201, 86: 201, 87: 410, 96: 410, 97: 404, 98: 404, 99: 429, 186: 201}
        subs = {i: receiver.subscription(token=f"s{i}") for i in expected}

        assert {i: _push(sub, vapid).status_code for i, sub in subs.items()} == expected
        assert _push(subs[99], vapid).status_code == 201  # 429 on the first attempt only
        assert _push(subs[87], vapid).status_code == 410
        assert receiver.attempts("s99") == 2


def test_custom_rule_sees_attempt_numbers(vapid):
    seen = []

    def rule(token, attempt):
        seen.append((token, attempt))
        return (500, {}) if attempt < 3 else (201, {})

    with PushReceiver(rule=rule) as receiver:
        sub = receiver.subscription(token="t")
        assert [_push(sub, vapid).status_code for _ in range(3)] == [500, 500, 201]
    assert seen == [("t", 1), ("t", 2), ("t", 3)]


def test_sample_mode_verifies_every_50th_push_but_always_checks_headers():
    with PushReceiver(verify="sample") as receiver:
        sub = receiver.subscription()
        key = ec.generate_private_key(ec.SECP256R1())
        headers = _headers(_jwt(_good_claims(receiver), key), _public_key_b64(key))
        garbage = b"\x00" * 100

        statuses = [_raw_push(sub, headers, garbage).status_code for _ in range(SAMPLE_EVERY + 1)]
        no_ttl = {k: v for k, v in headers.items() if k != "TTL"}

        assert statuses == [400] + [201] * (SAMPLE_EVERY - 1) + [400]
        assert _raw_push(sub, no_ttl, garbage).status_code == 400
        assert {d.verified for d in receiver.deliveries} == {False}
        assert receiver.deliveries[0].payload is None


def test_standalone_server_serves_subscriptions_stats_and_stops_on_sigterm(vapid):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.notifications.push_receiver", *STANDALONE_ARGS],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        origin = json.loads(process.stdout.readline())["origin"]
        subs = requests.post(f"{origin}/subscriptions?n=100&prefix=s", timeout=10).json()
        assert [s["endpoint"] for s in subs[:2]] == [f"{origin}/push/s0", f"{origin}/push/s1"]
        statuses = [_push(sub, vapid).status_code for sub in subs]
        assert statuses.count(201) == 87 and statuses.count(410) == 10
        assert statuses.count(404) == 2 and statuses[99] == 429

        stats = requests.get(f"{origin}/stats", timeout=5).json()
        assert stats["counts"] == {"201": 87, "404": 2, "410": 10, "429": 1}
        assert (stats["delivered"], stats["rejected"]) == (87, 0)
        assert requests.post(f"{origin}/subscriptions?n=1&prefix=s1", timeout=5).status_code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
