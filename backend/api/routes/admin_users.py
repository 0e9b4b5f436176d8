"""The administrator's Users page: list, create directly, make or unmake administrator, disable
or enable, and password reset links. Administrators only (others 403, anonymous 401)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, status

from backend.api.deps import AdminUser, SessionDep
from backend.schemas.admin_users import (
    PasswordResetCreated,
    UserAdminPublic,
    UserAdminUpdate,
    UserCreate,
    UsersAdminPublic,
)
from backend.services import admin_users as service
from backend.services import password_resets
from backend.settings import settings

router = APIRouter(prefix="/admin/users", tags=["admin-users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The account's user id.")]


@router.get("", response_model=UsersAdminPublic)
def read_users(session: SessionDep, _admin: AdminUser) -> UsersAdminPublic:
    """Every account, with its state and last sign-in."""
    users = [UserAdminPublic.model_validate(u) for u in service.list_users(session)]
    return UsersAdminPublic(data=users, count=len(users))


@router.post(
    "",
    response_model=UserAdminPublic,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The username or email address is taken."}},
)
def create_user(session: SessionDep, _admin: AdminUser, user_in: UserCreate) -> UserAdminPublic:
    """Create an account directly, with a password to hand to its user."""
    user = service.create_user(
        session, user_in.username, user_in.email, user_in.password, is_admin=user_in.is_admin
    )
    return UserAdminPublic.model_validate(user)


@router.patch(
    "/{user_id}",
    response_model=UserAdminPublic,
    responses={409: {"description": "The last active administrator, or yourself, would be lost."}},
)
def update_user(
    session: SessionDep, admin: AdminUser, user_id: UserId, update: UserAdminUpdate
) -> UserAdminPublic:
    """Make or unmake administrator; disable (signs the account out everywhere) or enable."""
    user = service.get_user(session, user_id)
    service.update_user(
        session, admin, user, is_admin=update.is_admin, is_disabled=update.is_disabled
    )
    return UserAdminPublic.model_validate(user)


@router.post(
    "/{user_id}/password-reset",
    response_model=PasswordResetCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_password_reset(
    session: SessionDep, admin: AdminUser, user_id: UserId
) -> PasswordResetCreated:
    """A single-use, expiring link that lets the user set a new password; shown only now (there
    is no e-mail: pass it on yourself). Earlier unused links of the user stop working."""
    user = service.get_user(session, user_id)
    lifetime = timedelta(hours=settings.password_reset_lifetime_hours)
    token, row = password_resets.create_reset(session, user, created_by=admin, lifetime=lifetime)
    return PasswordResetCreated(
        token=token, path=password_resets.reset_path(token), expires_at=row.expires_at
    )
