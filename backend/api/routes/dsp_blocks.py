"""The DSP block catalogue: every block with its parameter schema (the UI's form is built from it)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.schemas.dsp_blocks import DspBlockPublic, DspBlocksPublic
from dsp_blocks.registry import BLOCKS

router = APIRouter(prefix="/dsp-blocks", tags=["dsp"])


@router.get("", response_model=DspBlocksPublic)
def read_dsp_blocks() -> DspBlocksPublic:
    """List the DSP blocks with their parameters' JSON schema (defaults, ranges, units)."""
    blocks = [
        DspBlockPublic(
            name=block.name,
            title=block.title,
            description=block.description,
            output_kind=block.output_kind,
            parameters=block.Params.model_json_schema(),
        )
        for block in BLOCKS.values()
    ]
    return DspBlocksPublic(data=blocks, count=len(blocks))
