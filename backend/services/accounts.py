"""Accounts: sign-up (the first account is the administrator), sign-in with argon2 passwords,
browser sessions, personal bearer tokens, password change."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.models import (
    ApiKey,
    Project,
    ProjectMember,
    ProjectRole,
    User,
    UserSession,
    UserToken,
)
from backend.db.models.common import utcnow
from backend.schemas.auth import SignUp
from backend.services.errors import Conflict, NotFound, ServiceError
from backend.services.secrets import (
    SESSION_PREFIX,
    TOKEN_PREFIX,
    display_prefix,
    new_secret,
    secret_hash,
)

password_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

# last_used_at is written at most this often, so that reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BadCredentials(ServiceError):
    status_code = 401


class SignUpClosed(ServiceError):
    status_code = 403


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _adopt_ownerless_projects(session: Session, admin: User) -> None:
    """Projects made before accounts existed have no owner: the first administrator gets them."""
    owned = select(ProjectMember.project_id).where(ProjectMember.role == ProjectRole.owner)
    for project_id in session.scalars(select(Project.id).where(Project.id.not_in(owned))):
        session.add(ProjectMember(project_id=project_id, user_id=admin.id, role=ProjectRole.owner))


def sign_up(session: Session, sign_up_in: SignUp, *, allow_sign_up: bool = True) -> User:
    first = not session.scalar(select(func.count()).select_from(User))
    if not first and not allow_sign_up:
        raise SignUpClosed("sign-up is closed on this server; ask an administrator for an account")
    clash = session.scalar(
        select(User).where(or_(User.username == sign_up_in.username, User.email == sign_up_in.email))
    )
    if clash is not None:
        what = "username" if clash.username == sign_up_in.username else "email address"
        raise Conflict(f"an account with this {what} already exists; sign in or choose another")
    user = User(
        username=sign_up_in.username,
        email=sign_up_in.email,
        password_hash=password_hasher.hash(sign_up_in.password),
        is_admin=first,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("an account with this username or email address already exists") from None
    if first:
        _adopt_ownerless_projects(session, user)
    session.commit()
    return user


def find_user(session: Session, username_or_email: str) -> User | None:
    name = username_or_email.strip().lower()
    return session.scalar(select(User).where(or_(User.username == name, User.email == name)))


def check_password(user: User, password: str) -> bool:
    try:
        return password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = password_hasher.hash("not-a-password-of-anyone")


def authenticate(session: Session, username_or_email: str, password: str) -> User:
    user = find_user(session, username_or_email)
    if user is None:
        try:
            password_hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise BadCredentials("unknown username or wrong password")
    if not check_password(user, password):
        raise BadCredentials("unknown username or wrong password")
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
        session.commit()
    return user


def start_session(session: Session, user: User, *, lifetime: timedelta) -> tuple[str, UserSession]:
    """A new browser session; returns (cookie token, row). Only the token's hash is stored."""
    token = new_secret(SESSION_PREFIX)
    row = UserSession(
        user_id=user.id,
        token_hash=secret_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.commit()
    return token, row


def session_for_token(session: Session, token: str) -> UserSession | None:
    """The live session of a cookie token; an expired one is deleted and None returned."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == secret_hash(token)))
    if row is None:
        return None
    if as_utc(row.expires_at) <= utcnow():
        session.delete(row)
        session.commit()
        return None
    return row


def end_session(session: Session, row: UserSession) -> None:
    session.delete(row)
    session.commit()


def change_password(
    session: Session, user: User, current_password: str, new_password: str, *, keep_session_id: int | None
) -> None:
    """Set a new password and end every other browser session of the user."""
    if not check_password(user, current_password):
        raise BadCredentials("the current password is wrong")
    user.password_hash = password_hasher.hash(new_password)
    others = select(UserSession).where(UserSession.user_id == user.id)
    if keep_session_id is not None:
        others = others.where(UserSession.id != keep_session_id)
    for row in session.scalars(others):
        session.delete(row)
    session.commit()


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(UserToken).where(UserToken.token_hash == secret_hash(token)))
    if row is None:
        return None
    touch_last_used(session, UserToken, row.id, row.last_used_at)
    return session.get(User, row.user_id)


def touch_last_used(
    session: Session,
    model: type[UserToken] | type[ApiKey],
    row_id: int,
    last_used_at: datetime | None,
) -> None:
    now = utcnow()
    if last_used_at is not None and now - as_utc(last_used_at) < LAST_USED_RESOLUTION:
        return
    session.execute(update(model).where(model.id == row_id).values(last_used_at=now))
    session.commit()


def create_token(session: Session, user: User, name: str) -> tuple[str, UserToken]:
    token = new_secret(TOKEN_PREFIX)
    row = UserToken(
        user_id=user.id, name=name, token_hash=secret_hash(token), prefix=display_prefix(token)
    )
    session.add(row)
    session.commit()
    return token, row


def list_tokens(session: Session, user: User) -> list[UserToken]:
    return list(
        session.scalars(select(UserToken).where(UserToken.user_id == user.id).order_by(UserToken.id))
    )


def revoke_token(session: Session, user: User, token_id: int) -> None:
    row = session.get(UserToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"you have no token {token_id}")
    session.delete(row)
    session.commit()
