"""Parameters of the `training.train` and `training.test` jobs (the job registry imports these)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TrainModelParams(BaseModel):
    impulse_id: int = Field(ge=1, description="The impulse the learning block belongs to.")
    learning_block_id: int = Field(ge=1, description="The learning block to train.")
    started_by_user_id: int | None = Field(
        default=None,
        ge=1,
        description="The user who started it, whose read access lets the block start from a "
        "model of another project (None: an API key, this project's models only).",
    )


class TestModelParams(BaseModel):
    impulse_id: int = Field(ge=1)
    learning_block_id: int = Field(ge=1)
    uncertain_below: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="a window whose best class scores less than this is 'uncertain'",
    )
