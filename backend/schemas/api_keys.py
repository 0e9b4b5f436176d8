"""Request and response models of project API keys; the key itself is returned only once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backend.db.models import ApiKeyScope
from backend.schemas.common import PlainName, StrictInput, UtcDatetime


class ApiKeyCreate(StrictInput):
    name: PlainName = Field(min_length=1, max_length=100)
    scope: ApiKeyScope = Field(
        ApiKeyScope.ingestion,
        strict=False,
        description="admin: everything the owner may do; ingestion+deployment: upload samples "
        "and build deployments; ingestion: upload samples only; read-only: read.",
    )


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scope: ApiKeyScope
    prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    created_by_id: int | None = Field(
        description="The account that made the key; removing it from the project revokes the key."
    )
    created_by_username: str | None = Field(
        None, description="That account's username; null when unknown or deleted."
    )


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Send as the x-api-key header; shown only now.")


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int
