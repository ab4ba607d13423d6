"""Delivery client against a real HTTP(S) receiver on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook

from bhlink.events.delivery_client import (
    RESPONSE_EXCERPT_BYTES,
    DeliveryErrorKind,
    deliver,
)
from bhlink.events.egress import EgressPolicy, RefusalReason
from bhlink.events.retry_policy import DecisionKind, next_attempt
from bhlink.events.signing import build_headers, generate_secret

from .conftest import BIG_BODY, Receiver

DEV = EgressPolicy(development_mode=True)
BODY = json.dumps({"type": "webhook.test", "data": {"endpointId": "whk_01"}}).encode()
JSON = {"Content-Type": "application/json"}


def resolve_to(*addresses: str) -> Callable[[str, int], Sequence[str]]:
    def resolver(host: str, port: int) -> Sequence[str]:
        return list(addresses)

    return resolver


class TestResponses:
    def test_2xx_is_delivered_and_the_receiver_can_verify_it(self, receiver: Receiver) -> None:
        secret = generate_secret()
        headers = {**JSON, **build_headers("msg_e2e", int(time.time()), BODY, [secret])}
        outcome = deliver(receiver.url("/ok"), BODY, headers, policy=DEV)

        assert outcome.succeeded
        assert outcome.status_code == 200
        assert outcome.error is None
        assert outcome.response_excerpt == "received"
        assert outcome.latency_ms >= 0
        assert outcome.connected_address == "127.0.0.1"
        [seen] = receiver.requests
        assert seen.body == BODY
        assert seen.headers["content-type"] == "application/json"
        assert seen.headers["user-agent"].startswith("bhlink-webhooks/")
        assert Webhook(secret).verify(seen.body, seen.headers) == json.loads(BODY)

    def test_204_with_empty_body(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/no-content"), BODY, JSON, policy=DEV)
        assert outcome.succeeded
        assert outcome.response_excerpt == ""

    def test_500_is_a_failure_to_retry(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/error"), BODY, JSON, policy=DEV)
        assert not outcome.succeeded
        assert outcome.status_code == 500
        assert outcome.error is None
        assert outcome.response_excerpt == "boom"
        now = datetime(2025, 1, 1, tzinfo=UTC)
        assert next_attempt(1, now, outcome.status_code, outcome.retry_after).kind is (
            DecisionKind.RETRY
        )

    def test_410_disables_the_endpoint(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/gone"), BODY, JSON, policy=DEV)
        assert outcome.status_code == 410
        decision = next_attempt(3, datetime.now(UTC), outcome.status_code, outcome.retry_after)
        assert decision.kind is DecisionKind.DISABLE_ENDPOINT

    def test_429_retry_after_is_captured_and_honoured(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/rate"), BODY, JSON, policy=DEV)
        assert outcome.status_code == 429
        assert outcome.retry_after == "120"
        now = datetime(2025, 1, 1, tzinfo=UTC)
        decision = next_attempt(1, now, outcome.status_code, outcome.retry_after)
        assert decision.retry_at == now + timedelta(seconds=120)

    def test_slow_receiver_times_out(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/slow"), BODY, JSON, policy=DEV, timeout=0.2)
        assert not outcome.succeeded
        assert outcome.status_code is None
        assert outcome.error is DeliveryErrorKind.TIMEOUT
        assert outcome.error_detail == "ReadTimeout"

    def test_redirect_is_not_followed(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/redirect"), BODY, JSON, policy=DEV)
        assert not outcome.succeeded
        assert outcome.status_code == 302
        assert outcome.error is DeliveryErrorKind.REDIRECT_NOT_FOLLOWED
        assert [request.path for request in receiver.requests] == ["/redirect"]

    def test_excerpt_is_bounded_to_one_kib_and_cut_on_a_character(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/big"), BODY, JSON, policy=DEV)
        assert outcome.succeeded
        assert len(outcome.response_excerpt.encode("utf-8")) <= RESPONSE_EXCERPT_BYTES
        assert outcome.response_excerpt == BIG_BODY[:1023].decode()
        assert "\ufffd" not in outcome.response_excerpt

    def test_excerpt_uses_the_declared_charset(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/latin1"), BODY, JSON, policy=DEV)
        assert outcome.response_excerpt == "café"


class TestRefusalsAndNetworkErrors:
    def test_loopback_target_is_refused_outside_development(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/ok", scheme="https"), BODY, JSON, policy=EgressPolicy())
        assert outcome.error is DeliveryErrorKind.EGRESS_REFUSED
        assert outcome.error_detail == RefusalReason.LOOPBACK_ADDRESS.value
        assert outcome.status_code is None
        assert outcome.connected_address is None
        assert receiver.requests == []

    def test_name_resolving_to_a_private_address_is_refused(self) -> None:
        outcome = deliver(
            "https://hooks.example.com/x", BODY, JSON, resolver=resolve_to("192.168.1.20")
        )
        assert outcome.error is DeliveryErrorKind.EGRESS_REFUSED
        assert outcome.error_detail == "private_address"

    def test_plain_http_is_refused_by_default(self, receiver: Receiver) -> None:
        outcome = deliver(receiver.url("/ok"), BODY, JSON)
        assert outcome.error is DeliveryErrorKind.EGRESS_REFUSED
        assert outcome.error_detail == "scheme_not_allowed"
        assert receiver.requests == []

    def test_dns_failure_is_reported_as_transient(self) -> None:
        def failing(host: str, port: int) -> Sequence[str]:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

        outcome = deliver("https://hooks.example.com/", BODY, JSON, resolver=failing)
        assert outcome.error is DeliveryErrorKind.DNS_ERROR
        assert outcome.error_detail == "dns_resolution_failed"

    def test_refused_connection(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # Nothing listens on the port any more.
        outcome = deliver(f"http://127.0.0.1:{port}/", BODY, JSON, policy=DEV)
        assert outcome.error is DeliveryErrorKind.CONNECT_ERROR
        assert outcome.status_code is None
        assert outcome.connected_address == "127.0.0.1"


class TestPinnedAddress:
    def test_connects_to_the_vetted_ip_with_the_original_host_header(
        self, receiver: Receiver
    ) -> None:
        url = receiver.url("/ok?from=test", host="hooks.example.test")
        outcome = deliver(
            url,
            BODY,
            {**JSON, "Host": "evil.example"},
            policy=DEV,
            resolver=resolve_to("127.0.0.1"),
        )
        assert outcome.succeeded
        [seen] = receiver.requests
        assert seen.headers["host"] == f"hooks.example.test:{receiver.port}"
        assert seen.path == "/ok?from=test"

    def test_resolver_is_asked_once_and_its_answer_is_used(self) -> None:
        questions: list[str] = []
        answers = iter(["93.184.215.14", "10.0.0.1"])  # a rebinding resolver

        def rebinding(host: str, port: int) -> Sequence[str]:
            questions.append(host)
            return [next(answers)]

        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(202)

        outcome = deliver(
            "https://hooks.example.com/in",
            BODY,
            JSON,
            resolver=rebinding,
            transport=httpx.MockTransport(handler),
        )
        assert outcome.status_code == 202
        assert questions == ["hooks.example.com"]
        [request] = seen
        assert request.url.host == "93.184.215.14"
        assert request.headers["host"] == "hooks.example.com"
        assert request.extensions["sni_hostname"] == "hooks.example.com"
        assert request.headers["accept-encoding"] == "identity"

    def test_mock_transport_redirect_is_not_followed(self) -> None:
        calls: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(str(request.url))
            return httpx.Response(307, headers={"Location": "http://169.254.169.254/latest"})

        outcome = deliver(
            "https://hooks.example.com/",
            BODY,
            JSON,
            resolver=resolve_to("93.184.215.14"),
            transport=httpx.MockTransport(handler),
        )
        assert outcome.error is DeliveryErrorKind.REDIRECT_NOT_FOLLOWED
        assert len(calls) == 1


def make_certificate(directory: Path, name: str) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for ``name``; returns cert path, key path and PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_path = directory / f"{name}.crt"
    key_path = directory / f"{name}.key"
    cert_path.write_bytes(pem)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, pem


class TestTls:
    def _server_context(self, tmp_path: Path, name: str) -> tuple[ssl.SSLContext, bytes]:
        cert_path, key_path, pem = make_certificate(tmp_path, name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context, pem

    def test_sni_and_certificate_use_the_original_name(
        self, tmp_path: Path, tls_server_factory: Callable[[ssl.SSLContext], Receiver]
    ) -> None:
        context, pem = self._server_context(tmp_path, "hooks.example.test")
        receiver = tls_server_factory(context)
        trust = ssl.create_default_context(cadata=pem.decode())
        outcome = deliver(
            receiver.url("/ok", host="hooks.example.test", scheme="https"),
            BODY,
            JSON,
            policy=DEV,
            resolver=resolve_to("127.0.0.1"),
            ssl_context=trust,
        )
        assert outcome.succeeded, outcome
        assert receiver.sni_names == ["hooks.example.test"]
        [seen] = receiver.requests
        assert seen.headers["host"] == f"hooks.example.test:{receiver.port}"

    def test_certificate_for_another_name_is_a_tls_error(
        self, tmp_path: Path, tls_server_factory: Callable[[ssl.SSLContext], Receiver]
    ) -> None:
        context, pem = self._server_context(tmp_path, "other.example.test")
        receiver = tls_server_factory(context)
        trust = ssl.create_default_context(cadata=pem.decode())
        outcome = deliver(
            receiver.url("/ok", host="hooks.example.test", scheme="https"),
            BODY,
            JSON,
            policy=DEV,
            resolver=resolve_to("127.0.0.1"),
            ssl_context=trust,
        )
        assert outcome.error is DeliveryErrorKind.TLS_ERROR
        assert receiver.requests == []


def test_addresses_in_outcomes_are_plain_ip_text(receiver: Receiver) -> None:
    outcome = deliver(receiver.url("/ok"), BODY, JSON, policy=DEV)
    assert outcome.connected_address is not None
    assert ipaddress.ip_address(outcome.connected_address).is_loopback
