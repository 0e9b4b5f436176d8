"""Sign-up, sign-in and sign-out: browser sessions in an HTTP-only cookie plus a CSRF cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from backend.api.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentActor, SessionDep
from backend.db.models import Project, ProjectRole, User, UserSession
from backend.schemas.auth import (
    PasswordResetIn,
    SessionPublic,
    SignIn,
    SignUp,
    SignUpPolicyPublic,
    UserPublic,
)
from backend.schemas.invitations import InvitationPreview
from backend.services import accounts, invitations, password_resets
from backend.services.login_limits import LoginRateLimiter
from backend.settings import settings

router = APIRouter(prefix="/auth", tags=["auth"])

login_limiter = LoginRateLimiter(
    max_failures=settings.login_max_failures,
    window_seconds=settings.login_failure_window_seconds,
)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _start_session(session: SessionDep, user: User, response: Response) -> SessionPublic:
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    token, row = accounts.start_session(session, user, lifetime=lifetime)
    max_age = int(lifetime.total_seconds())
    secure = settings.cookies_are_secure
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, secure=secure, samesite="lax"
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE, row.csrf_token, max_age=max_age, httponly=False, secure=secure, samesite="lax"
    )
    return SessionPublic(
        user=UserPublic.model_validate(user), csrf_token=row.csrf_token, expires_at=row.expires_at
    )


@router.get("/signup-policy", response_model=SignUpPolicyPublic)
def read_signup_policy(session: SessionDep) -> SignUpPolicyPublic:
    """Whether this server accepts a sign-up without an invitation link (MCUFORGE_SIGNUP)."""
    return SignUpPolicyPublic(
        policy=settings.signup,
        signup_without_invitation=accounts.signup_without_invitation(session, settings.signup),
    )


@router.get(
    "/invitation",
    response_model=InvitationPreview,
    responses={
        404: {"description": "The invitation link is unknown."},
        410: {"description": "The invitation was used, revoked or has expired."},
    },
)
def read_invitation(
    session: SessionDep, token: Annotated[str, Query(min_length=1, max_length=100)]
) -> InvitationPreview:
    """What an invitation link invites to (the e-mail address, the project), while it is valid."""
    invitation = invitations.claimable(session, token)
    project = session.get(Project, invitation.project_id) if invitation.project_id else None
    return InvitationPreview(
        email=invitation.email,
        project_name=project.name if project else None,
        role=ProjectRole(invitation.role) if invitation.role else None,
        expires_at=invitation.expires_at,
    )


@router.post(
    "/signup",
    response_model=SessionPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "Sign-up needs an invitation on this server."},
        404: {"description": "The invitation link is unknown."},
        409: {"description": "The username or email address is taken."},
        410: {"description": "The invitation was used, revoked or has expired."},
    },
)
def sign_up(session: SessionDep, sign_up_in: SignUp, response: Response) -> SessionPublic:
    """Create an account and sign in. The first account on a server becomes its administrator;
    later ones need an invitation unless MCUFORGE_SIGNUP is `open`."""
    user = accounts.sign_up(session, sign_up_in, policy=settings.signup)
    return _start_session(session, user, response)


@router.post(
    "/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        404: {"description": "The reset link is unknown."},
        410: {"description": "The reset link was used, replaced or has expired."},
    },
)
def reset_password(session: SessionDep, reset_in: PasswordResetIn) -> Response:
    """Set a new password with an administrator's reset link; every session and bearer token of
    the account is revoked. Sign in afterwards."""
    password_resets.reset_password(session, reset_in.token, reset_in.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/signin",
    response_model=SessionPublic,
    responses={
        401: {"description": "Unknown username or wrong password."},
        403: {"description": "The account is disabled."},
        429: {"description": "Too many failed sign-ins; retry after Retry-After seconds."},
    },
)
def sign_in(
    request: Request, session: SessionDep, sign_in_in: SignIn, response: Response
) -> SessionPublic:
    """Sign in with a username (or email) and password; sets the session and CSRF cookies."""
    ip = _client_ip(request)
    retry_after = login_limiter.retry_after_seconds(sign_in_in.username, ip)
    if retry_after:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins for this username from your address; "
            f"try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    try:
        user = accounts.authenticate(session, sign_in_in.username, sign_in_in.password)
    except accounts.BadCredentials:
        login_limiter.record_failure(sign_in_in.username, ip)
        raise
    login_limiter.clear(sign_in_in.username, ip)
    return _start_session(session, user, response)


@router.post("/signout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, session: SessionDep, _actor: CurrentActor) -> Response:
    """End this browser session and clear its cookies."""
    # Resolving the caller (CurrentActor) checked the CSRF header: another site cannot sign
    # the user out.
    row: UserSession | None = getattr(request.state, "user_session", None)
    if row is not None:
        accounts.end_session(session, row)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response
