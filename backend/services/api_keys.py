"""Project API keys: create (the key is returned once), list with last use, revoke, look up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import ApiKey, ApiKeyScope, Project, User
from backend.services.errors import NotFound
from backend.services.secrets import API_KEY_PREFIX, display_prefix, new_secret, secret_hash


def create_api_key(
    session: Session, project: Project, *, name: str, scope: ApiKeyScope, created_by: User | None
) -> tuple[str, ApiKey]:
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(
        project_id=project.id,
        name=name,
        scope=scope,
        key_hash=secret_hash(secret),
        prefix=display_prefix(secret),
        created_by_id=created_by.id if created_by else None,
    )
    session.add(key)
    session.commit()
    return secret, key


def list_api_keys(session: Session, project: Project) -> list[tuple[ApiKey, str | None]]:
    """The project's keys, each with its creator's username (None when unknown)."""
    rows = session.execute(
        select(ApiKey, User.username)
        .outerjoin(User, User.id == ApiKey.created_by_id)
        .where(ApiKey.project_id == project.id)
        .order_by(ApiKey.id)
    ).all()
    return [(key, username) for key, username in rows]


def revoke_api_key(session: Session, project: Project, api_key_id: int) -> None:
    key = session.get(ApiKey, api_key_id)
    if key is None or key.project_id != project.id:
        raise NotFound(f"API key {api_key_id} does not exist in project {project.id}")
    session.delete(key)
    session.commit()


def key_for_secret(session: Session, secret: str) -> ApiKey | None:
    """The key a request's x-api-key names, its last use recorded; None when unknown."""
    from backend.services.accounts import touch_last_used

    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == secret_hash(secret)))
    if key is not None:
        touch_last_used(session, ApiKey, key.id, key.last_used_at)
    return key
