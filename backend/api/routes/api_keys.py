"""API keys of a project (`x-api-key`): create (shown once), list with last use, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from backend.api.deps import CurrentActor, ProjectDep, SessionDep
from backend.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeysPublic
from backend.services import api_keys as service

router = APIRouter(prefix="/projects/{project_id}/api-keys", tags=["api-keys"])

ApiKeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=ApiKeysPublic)
def read_api_keys(session: SessionDep, project: ProjectDep) -> ApiKeysPublic:
    """The project's API keys with their scope and last use (never the keys themselves)."""
    keys = [
        ApiKeyPublic.model_validate(key).model_copy(update={"created_by_username": username})
        for key, username in service.list_api_keys(session, project)
    ]
    return ApiKeysPublic(data=keys, count=len(keys))


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(
    session: SessionDep, project: ProjectDep, actor: CurrentActor, key_in: ApiKeyCreate
) -> ApiKeyCreated:
    """Create an API key; the key is in this answer and never again."""
    secret, key = service.create_api_key(
        session, project, name=key_in.name, scope=key_in.scope, created_by=actor.user
    )
    public = ApiKeyPublic.model_validate(key).model_dump()
    public["created_by_username"] = actor.user.username if actor.user else None
    return ApiKeyCreated(**public, key=secret)


@router.delete("/{api_key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(session: SessionDep, project: ProjectDep, api_key_id: ApiKeyId) -> Response:
    """Revoke an API key: requests that send it are refused from now on."""
    service.revoke_api_key(session, project, api_key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
