"""Sign-up, sign-in and sign-out: browser sessions in an HTTP-only cookie plus a CSRF cookie."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response, status

from backend.api.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentActor, SessionDep
from backend.db.models import User, UserSession
from backend.schemas.auth import SessionPublic, SignIn, SignUp, UserPublic
from backend.services import accounts
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


@router.post(
    "/signup",
    response_model=SessionPublic,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The username or email address is taken."}},
)
def sign_up(session: SessionDep, sign_up_in: SignUp, response: Response) -> SessionPublic:
    """Create an account and sign in; the first account on a server becomes its administrator."""
    user = accounts.sign_up(session, sign_up_in)
    return _start_session(session, user, response)


@router.post(
    "/signin",
    response_model=SessionPublic,
    responses={
        401: {"description": "Unknown username or wrong password."},
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
