"""Parameters of the `projects.clone` job (kept apart so the job registry imports little)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CloneProjectParams(BaseModel):
    source_project_id: int = Field(ge=1, description="The public project to copy.")
    target_project_id: int = Field(ge=1, description="The new, empty project of the requester.")
    requested_by_user_id: int = Field(
        ge=1, description="Checked again when the job runs: the source may have become private."
    )
