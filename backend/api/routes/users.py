"""The signed-in account: who am I, change password, personal bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from backend.api.deps import CurrentUser, SessionDep
from backend.db.models import UserSession
from backend.schemas.auth import (
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TokensPublic,
    UserPublic,
)
from backend.services import accounts

router = APIRouter(prefix="/users/me", tags=["users"])

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=UserPublic)
def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in account."""
    return UserPublic.model_validate(user)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: {"description": "The current password is wrong."}},
)
def change_password(
    request: Request, session: SessionDep, user: CurrentUser, change: PasswordChange
) -> Response:
    """Change the password; every other browser session of the account is signed out and every
    personal bearer token revoked (project API keys stay)."""
    current: UserSession | None = getattr(request.state, "user_session", None)
    accounts.change_password(
        session,
        user,
        change.current_password,
        change.new_password,
        keep_session_id=current.id if current else None,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens", response_model=TokensPublic)
def read_tokens(session: SessionDep, user: CurrentUser) -> TokensPublic:
    """The account's bearer tokens, with their last use (never the tokens themselves)."""
    tokens = [TokenPublic.model_validate(t) for t in accounts.list_tokens(session, user)]
    return TokensPublic(data=tokens, count=len(tokens))


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(session: SessionDep, user: CurrentUser, token_in: TokenCreate) -> TokenCreated:
    """Create a bearer token for scripts; the token is in this answer and never again."""
    token, row = accounts.create_token(session, user, token_in.name)
    return TokenCreated(**TokenPublic.model_validate(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(session: SessionDep, user: CurrentUser, token_id: TokenId) -> Response:
    """Revoke one of the account's bearer tokens."""
    accounts.revoke_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
