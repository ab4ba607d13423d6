"""Login session shapes (seed 003 `POST /sessions`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bhlink.schemas.base import ApiModel, WriteModel


class MfaIn(WriteModel):
    """The second factor."""

    type: Literal["totp"]
    code: Annotated[str, Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]


class SessionCreate(WriteModel):
    """Username, password and (when enrolled) a TOTP code."""

    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    mfa: MfaIn | None = None


class SessionUser(ApiModel):
    """Who the token belongs to."""

    id: str
    name: str
    roles: list[str]
    entitlements: list[str]
    provider_id: str | None = None


class SessionRead(ApiModel):
    """The new token and its lifetime in seconds."""

    auth_token: str
    expires_in: int
    user: SessionUser


class TotpEnrollment(ApiModel):
    """A pending TOTP enrolment: scan the URI, then confirm with a code."""

    otpauth_uri: str
    secret: str


class TotpConfirm(WriteModel):
    """Confirm TOTP enrolment with a current code."""

    code: Annotated[str, Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]
