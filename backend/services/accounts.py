"""Accounts: sign-up (the first account is the administrator; later ones as MCUFORGE_SIGNUP
allows), sign-in with argon2 passwords, browser sessions, personal bearer tokens, password change.

A user's credentials die together: changing or resetting the password, or being disabled, ends
the user's other browser sessions and revokes every personal bearer token (revoke_credentials).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
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
from backend.services.errors import Conflict, InvalidRequest, NotFound, ServiceError
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


class AccountDisabled(ServiceError):
    status_code = 403


SignUpPolicy = Literal["closed", "invite", "open"]


def signup_without_invitation(session: Session, policy: SignUpPolicy) -> bool:
    """Whether a sign-up without an invitation is accepted now: the first account always is."""
    return policy == "open" or not session.scalar(select(func.count()).select_from(User))


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _adopt_ownerless_projects(session: Session, admin: User) -> None:
    """Projects made before accounts existed have no owner: the first administrator gets them."""
    owned = select(ProjectMember.project_id).where(ProjectMember.role == ProjectRole.owner)
    for project_id in session.scalars(select(Project.id).where(Project.id.not_in(owned))):
        session.add(ProjectMember(project_id=project_id, user_id=admin.id, role=ProjectRole.owner))


def sign_up(session: Session, sign_up_in: SignUp, *, policy: SignUpPolicy) -> User:
    """Create an account. With an invitation the account gets the invited e-mail address (an
    address given as well must be the same), joins the invitation's project, and the invitation
    is used up; without one, only the first account or an `open` server accepts it."""
    from backend.services import invitations

    first = not session.scalar(select(func.count()).select_from(User))
    invitation = None
    if sign_up_in.invitation_token:
        invitation = invitations.claimable(session, sign_up_in.invitation_token)
        if sign_up_in.email and sign_up_in.email != invitation.email:
            raise InvalidRequest(
                f"this invitation is for {invitation.email}; sign up with that address "
                f"(or leave the e-mail out)"
            )
        email = invitation.email
    elif not first and policy != "open":
        raise SignUpClosed(
            "sign-up on this server is by invitation only; ask an administrator"
            + (" or a project owner" if policy == "invite" else "")
            + " for an invitation link"
        )
    elif not sign_up_in.email:
        raise InvalidRequest("an e-mail address is needed to sign up without an invitation")
    else:
        email = sign_up_in.email
    user = create_user(session, sign_up_in.username, email, sign_up_in.password, is_admin=first)
    if first:
        _adopt_ownerless_projects(session, user)
    if invitation is not None:
        invitations.claim(session, invitation, user)  # rolls back the account if just used up
    session.commit()
    return user


def create_user(
    session: Session, username: str, email: str, password: str, *, is_admin: bool
) -> User:
    """A new account, flushed, not committed; 409 when the username or e-mail is taken."""
    clash = session.scalar(select(User).where(or_(User.username == username, User.email == email)))
    if clash is not None:
        what = "username" if clash.username == username else "email address"
        raise Conflict(f"an account with this {what} already exists; sign in or choose another")
    user = User(
        username=username,
        email=email,
        password_hash=password_hasher.hash(password),
        is_admin=is_admin,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("an account with this username or email address already exists") from None
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
    # Said only to someone who knows the password: it does not reveal which accounts exist.
    if user.is_disabled:
        raise AccountDisabled("this account is disabled; ask an administrator to enable it")
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
    user.last_sign_in_at = utcnow()
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


def revoke_credentials(session: Session, user: User, *, keep_session_id: int | None = None) -> None:
    """End the user's browser sessions (but `keep_session_id`) and delete every personal bearer
    token; not committed. Project API keys the user made stay: they belong to the project."""
    sessions = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session_id is not None:
        sessions = sessions.where(UserSession.id != keep_session_id)
    session.execute(sessions)
    session.execute(delete(UserToken).where(UserToken.user_id == user.id))


def set_password(session: Session, user: User, new_password: str, *, keep_session_id: int | None) -> None:
    user.password_hash = password_hasher.hash(new_password)
    revoke_credentials(session, user, keep_session_id=keep_session_id)
    session.commit()


def change_password(
    session: Session, user: User, current_password: str, new_password: str, *, keep_session_id: int | None
) -> None:
    """Set a new password, end every other browser session and revoke every bearer token."""
    if not check_password(user, current_password):
        raise BadCredentials("the current password is wrong")
    set_password(session, user, new_password, keep_session_id=keep_session_id)


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(UserToken).where(UserToken.token_hash == secret_hash(token)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.is_disabled:
        return None
    touch_last_used(session, UserToken, row.id, row.last_used_at)
    return user


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
