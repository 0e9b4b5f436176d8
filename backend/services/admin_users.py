"""What an administrator does to accounts: list, create directly, make or unmake administrator,
disable or enable. The server always keeps an active administrator, and nobody disables
themselves; disabling an account ends its sessions and revokes its bearer tokens."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import User
from backend.services import accounts
from backend.services.errors import Conflict, NotFound


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def create_user(
    session: Session, username: str, email: str, password: str, *, is_admin: bool
) -> User:
    user = accounts.create_user(session, username, email, password, is_admin=is_admin)
    session.commit()
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.is_admin, ~User.is_disabled)
    return session.scalar(query) or 0


def update_user(
    session: Session,
    acting: User,
    user: User,
    *,
    is_admin: bool | None = None,
    is_disabled: bool | None = None,
) -> User:
    """Change an account's administrator flag or disabled state (None: leave as is)."""
    if is_disabled and user.id == acting.id:
        raise Conflict("you cannot disable your own account; another administrator can")
    loses_admin = user.is_admin and not user.is_disabled and (is_admin is False or bool(is_disabled))
    if loses_admin and _active_admins(session) <= 1:
        raise Conflict(
            f"{user.username} is the last active administrator; make another account "
            f"administrator first"
        )
    if is_admin is not None:
        user.is_admin = is_admin
    if is_disabled is not None and is_disabled != user.is_disabled:
        user.is_disabled = is_disabled
        if is_disabled:
            accounts.revoke_credentials(session, user)
    session.commit()
    return user
