"""The answer to an upload: the samples stored and, per refused file, why it was refused."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.schemas.sample import SamplePublic


class RejectedFile(BaseModel):
    filename: str
    error: str = Field(description="A sentence naming the file and the problem.")


class UploadResult(BaseModel):
    detail: str = Field(description="One sentence summing up what was stored and what was refused.")
    accepted: list[SamplePublic]
    rejected: list[RejectedFile]
