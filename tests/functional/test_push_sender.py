"""PushSender against a local push service: real HTTP on loopback, real RFC 8291 encryption, real VAPID.

Sleeps are injected and recorded, so retry timing is asserted without waiting; the one real wait is
the socket timeout test (0.2 s).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import stat
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from typing import Any

import pytest
import urllib3
from cryptography.hazmat.primitives import serialization

from chalicelib.errors import ConfigurationError, ServiceUnavailable
from chalicelib.push.jwt import JWT_LIFETIME
from chalicelib.push.payload import build_payload
from chalicelib.push.sender import (
    DeliveryResult,
    PushSender,
    Subscription,
    audience_for,
)
from chalicelib.push.vapid import (
    SsmKeySource,
    VapidKeys,
    ensure_local_keys,
    generate_keypair,
    load_local_keys,
    main,
)
from scripts.push_service import FakePushService, Stall

SUBJECT = "mailto:push-tests@example.nhs.uk"
PAYLOAD = build_payload("patient", "msg_0001")


@pytest.fixture(scope="module")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def keys(keypair: tuple[str, str]) -> VapidKeys:
    private, public = keypair
    return VapidKeys(private=private, public=public, subject=SUBJECT)


@pytest.fixture(scope="module")
def running_service() -> Iterator[FakePushService]:
    with FakePushService() as running:  # one server per module: stopping one takes a poll interval
        yield running


@pytest.fixture
def service(running_service: FakePushService) -> FakePushService:
    running_service.reset()
    return running_service


@pytest.fixture
def subscription(service: FakePushService, keys: VapidKeys) -> Subscription:
    endpoint, p256dh, auth, _ = service.new_subscription(application_server_key=keys.public)
    return Subscription(endpoint, p256dh, auth)


class RecordingSleep:
    """Stands in for time.sleep: remembers each delay and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_sender(keys: VapidKeys, sleeps: RecordingSleep) -> Callable[..., PushSender]:
    def make(**overrides: Any) -> PushSender:
        options: dict[str, Any] = {"sleep": sleeps, "rng": lambda: 1.0, "timeout": 2.0}
        options.update(overrides)
        return PushSender(options.pop("keys", keys), **options)

    return make


# --- delivery -------------------------------------------------------------------------------------


def test_push_arrives_and_decrypts_to_the_payload(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    result = make_sender().send(subscription, PAYLOAD)

    assert result == DeliveryResult("delivered", 201, 1, None, None)
    [push] = service.wait_for(1, timeout=2)
    assert push.status == 201
    assert push.plaintext == PAYLOAD
    assert push.endpoint == subscription.endpoint
    assert push.headers["ttl"] == "3600"
    assert push.headers["urgency"] == "normal"
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["content-type"] == "application/octet-stream"


def test_vapid_jwt_names_the_origin_with_its_port_and_expires_within_a_day(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender], keys: VapidKeys
) -> None:
    make_sender().send(subscription, PAYLOAD)

    [push] = service.received
    port = subscription.endpoint.split(":")[2].split("/")[0]
    assert push.claims is not None  # the service verified the ES256 signature against k
    assert push.claims["aud"] == f"http://127.0.0.1:{port}" == service.origin
    assert push.claims["sub"] == SUBJECT
    assert time.time() + JWT_LIFETIME - 60 < push.claims["exp"] <= time.time() + JWT_LIFETIME
    assert push.headers["authorization"].startswith("vapid t=")
    assert push.headers["authorization"].endswith(f", k={keys.public}")


def test_high_urgency_and_zero_ttl_are_sent_as_asked(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    make_sender().send(subscription, PAYLOAD, ttl=0, urgency="high")

    [push] = service.received
    assert push.headers["urgency"] == "high"
    assert push.headers["ttl"] == "0"  # webpush alone would drop a ttl of 0


def test_each_message_gets_a_fresh_ephemeral_key_and_salt(
    subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    sender = make_sender()

    first, _ = sender.encrypt(subscription, PAYLOAD, ttl=60, urgency="normal")
    second, _ = sender.encrypt(subscription, PAYLOAD, ttl=60, urgency="normal")

    assert first[:16] != second[:16]  # salt
    assert first[21:86] != second[21:86]  # ephemeral ECDH public key


def test_the_jwt_is_signed_once_per_origin_and_renewed_before_it_expires(
    subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    now = [time.time()]
    sender = make_sender(clock=lambda: now[0])

    _, first = sender.encrypt(subscription, PAYLOAD, ttl=60, urgency="normal")
    _, again = sender.encrypt(subscription, PAYLOAD, ttl=60, urgency="normal")
    now[0] += JWT_LIFETIME - 30 * 60
    _, later = sender.encrypt(subscription, PAYLOAD, ttl=60, urgency="normal")

    assert first["Authorization"] == again["Authorization"]
    assert later["Authorization"] != first["Authorization"]


def test_a_payload_at_the_limit_is_delivered_whole(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    result = make_sender().send(subscription, b"x" * 3993)

    assert result.outcome == "delivered"
    assert service.received[0].plaintext == b"x" * 3993


def test_keys_can_come_from_a_callable_read_at_first_push(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender], keys: VapidKeys
) -> None:
    reads: list[int] = []

    def source() -> VapidKeys:
        reads.append(1)
        return keys

    sender = make_sender(keys=source)
    assert reads == []

    sender.send(subscription, PAYLOAD)

    assert reads == [1]
    assert service.received[0].status == 201


# --- outcomes the caller acts on ------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_reported_gone_without_retrying(
    status: int,
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [status])

    result = make_sender().send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("gone", status, 1)
    assert sleeps.calls == []


def test_an_unknown_endpoint_is_gone(
    service: FakePushService, make_sender: Callable[..., PushSender], subscription: Subscription
) -> None:
    forgotten = Subscription(service.origin + "/push/never-issued", subscription.p256dh, subscription.auth)

    assert make_sender().send(forgotten, PAYLOAD).outcome == "gone"


def test_413_from_the_push_service_is_too_large_without_retrying(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [413])

    result = make_sender().send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("too_large", 413, 1)
    assert sleeps.calls == []


def test_plaintext_over_3993_bytes_is_too_large_and_nothing_is_sent(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    result = make_sender().send(subscription, b"x" * 3994)

    assert (result.outcome, result.status, result.attempts) == ("too_large", None, 0)
    assert service.received == []


@pytest.mark.parametrize("status", [400, 401, 403])
def test_other_client_errors_fail_without_retrying(
    status: int,
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [status])

    result = make_sender().send(subscription, PAYLOAD)

    # A 403 is the push service refusing Teamline's VAPID credentials: a configuration fault, said as such.
    expected = "vapid_rejected" if status == 403 else "failed"
    assert (result.outcome, result.status, result.attempts) == (expected, status, 1)
    assert sleeps.calls == []


def test_a_push_signed_with_another_key_is_refused_by_the_service(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    private, public = generate_keypair()
    stranger = VapidKeys(private=private, public=public, subject=SUBJECT)

    result = make_sender(keys=stranger).send(subscription, PAYLOAD)

    assert (result.outcome, result.status) == ("vapid_rejected", 403)  # reported as a configuration fault
    assert service.received[0].reason == "k is not the key this subscription was made with"


def test_an_unusable_browser_key_fails_without_sending(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    broken = Subscription(subscription.endpoint, "bm90LWEta2V5", subscription.auth)

    result = make_sender().send(broken, PAYLOAD)

    assert (result.outcome, result.attempts) == ("failed", 0)
    assert service.received == []


def test_mismatched_vapid_keys_fail_loudly(
    subscription: Subscription, make_sender: Callable[..., PushSender], keys: VapidKeys
) -> None:
    _, other_public = generate_keypair()
    misconfigured = VapidKeys(private=keys.private, public=other_public, subject=SUBJECT)

    with pytest.raises(ConfigurationError):
        make_sender(keys=misconfigured).send(subscription, PAYLOAD)


# --- retries --------------------------------------------------------------------------------------


def test_429_waits_for_retry_after_seconds_then_delivers(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [429], retry_after="7")

    result = make_sender().send(subscription, PAYLOAD)

    assert sleeps.calls == [7.0]
    assert (result.outcome, result.status, result.attempts, result.retry_after) == ("delivered", 201, 2, 7.0)
    assert [push.status for push in service.received] == [429, 201]


def test_429_honours_a_retry_after_http_date(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    now = float(int(time.time()))
    service.script(subscription.endpoint, [429], retry_after=formatdate(now + 12, usegmt=True))

    result = make_sender(clock=lambda: now).send(subscription, PAYLOAD)

    assert sleeps.calls == [12.0]
    assert result.outcome == "delivered"


def test_retry_after_beyond_max_delay_is_handed_back_to_the_caller(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [429], retry_after="120")

    result = make_sender(max_delay=30.0).send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts, result.retry_after) == ("retry_exhausted", 429, 1, 120.0)
    assert sleeps.calls == []


def test_server_errors_are_retried_with_exponential_backoff_then_delivered(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [500, 500])

    result = make_sender(base_delay=0.5).send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("delivered", 201, 3)
    assert sleeps.calls == [0.5, 1.0]
    assert service.received[-1].plaintext == PAYLOAD


def test_backoff_jitter_stays_between_half_and_all_of_the_step_and_is_capped(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [503] * 5)

    make_sender(rng=lambda: 0.0, base_delay=2.0, max_delay=5.0, max_attempts=5).send(subscription, PAYLOAD)

    assert sleeps.calls == [1.0, 2.0, 2.5, 2.5]


def test_a_push_service_that_stays_down_exhausts_the_attempts(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [503] * 10)

    result = make_sender(max_attempts=4).send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("retry_exhausted", 503, 4)
    assert len(sleeps.calls) == 3
    assert len(service.received) == 4


def test_a_timeout_is_retried(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    sleeps: RecordingSleep,
) -> None:
    service.script(subscription.endpoint, [Stall(5.0)])
    started = time.monotonic()

    result = make_sender(timeout=0.2).send(subscription, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("delivered", 201, 2)
    assert len(sleeps.calls) == 1
    assert [push.status for push in service.received] == [None, 201]  # None: the stalled request
    assert time.monotonic() - started < 2


def test_a_refused_connection_is_retried_until_exhausted(
    subscription: Subscription, make_sender: Callable[..., PushSender], sleeps: RecordingSleep
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = Subscription(f"http://127.0.0.1:{port}/push/x", subscription.p256dh, subscription.auth)

    result = make_sender(max_attempts=3).send(closed, PAYLOAD)

    assert (result.outcome, result.status, result.attempts) == ("retry_exhausted", None, 3)
    assert result.detail == "no response: NewConnectionError"
    assert len(sleeps.calls) == 2


def test_redirects_are_not_followed(
    subscription: Subscription, make_sender: Callable[..., PushSender]
) -> None:
    class Redirecting:
        def request(self, *args: Any, **kwargs: Any) -> Any:
            assert kwargs["redirect"] is False and kwargs["retries"] is False
            return urllib3.HTTPResponse(body=b"", status=307, headers={"Location": "http://169.254.169.254/"})

    result = make_sender(http=Redirecting()).send(subscription, PAYLOAD)

    assert (result.outcome, result.status) == ("failed", 307)


# --- never leak -----------------------------------------------------------------------------------


def test_nothing_secret_reaches_logs_or_reprs(
    service: FakePushService,
    subscription: Subscription,
    make_sender: Callable[..., PushSender],
    keys: VapidKeys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service.script(subscription.endpoint, [429, 500, 410], retry_after="1")
    caplog.set_level(logging.DEBUG, logger="chalicelib.push")
    sender = make_sender()

    sender.send(subscription, PAYLOAD)
    sender.send(subscription, b"x" * 4000)
    text = caplog.text + repr(subscription) + repr(keys)

    assert caplog.records
    path = subscription.endpoint.split("/", 3)[3]
    for secret in (b"care team", b"msg_0001", keys.private.encode(), subscription.auth.encode(), path.encode()):
        assert secret.decode() not in text
    assert "BEGIN" not in text


def test_audience_keeps_non_default_ports_only() -> None:
    assert audience_for("https://fcm.googleapis.com/fcm/send/abc") == "https://fcm.googleapis.com"
    assert audience_for("https://push.example:443/x") == "https://push.example"
    assert audience_for("https://Push.Example:8443/x") == "https://push.example:8443"
    assert audience_for("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert audience_for("http://[::1]:9000/x") == "http://[::1]:9000"
    with pytest.raises(ValueError):
        audience_for("ftp://push.example/x")


# --- keys -----------------------------------------------------------------------------------------


class FakeAwsError(Exception):
    """Shaped like botocore's ClientError, which is all SsmKeySource looks at."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeSsm:
    """An SSM client holding one SecureString; counts reads and can fail first."""

    def __init__(self, value: str, *, fail_with: list[str] | None = None) -> None:
        self.value = value
        self.fail_with = list(fail_with or [])
        self.gets: list[dict[str, Any]] = []
        self.puts: list[dict[str, Any]] = []

    def get_parameter(self, **kwargs: Any) -> dict[str, Any]:
        self.gets.append(kwargs)
        if self.fail_with:
            raise FakeAwsError(self.fail_with.pop(0))
        return {"Parameter": {"Name": kwargs["Name"], "Type": "SecureString", "Value": self.value}}

    def put_parameter(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail_with:
            raise FakeAwsError(self.fail_with.pop(0))
        self.puts.append(kwargs)
        return {"Version": 1}


def test_ssm_key_source_reads_the_secure_string_once_and_caches_it(keys: VapidKeys) -> None:
    ssm = FakeSsm(keys.private)
    made: list[FakeSsm] = []

    def factory() -> FakeSsm:
        made.append(ssm)
        return ssm

    source = SsmKeySource("/teamline/prod/vapid-private-key", factory, keys.public, SUBJECT)
    assert ssm.gets == []  # nothing is read until a push needs it

    first, second = source.get(), source.get()

    assert first == second == keys
    assert ssm.gets == [{"Name": "/teamline/prod/vapid-private-key", "WithDecryption": True}]
    assert len(made) == 1


def test_ssm_key_source_feeds_a_sender_that_delivers(
    service: FakePushService, subscription: Subscription, make_sender: Callable[..., PushSender], keys: VapidKeys
) -> None:
    ssm = FakeSsm(keys.private)
    sender = make_sender(keys=SsmKeySource("/p", lambda: ssm, keys.public, SUBJECT).get)

    results = [sender.send(subscription, PAYLOAD).outcome for _ in range(3)]

    assert results == ["delivered"] * 3
    assert len(ssm.gets) == 1


def test_ssm_failures_are_not_cached_and_become_project_errors(keys: VapidKeys) -> None:
    ssm = FakeSsm(keys.private, fail_with=["ThrottlingException", "ParameterNotFound"])
    source = SsmKeySource("/p", lambda: ssm, keys.public, SUBJECT)

    with pytest.raises(ServiceUnavailable):
        source.get()
    with pytest.raises(ConfigurationError, match="ParameterNotFound"):
        source.get()
    assert source.get() == keys


def test_ssm_key_source_accepts_a_raw_base64url_private_key(keys: VapidKeys) -> None:
    key = serialization.load_pem_private_key(keys.private.encode(), None)
    raw = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
    ssm = FakeSsm(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())

    assert SsmKeySource("/p", lambda: ssm, keys.public, SUBJECT).get() == keys


def test_local_keys_are_created_private_and_kept_across_runs(tmp_path: Any) -> None:
    path = str(tmp_path / "vapid" / "local-keys.json")

    created = ensure_local_keys(path, SUBJECT)
    again = ensure_local_keys(path, "mailto:other@example.nhs.uk")

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert (again.private, again.public) == (created.private, created.public)
    assert again.subject == "mailto:other@example.nhs.uk"
    assert load_local_keys(path) == created
    assert os.listdir(tmp_path / "vapid") == ["local-keys.json"]  # no temporary file left behind
    with open(path) as handle:
        assert set(json.load(handle)) == {"private", "public", "subject"}


def test_vapid_subject_must_be_a_contact_uri(keys: VapidKeys) -> None:
    with pytest.raises(ValueError, match="subject"):
        VapidKeys(private=keys.private, public=keys.public, subject="team@example.nhs.uk")


def test_cli_prints_a_new_key_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 0

    out = capsys.readouterr().out
    public, private = out.split("\n", 1)
    assert len(public) == 87  # 65 bytes, unpadded base64url
    assert private.startswith("-----BEGIN PRIVATE KEY-----")


def test_cli_stores_the_private_key_in_ssm_without_printing_it(capsys: pytest.CaptureFixture[str]) -> None:
    ssm = FakeSsm("")
    regions: list[str | None] = []

    def factory(region: str | None) -> Callable[[], FakeSsm]:
        regions.append(region)
        return lambda: ssm

    code = main(["generate", "--ssm-parameter", "/teamline/prod/vapid", "--region", "eu-west-2"], client_factory=factory)

    captured = capsys.readouterr()
    assert code == 0 and regions == ["eu-west-2"]
    [put] = ssm.puts
    assert (put["Name"], put["Type"], put["Overwrite"]) == ("/teamline/prod/vapid", "SecureString", False)
    assert put["Value"].startswith("-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE" not in captured.out + captured.err
    assert len(captured.out.strip()) == 87


def test_cli_refuses_to_replace_a_key_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    ssm = FakeSsm("", fail_with=["ParameterAlreadyExists"])

    code = main(["generate", "--ssm-parameter", "/p"], client_factory=lambda region: lambda: ssm)

    assert code == 1
    assert "--overwrite" in capsys.readouterr().err
    main(["generate", "--ssm-parameter", "/p", "--overwrite"], client_factory=lambda region: lambda: ssm)
    assert ssm.puts[-1]["Overwrite"] is True
