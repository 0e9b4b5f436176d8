"""FastAPI dependencies as Annotated aliases; access to a project is checked here and only here.

`get_actor` resolves the caller from, in this order, `Authorization: Bearer <token>`, the
`x-api-key` header, or the session cookie (whose unsafe requests must echo the CSRF token).
`get_project` then derives the permission the route needs (backend.services.access) and answers
401 to anonymous callers, 404 to those who may not know the project exists, and 403 to members
or keys that lack the permission.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Path, Request, WebSocket, status
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.db.models import Project, User
from backend.db.session import get_sessionmaker
from backend.services import accounts
from backend.services import api_keys as api_key_service
from backend.services.access import (
    SAFE_METHODS,
    Actor,
    Permission,
    project_access,
    required_permissions,
)

SESSION_COOKIE = "mcuforge_session"
CSRF_COOKIE = "mcuforge_csrf"
CSRF_HEADER = "X-CSRF-Token"


def get_db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]

# Declared as security schemes so the OpenAPI document (and its generated client) knows them.
bearer_scheme = HTTPBearer(auto_error=False, description="A personal token: Bearer mft_...")
api_key_scheme = APIKeyHeader(
    name="x-api-key", auto_error=False, description="A project API key: mfk_..."
)
session_cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Browser session (sign in first)."
)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_actor(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
    session_token: Annotated[str | None, Depends(session_cookie_scheme)],
) -> Actor:
    """Who is calling. Credentials that are sent but wrong answer 401 (never anonymous access)."""
    if bearer is not None:
        user = accounts.user_for_token(session, bearer.credentials)
        if user is None:
            raise _unauthorized("the bearer token is unknown or was revoked")
        return Actor(user=user)
    if api_key:
        key = api_key_service.key_for_secret(session, api_key)
        if key is None:
            raise _unauthorized("the x-api-key is unknown or was revoked")
        return Actor(api_key=key)
    if session_token:
        row = accounts.session_for_token(session, session_token)
        if row is None:
            # Expired or signed out elsewhere: the caller is anonymous (public reads still work).
            return Actor()
        if request.method.upper() not in SAFE_METHODS:
            # Double submit: a page on another site can make the browser send the cookie, but
            # cannot read the CSRF cookie to put it in a header.
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not secrets.compare_digest(sent, row.csrf_token):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"a request signed in by cookie that changes something must send the "
                    f"{CSRF_HEADER} header with the value of the {CSRF_COOKIE} cookie",
                )
        request.state.user_session = row
        user = session.get(User, row.user_id)
        if user is None or user.is_disabled:
            return Actor()
        return Actor(user=user, via_cookie=True)
    return Actor()


CurrentActor = Annotated[Actor, Depends(get_actor)]


def get_current_user(actor: CurrentActor) -> User:
    """A signed-in user (session or bearer token); API keys act on their project only."""
    if actor.api_key is not None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "an API key acts on its own project only; this needs a signed-in user or a bearer token",
        )
    if actor.user is None:
        raise _unauthorized("sign in (session cookie) or send Authorization: Bearer <token>")
    return actor.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an administrator may do this")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


# Ids are database integers; larger numbers are bad input (422), never a database error.
ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The project's id.")]


def get_project(
    project_id: ProjectId, request: Request, session: SessionDep, actor: CurrentActor
) -> Project:
    """Resolve the project of a project-scoped route and check that the caller may call it."""
    project = session.get(Project, project_id)
    access = None if project is None else project_access(session, actor, project)
    if project is None or access is None:
        if actor.is_anonymous:
            raise _unauthorized("sign in, or send a bearer token or an x-api-key")
        # Same answer whether the project is missing or private: its existence is not revealed.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"project {project_id} does not exist")
    needed = required_permissions(request.scope.get("route"), request.method)
    if not needed & access.permissions:
        if actor.is_anonymous:
            raise _unauthorized("sign in to change a public project you are a member of")
        held = (
            f"API key scope {access.scope}"
            if access.scope
            else f"role {access.role}"
            if access.role
            else "public read access"
        )
        wanted = " or ".join(sorted(needed))
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"this needs the {wanted} permission; you have {held}"
        )
    request.state.project_access = access
    return project


ProjectDep = Annotated[Project, Depends(get_project)]


# --- the ingestion service's routes: a project API key names the project ----------------------


def get_ingestion_project(request: Request, session: SessionDep, actor: CurrentActor) -> Project:
    """The project of the `x-api-key` of a route compatible with Edge Impulse's ingestion service
    (no project in the path: the key is the project). Personal tokens and sessions are refused
    (403): firmware and scripts written for that service only know API keys."""
    if actor.api_key is None:
        if actor.is_anonymous:
            raise _unauthorized("send a project API key in the x-api-key header")
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the ingestion routes take a project API key (x-api-key), not a sign-in or a "
            "personal token; upload through /api/projects/{project_id}/samples instead",
        )
    project = session.get(Project, actor.api_key.project_id)
    access = None if project is None else project_access(session, actor, project)
    if project is None or access is None:
        raise _unauthorized("the x-api-key is unknown or was revoked")
    needed = required_permissions(request.scope.get("route"), request.method)
    if not needed & access.permissions:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this needs an API key with the ingest permission; this key's scope is {access.scope}",
        )
    request.state.project_access = access
    request.state.ingestion_api_key_id = actor.api_key.id
    return project


IngestionProjectDep = Annotated[Project, Depends(get_ingestion_project)]


# --- WebSockets: the same callers and the same policy, read from the handshake ----------------


class WebSocketRefusal(Exception):
    """Why a WebSocket is refused: the message sent in {"type": "error"} and the close code
    (4401, 4403, 4404: the HTTP status the same request would get, plus 4000)."""

    def __init__(self, close_code: int, message: str) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.message = message


def _same_origin(websocket: WebSocket) -> bool:
    """Whether the handshake comes from a page of this server. Browsers send a cross-site page's
    cookies with its WebSocket handshakes and no CSRF header can be required there, so a session
    cookie only counts when the Origin is this host."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: nothing can make it send someone's cookie
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


def websocket_actor(websocket: WebSocket, session: Session, *, allow_cookie: bool) -> Actor:
    """The caller of a WebSocket, as get_actor resolves that of a request: bearer token, then
    x-api-key, then (where allowed, and from this server's own pages) the session cookie."""
    authorization = websocket.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if authorization:
        if scheme.lower() != "bearer" or not credentials.strip():
            raise WebSocketRefusal(4401, "the Authorization header must be 'Bearer <token>'")
        user = accounts.user_for_token(session, credentials.strip())
        if user is None:
            raise WebSocketRefusal(4401, "the bearer token is unknown or was revoked")
        return Actor(user=user)
    api_key = websocket.headers.get("x-api-key")
    if api_key:
        key = api_key_service.key_for_secret(session, api_key)
        if key is None:
            raise WebSocketRefusal(4401, "the x-api-key is unknown or was revoked")
        return Actor(api_key=key)
    session_token = websocket.cookies.get(SESSION_COOKIE)
    if allow_cookie and session_token:
        if not _same_origin(websocket):
            raise WebSocketRefusal(4403, "a signed-in WebSocket must come from this server's pages")
        row = accounts.session_for_token(session, session_token)
        user = None if row is None else session.get(User, row.user_id)
        if user is not None and not user.is_disabled:
            return Actor(user=user, via_cookie=True)
    return Actor()


def websocket_project(
    session: Session, actor: Actor, project_id: int, needed: frozenset[Permission]
) -> Project:
    """get_project's policy for a WebSocket: refusals as WebSocketRefusal, not HTTP errors."""
    project = session.get(Project, project_id) if 1 <= project_id <= 2**31 - 1 else None
    access = None if project is None else project_access(session, actor, project)
    if project is None or access is None:
        if actor.is_anonymous:
            raise WebSocketRefusal(4401, "sign in, or send a bearer token or an x-api-key")
        raise WebSocketRefusal(4404, f"project {project_id} does not exist")
    if not needed & access.permissions:
        if actor.is_anonymous:
            raise WebSocketRefusal(4401, "sign in to do this in a public project")
        wanted = " or ".join(sorted(needed))
        raise WebSocketRefusal(4403, f"this needs the {wanted} permission")
    return project
