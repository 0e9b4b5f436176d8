"""Request and response models of accounts: sign-up, sign-in, password change, bearer tokens."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.schemas.common import PlainName, StrictInput, UtcDatetime

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
# Deliberately loose: one @, something on each side, no spaces. The mail server is the judge.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 256


def clean_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValueError(
            "a username has 3 to 40 characters: letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return username


def clean_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValueError("an email address looks like name@example.org")
    return email


Password = Field(min_length=PASSWORD_MIN_CHARS, max_length=PASSWORD_MAX_CHARS)


class SignUp(StrictInput):
    username: str = Field(min_length=3, max_length=40)
    email: str | None = Field(
        None,
        min_length=3,
        max_length=254,
        description="Needed without an invitation; with one, the invited address is used.",
    )
    password: str = Password
    invitation_token: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The token of an invitation link (mfi_...); needed unless sign-up is open.",
    )

    _username = field_validator("username")(clean_username)

    @field_validator("email")
    @classmethod
    def _email(cls, email: str | None) -> str | None:
        return None if email is None else clean_email(email)


class SignUpPolicyPublic(BaseModel):
    """Whether the sign-up page may be used without an invitation link."""

    policy: Literal["closed", "invite", "open"] = Field(
        description="closed: administrators invite; invite: project owners too; open: anyone."
    )
    signup_without_invitation: bool = Field(
        description="True when open, or while the server has no account (the first one becomes "
        "the administrator)."
    )


class PasswordResetIn(StrictInput):
    token: str = Field(min_length=1, max_length=100, description="From the reset link (mfr_...).")
    new_password: str = Password


class SignIn(StrictInput):
    username: str = Field(min_length=1, max_length=254, description="Username or email address.")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)


class PasswordChange(StrictInput):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)
    new_password: str = Password


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    is_admin: bool
    created_at: UtcDatetime


class SessionPublic(BaseModel):
    """The signed-in user and the CSRF token to echo in X-CSRF-Token on unsafe requests."""

    user: UserPublic
    csrf_token: str
    expires_at: UtcDatetime


class TokenCreate(StrictInput):
    name: PlainName = Field(min_length=1, max_length=100)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only now.")


class TokensPublic(BaseModel):
    data: list[TokenPublic]
    count: int
