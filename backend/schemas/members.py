"""Request and response models of project members: add, change role, list, transfer ownership."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.db.models import ProjectRole
from backend.schemas.common import StrictInput, UtcDatetime


class MemberAdd(StrictInput):
    user: str = Field(min_length=1, max_length=254, description="Username or email address.")
    role: ProjectRole = Field(
        ProjectRole.viewer,
        strict=False,
        description="editor or viewer; ownership moves only by transfer.",
    )


class MemberUpdate(StrictInput):
    role: ProjectRole = Field(strict=False)


class OwnershipTransfer(StrictInput):
    user_id: int = Field(ge=1, le=2**31 - 1, description="A member who becomes the owner.")


class MemberPublic(BaseModel):
    user_id: int
    username: str
    email: str
    role: ProjectRole
    created_at: UtcDatetime


class MembersPublic(BaseModel):
    data: list[MemberPublic]
    count: int
