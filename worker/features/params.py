"""Parameters of the `features.generate` job (kept apart so the job registry imports little)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GenerateFeaturesParams(BaseModel):
    impulse_id: int = Field(ge=1, description="The impulse whose DSP blocks generate features.")
