"""Request and response models of invitations; the link's token is returned only once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.db.models import ProjectRole
from backend.schemas.auth import clean_email
from backend.schemas.common import StrictInput, UtcDatetime


class InvitationCreate(StrictInput):
    email: str = Field(min_length=3, max_length=254, description="The account gets this address.")

    _email = field_validator("email")(clean_email)


class AdminInvitationCreate(InvitationCreate):
    project_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="A project the new account joins on sign-up."
    )
    role: ProjectRole | None = Field(
        None, strict=False, description="editor or viewer in that project."
    )


class ProjectInvitationCreate(InvitationCreate):
    role: ProjectRole = Field(ProjectRole.viewer, strict=False, description="editor or viewer.")


class InvitationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    project_id: int | None
    role: ProjectRole | None
    created_by_id: int | None
    created_at: UtcDatetime
    expires_at: UtcDatetime


class InvitationCreated(InvitationPublic):
    token: str = Field(description="The link's token; shown only now (only its hash is kept).")
    path: str = Field(description="The web app's sign-up page with the token, after its origin.")


class InvitationsPublic(BaseModel):
    data: list[InvitationPublic]
    count: int


class InvitationPreview(BaseModel):
    """What the sign-up page shows for an invitation link before the account is made."""

    email: str
    project_name: str | None
    role: ProjectRole | None
    expires_at: UtcDatetime
