"""Standard Webhooks signing, checked against the reference ``standardwebhooks`` library."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bhlink.events.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    InvalidMessageError,
    InvalidSecretError,
    SignatureVerificationError,
    build_headers,
    generate_secret,
    parse_secret,
    sign,
    signature_header,
    verify,
)

# The test vector the Standard Webhooks / Svix libraries publish in their test suites.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODY = json.dumps({"type": "appointment.created", "data": {"appointmentId": "apt_01"}}).encode()


def secret_of(length: int, fill: int = 7) -> str:
    return "whsec_" + base64.b64encode(bytes([fill]) * length).decode()


def receiver_verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """Verify exactly as a receiver using the reference library would (real clock)."""
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def now_seconds() -> int:
    return int(time.time())


class TestSecrets:
    def test_generated_secret_is_whsec_base64_of_32_random_bytes(self) -> None:
        secret = generate_secret()
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
        assert parse_secret(secret) == base64.b64decode(secret.removeprefix("whsec_"))

    def test_generated_secrets_differ(self) -> None:
        assert len({generate_secret() for _ in range(20)}) == 20

    @pytest.mark.parametrize("length", [24, 32, 64])
    def test_lengths_within_24_to_64_bytes_parse(self, length: int) -> None:
        assert len(parse_secret(secret_of(length))) == length

    @pytest.mark.parametrize("length", [0, 1, 23, 65, 128])
    def test_lengths_outside_24_to_64_bytes_are_refused(self, length: int) -> None:
        with pytest.raises(InvalidSecretError, match="24-64 bytes"):
            parse_secret(secret_of(length))

    def test_unpadded_base64_is_accepted(self) -> None:
        padded = secret_of(32)
        assert padded.endswith("=")
        assert parse_secret(padded.rstrip("=")) == parse_secret(padded)

    @pytest.mark.parametrize(
        "secret",
        ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ""],
    )
    def test_missing_prefix_is_refused(self, secret: str) -> None:
        with pytest.raises(InvalidSecretError, match="whsec_"):
            parse_secret(secret)

    def test_non_base64_is_refused_without_echoing_the_secret(self) -> None:
        secret = "whsec_not*base64!!notbase64notbase64notbase64"
        with pytest.raises(InvalidSecretError) as info:
            parse_secret(secret)
        assert "not*base64" not in str(info.value)

    def test_non_string_secret_is_refused(self) -> None:
        with pytest.raises(InvalidSecretError):
            parse_secret(b"whsec_abc")  # type: ignore[arg-type]


class TestSigning:
    def test_matches_the_published_test_vector(self) -> None:
        assert sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY, VECTOR_SECRET) == VECTOR_SIGNATURE

    def test_matches_the_reference_library_for_the_same_input(self) -> None:
        secret = generate_secret()
        at = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
        expected = Webhook(secret).sign("msg_abc", at, BODY.decode())
        assert sign("msg_abc", at, BODY, secret) == expected

    def test_datetime_and_unix_seconds_sign_the_same(self) -> None:
        at = datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=UTC)
        assert sign(VECTOR_ID, at, VECTOR_BODY, VECTOR_SECRET) == VECTOR_SIGNATURE

    def test_body_is_signed_as_exact_bytes(self) -> None:
        compact = sign("msg_1", 1_700_000_000, b'{"a":1}', VECTOR_SECRET)
        spaced = sign("msg_1", 1_700_000_000, b'{"a": 1}', VECTOR_SECRET)
        assert compact != spaced

    def test_build_headers_has_exactly_the_three_standard_headers(self) -> None:
        headers = build_headers(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY, [VECTOR_SECRET])
        assert headers == {
            HEADER_ID: VECTOR_ID,
            HEADER_TIMESTAMP: str(VECTOR_TIMESTAMP),
            HEADER_SIGNATURE: VECTOR_SIGNATURE,
        }
        assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}

    def test_rotation_signs_with_every_secret_space_separated(self) -> None:
        old, new = generate_secret(), generate_secret()
        header = signature_header("msg_1", 1_700_000_000, BODY, [old, new])
        assert header.split(" ") == [
            sign("msg_1", 1_700_000_000, BODY, old),
            sign("msg_1", 1_700_000_000, BODY, new),
        ]

    @pytest.mark.parametrize("msg_id", ["", "msg.1", "msg 1", "msg\n1", "msg_é", "m" * 256])
    def test_unsafe_message_ids_are_refused(self, msg_id: str) -> None:
        with pytest.raises(InvalidMessageError, match="msg_id"):
            build_headers(msg_id, 1_700_000_000, BODY, [VECTOR_SECRET])

    @pytest.mark.parametrize("secrets", [[], (), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
    def test_secrets_must_be_a_non_empty_sequence(self, secrets: list[str]) -> None:
        with pytest.raises(InvalidMessageError, match="secrets"):
            build_headers("msg_1", 1_700_000_000, BODY, secrets)

    @pytest.mark.parametrize(
        "timestamp",
        [datetime(2025, 1, 1), -1, 1.5, "1700000000", True],
    )
    def test_bad_timestamps_are_refused(self, timestamp: object) -> None:
        with pytest.raises(InvalidMessageError, match="timestamp"):
            build_headers("msg_1", timestamp, BODY, [VECTOR_SECRET])  # type: ignore[arg-type]

    def test_text_body_is_refused(self) -> None:
        with pytest.raises(InvalidMessageError, match="bytes"):
            sign("msg_1", 1_700_000_000, "{}", VECTOR_SECRET)  # type: ignore[arg-type]

    def test_a_bad_secret_in_the_list_is_reported(self) -> None:
        with pytest.raises(InvalidSecretError):
            build_headers("msg_1", 1_700_000_000, BODY, [generate_secret(), "whsec_short"])


class TestReferenceReceiverAcceptsOurHeaders:
    def test_single_secret(self) -> None:
        secret = generate_secret()
        headers = build_headers("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now_seconds(), BODY, [secret])
        assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)

    def test_rotation_overlap_both_old_and_new_secrets_verify(self) -> None:
        old, new = generate_secret(), generate_secret()
        headers = build_headers("msg_rot", now_seconds(), BODY, [old, new])
        assert receiver_verifies(old, BODY, headers)
        assert receiver_verifies(new, BODY, headers)
        assert not receiver_verifies(generate_secret(), BODY, headers)

    def test_svix_length_secret_of_24_bytes(self) -> None:
        headers = build_headers("msg_24", now_seconds(), BODY, [VECTOR_SECRET])
        assert receiver_verifies(VECTOR_SECRET, BODY, headers)

    def test_tampered_body_fails(self) -> None:
        secret = generate_secret()
        headers = build_headers("msg_t", now_seconds(), BODY, [secret])
        assert not receiver_verifies(secret, BODY.replace(b"apt_01", b"apt_02"), headers)

    def test_replayed_under_another_id_fails(self) -> None:
        secret = generate_secret()
        headers = build_headers("msg_original", now_seconds(), BODY, [secret])
        assert not receiver_verifies(secret, BODY, {**headers, HEADER_ID: "msg_other"})

    def test_stale_timestamp_fails(self) -> None:
        secret = generate_secret()
        headers = build_headers("msg_old", now_seconds() - 3600, BODY, [secret])
        assert not receiver_verifies(secret, BODY, headers)


class TestVerify:
    NOW = 1_700_000_000

    def headers(self, secrets: list[str], timestamp: int | None = None) -> dict[str, str]:
        return build_headers("msg_v", self.NOW if timestamp is None else timestamp, BODY, secrets)

    def test_accepts_our_own_headers(self) -> None:
        secret = generate_secret()
        verify(BODY, self.headers([secret]), [secret], now=self.NOW)

    def test_accepts_reference_library_signatures(self) -> None:
        secret = generate_secret()
        at = datetime.fromtimestamp(self.NOW, tz=UTC)
        headers = {
            "Webhook-Id": "msg_lib",
            "Webhook-Timestamp": str(self.NOW),
            "Webhook-Signature": Webhook(secret).sign("msg_lib", at, BODY.decode()),
        }
        verify(BODY, headers, [secret], now=at)

    def test_any_configured_secret_may_match(self) -> None:
        old, new = generate_secret(), generate_secret()
        verify(BODY, self.headers([new]), [old, new], now=self.NOW)

    def test_default_clock_is_the_current_time(self) -> None:
        secret = generate_secret()
        verify(BODY, self.headers([secret], now_seconds()), [secret])

    def test_tolerance_edges(self) -> None:
        secret = generate_secret()
        five_minutes = 300
        verify(BODY, self.headers([secret], self.NOW - five_minutes), [secret], now=self.NOW)
        verify(BODY, self.headers([secret], self.NOW + five_minutes), [secret], now=self.NOW)
        with pytest.raises(SignatureVerificationError) as old:
            verify(BODY, self.headers([secret], self.NOW - 301), [secret], now=self.NOW)
        assert old.value.reason == "timestamp_too_old"
        with pytest.raises(SignatureVerificationError) as new:
            verify(BODY, self.headers([secret], self.NOW + 301), [secret], now=self.NOW)
        assert new.value.reason == "timestamp_too_new"

    def test_custom_tolerance(self) -> None:
        secret = generate_secret()
        headers = self.headers([secret], self.NOW - 60)
        with pytest.raises(SignatureVerificationError, match="timestamp_too_old"):
            verify(BODY, headers, [secret], now=self.NOW, tolerance=timedelta(seconds=30))

    @pytest.mark.parametrize("missing", [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE])
    def test_missing_header(self, missing: str) -> None:
        secret = generate_secret()
        headers = self.headers([secret])
        del headers[missing]
        with pytest.raises(SignatureVerificationError, match="missing_headers"):
            verify(BODY, headers, [secret], now=self.NOW)

    @pytest.mark.parametrize(
        "timestamp",
        # Fullwidth digits pass str.isdigit(), so they must be refused explicitly.
        ["abc", "-5", "1.5", "\uff11\uff17\uff10\uff10", " 1700000000"],
    )
    def test_invalid_timestamp(self, timestamp: str) -> None:
        secret = generate_secret()
        headers = {**self.headers([secret]), HEADER_TIMESTAMP: timestamp}
        with pytest.raises(SignatureVerificationError, match="invalid_timestamp"):
            verify(BODY, headers, [secret], now=self.NOW)

    def test_wrong_secret_fails(self) -> None:
        with pytest.raises(SignatureVerificationError, match="no_matching_signature"):
            verify(BODY, self.headers([generate_secret()]), [generate_secret()], now=self.NOW)

    def test_tampered_body_fails(self) -> None:
        secret = generate_secret()
        with pytest.raises(SignatureVerificationError, match="no_matching_signature"):
            verify(BODY + b" ", self.headers([secret]), [secret], now=self.NOW)

    def test_garbage_and_other_versions_are_skipped_not_fatal(self) -> None:
        secret = generate_secret()
        good = self.headers([secret])[HEADER_SIGNATURE]
        noisy = f"v1a,AAAA v1,*** nonsense v2,{good[3:]} {good}"
        verify(BODY, {**self.headers([secret]), HEADER_SIGNATURE: noisy}, [secret], now=self.NOW)

    def test_a_v1_signature_with_another_version_label_is_not_accepted(self) -> None:
        secret = generate_secret()
        relabelled = "v2," + self.headers([secret])[HEADER_SIGNATURE][3:]
        with pytest.raises(SignatureVerificationError, match="no_matching_signature"):
            verify(
                BODY,
                {**self.headers([secret]), HEADER_SIGNATURE: relabelled},
                [secret],
                now=self.NOW,
            )

    def test_non_ascii_message_id_fails(self) -> None:
        secret = generate_secret()
        headers = {**self.headers([secret]), HEADER_ID: "msg_é"}
        with pytest.raises(SignatureVerificationError, match="no_matching_signature"):
            verify(BODY, headers, [secret], now=self.NOW)

    def test_non_utf8_body_round_trips(self) -> None:
        secret = generate_secret()
        body = b"\xff\xfe\x00binary"
        headers = build_headers("msg_bin", self.NOW, body, [secret])
        verify(body, headers, [secret], now=self.NOW)

    def test_empty_secret_list_is_a_programming_error(self) -> None:
        with pytest.raises(InvalidMessageError):
            verify(BODY, self.headers([generate_secret()]), [], now=self.NOW)
