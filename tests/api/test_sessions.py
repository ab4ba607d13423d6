"""Sessions: the seed 003 login contract, MFA, lockout, expiry, logout and tenant isolation."""

from __future__ import annotations

from datetime import timedelta

from bhlink.domain.clock import set_clock, utcnow
from bhlink.services.crypto import totp_code
from tests.support.practice import PASSWORD, Practice


def _login(
    practice: Practice,
    username: str,
    password: str = PASSWORD,
    code: str | None = None,
    basic: str | None = None,
):
    body: dict[str, object] = {"username": username, "password": password}
    if code is not None:
        body["mfa"] = {"type": "totp", "code": code}
    return practice.client.post(
        f"{practice.base}/sessions", json=body, headers={"Authorization": basic or practice.basic()}
    )


def test_seed_003_login_returns_token_expiry_and_user(practice: Practice) -> None:
    username = practice.user("admin", totp=True)
    response = _login(practice, username, code=totp_code(practice.totp_secrets["admin"], utcnow()))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"authToken", "expiresIn", "user"}
    assert body["expiresIn"] == 3600
    assert body["user"]["id"].startswith("u_")
    assert "patients" in body["user"]["entitlements"] and "claims" in body["user"]["entitlements"]
    me = practice.client.get(
        f"{practice.base}/users/me", headers={"Authorization": f"Bearer {body['authToken']}"}
    )
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]


def test_wrong_password_is_401_problem_and_audited(practice: Practice) -> None:
    username = practice.user("front_desk")
    response = _login(practice, username, password="not the password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    audit = practice.get("/audit-events?action=session.create&outcome=failure").json()
    assert audit["total"] >= 1


def test_unknown_user_and_bad_client_secret_are_401(practice: Practice) -> None:
    assert _login(practice, "nobody@test.example").status_code == 401
    username = practice.user("biller")
    import base64

    bad = "Basic " + base64.b64encode(f"{practice.client_id}:wrong".encode()).decode()
    assert _login(practice, username, basic=bad).status_code == 401
    assert _login(practice, username, basic="Basic !!!notbase64").status_code == 401
    assert (
        practice.client.post(
            f"{practice.base}/sessions", json={"username": username, "password": PASSWORD}
        ).status_code
        == 401
    )


def test_totp_required_wrong_and_replayed_codes_are_refused(practice: Practice) -> None:
    username = practice.user("admin", totp=True)
    secret = practice.totp_secrets["admin"]
    assert _login(practice, username).status_code == 401  # no code
    assert (
        _login(
            practice,
            username,
            code="000000" if totp_code(secret, utcnow()) != "000000" else "111111",
        ).status_code
        == 401
    )
    code = totp_code(secret, utcnow())
    assert _login(practice, username, code=code).status_code == 201
    replay = _login(practice, username, code=code)
    assert replay.status_code == 401
    assert replay.json()["code"] == "mfa_replayed"


def test_malformed_mfa_is_422_naming_the_field(practice: Practice) -> None:
    username = practice.user("admin")
    response = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": username, "password": PASSWORD, "mfa": {"type": "sms", "code": "12"}},
        headers={"Authorization": practice.basic()},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"mfa.type", "mfa.code"} <= fields


def test_lockout_after_repeated_failures(practice: Practice) -> None:
    username = practice.user("readonly")
    for _ in range(5):
        assert _login(practice, username, password="wrong password!").status_code == 401
    locked = _login(practice, username)
    assert locked.status_code == 401
    assert locked.json()["code"] == "account_locked"


def test_expired_and_revoked_tokens_are_401(practice: Practice) -> None:
    headers = practice.login("admin")
    assert practice.client.get(f"{practice.base}/patients", headers=headers).status_code == 200
    start = utcnow()
    try:
        set_clock(lambda: start + timedelta(hours=2))
        expired = practice.client.get(f"{practice.base}/patients", headers=headers)
        assert expired.status_code == 401
        assert expired.headers["www-authenticate"].startswith("Bearer")
    finally:
        set_clock(None)
    fresh = practice.login("biller")
    assert practice.client.delete(f"{practice.base}/sessions", headers=fresh).status_code == 204
    assert practice.client.get(f"{practice.base}/patients", headers=fresh).status_code == 401


def test_idle_session_is_401(practice: Practice) -> None:
    headers = practice.login("front_desk")
    start = utcnow()
    try:
        set_clock(lambda: start + timedelta(minutes=45))
        assert practice.client.get(f"{practice.base}/patients", headers=headers).status_code == 401
    finally:
        set_clock(None)


def test_missing_or_garbage_token_is_401(practice: Practice) -> None:
    assert practice.client.get(f"{practice.base}/patients").status_code == 401
    assert (
        practice.client.get(
            f"{practice.base}/patients", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )


def test_token_of_another_integration_gets_404_and_no_data(
    practice: Practice, other_practice: Practice
) -> None:
    headers = practice.login("admin")
    response = practice.client.get(f"{other_practice.base}/patients", headers=headers)
    assert response.status_code == 404
    assert other_practice.patient_ids[0] not in response.text
    direct = practice.client.get(
        f"{other_practice.base}/patients/{other_practice.patient_ids[0]}", headers=headers
    )
    assert direct.status_code == 404
    own_path = practice.client.get(
        f"{practice.base}/patients/{other_practice.patient_ids[0]}", headers=headers
    )
    assert own_path.status_code == 404


def test_mfa_enrollment_required_when_integration_demands_it(practice: Practice) -> None:
    from sqlalchemy import text

    with practice.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE integrations SET require_mfa = :t WHERE id = :i"),
            {"t": True, "i": practice.integration_id},
        )
    username = practice.user("clinician")
    response = _login(practice, username)
    assert response.status_code == 401 and response.json()["code"] == "mfa_enrollment_required"


def test_totp_enrollment_over_the_api(practice: Practice) -> None:
    headers = practice.login("biller")
    started = practice.client.post(f"{practice.base}/users/me/mfa/totp", headers=headers)
    assert started.status_code == 201
    assert started.json()["otpauthUri"].startswith("otpauth://totp/")
    secret = started.json()["secret"]
    bad = practice.client.post(
        f"{practice.base}/users/me/mfa/totp/confirm", json={"code": "12345x"}, headers=headers
    )
    assert bad.status_code == 422
    ok = practice.client.post(
        f"{practice.base}/users/me/mfa/totp/confirm",
        json={"code": totp_code(secret, utcnow())},
        headers=headers,
    )
    assert ok.status_code == 204
    assert _login(practice, practice.users["biller"]).status_code == 401  # now needs a code
