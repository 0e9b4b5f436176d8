"""Parameters of a `tuner.trial` job: which search it runs a trial of."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TunerTrialParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    search_id: int = Field(ge=1)
