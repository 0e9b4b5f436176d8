"""Request and response models of the administrator's Users page."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.schemas.auth import Password, clean_email, clean_username
from backend.schemas.common import StrictInput, UtcDatetime


class UserAdminPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    is_admin: bool
    is_disabled: bool
    created_at: UtcDatetime
    last_sign_in_at: UtcDatetime | None


class UsersAdminPublic(BaseModel):
    data: list[UserAdminPublic]
    count: int


class UserCreate(StrictInput):
    """An account the administrator creates directly and hands over (with its password)."""

    username: str = Field(min_length=3, max_length=40)
    email: str = Field(min_length=3, max_length=254)
    password: str = Password
    is_admin: bool = False

    _username = field_validator("username")(clean_username)
    _email = field_validator("email")(clean_email)


class UserAdminUpdate(StrictInput):
    is_admin: bool | None = Field(None, description="Make or unmake administrator.")
    is_disabled: bool | None = Field(
        None, description="Disable (sessions and bearer tokens are revoked) or enable."
    )


class PasswordResetCreated(BaseModel):
    token: str = Field(description="The reset link's token; shown only now.")
    path: str = Field(description="The web app's page that takes the token, to put after its origin.")
    expires_at: UtcDatetime
