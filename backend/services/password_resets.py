"""Password reset links: an administrator makes one for a user (shown once, single-use,
expiring); whoever opens it sets a new password, which signs out every session of the user and
revokes their bearer tokens. There is no e-mail sending: the administrator passes the link on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.models import PasswordReset, User
from backend.db.models.common import utcnow
from backend.services import accounts
from backend.services.errors import Gone, NotFound
from backend.services.secrets import PASSWORD_RESET_PREFIX, new_secret, secret_hash


def reset_path(token: str) -> str:
    return f"/reset-password?token={token}"


def create_reset(
    session: Session, user: User, *, created_by: User, lifetime: timedelta
) -> tuple[str, PasswordReset]:
    """A new reset link for `user`; returns (token, row). Earlier unused links of the user stop
    working, so only the last link handed out is valid."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    token = new_secret(PASSWORD_RESET_PREFIX)
    row = PasswordReset(
        user_id=user.id,
        token_hash=secret_hash(token),
        created_by_id=created_by.id,
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.commit()
    return token, row


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set the password of the link's user; every session and bearer token of theirs dies."""
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == secret_hash(token)))
    if row is None:
        raise NotFound("this password reset link is unknown; check that it was copied whole")
    if row.used_at is not None:
        raise Gone("this password reset link was already used or replaced; ask for a new one")
    if accounts.as_utc(row.expires_at) <= utcnow():
        raise Gone("this password reset link has expired; ask for a new one")
    user = session.get(User, row.user_id)
    if user is None:
        raise NotFound("the account of this password reset link no longer exists")
    used = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone("this password reset link was already used; ask for a new one")
    accounts.set_password(session, user, new_password, keep_session_id=None)
    return user
