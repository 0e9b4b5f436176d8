"""Request and response models of projects: ProjectCreate, ProjectUpdate, ProjectPublic, ProjectsPublic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.db.models import ProjectRole
from backend.schemas.common import StorableText, StrictInput, UtcDatetime

PROJECT_NAME_MAX_CHARS = 100
HMAC_KEY_MAX_CHARS = 128


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("a project name must contain at least one visible character")
    if any(not ch.isprintable() for ch in name):
        raise ValueError("a project name may not contain control characters (tabs, new lines...)")
    return name


class ProjectCreate(StrictInput):
    name: str = Field(min_length=1, max_length=PROJECT_NAME_MAX_CHARS)
    description: StorableText = Field("", max_length=10_000)
    downmix_audio: bool = Field(
        True,
        description="Average the channels of multi-channel WAV files into one 'audio' axis (the "
        "default: audio projects are mono); false keeps each channel as an axis ch0, ch1, ...",
    )
    hmac_key: StorableText | None = Field(
        None,
        min_length=1,
        max_length=HMAC_KEY_MAX_CHARS,
        description="When set, acquisition-format uploads must be signed with HMAC-SHA256 and this key.",
    )

    _name = field_validator("name")(_clean_name)


class ProjectUpdate(StrictInput):
    """Only the fields sent are changed; send hmac_key null to stop requiring signatures."""

    name: str | None = Field(None, min_length=1, max_length=PROJECT_NAME_MAX_CHARS)
    description: StorableText | None = Field(None, max_length=10_000)
    downmix_audio: bool | None = None
    hmac_key: StorableText | None = Field(None, min_length=1, max_length=HMAC_KEY_MAX_CHARS)
    is_public: bool | None = Field(
        None, description="Public projects are readable by everyone and can be cloned."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        return None if name is None else _clean_name(name)


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    downmix_audio: bool
    hmac_key_set: bool = Field(description="Whether uploads in the acquisition format must be signed.")
    sample_count: int
    is_public: bool = False
    role: ProjectRole | None = Field(
        None, description="The caller's role in the project; null when not a member."
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int = Field(description="Projects matching the query, before offset and limit.")
