"""The DSP blocks the platform offers, by name."""

from __future__ import annotations

from typing import Any

from dsp_blocks.base import DspBlock, DspParameterError
from dsp_blocks.flatten import FLATTEN
from dsp_blocks.image import IMAGE
from dsp_blocks.mfcc import MFCC
from dsp_blocks.mfe import MFE
from dsp_blocks.raw import RAW
from dsp_blocks.spectral import SPECTRAL
from dsp_blocks.spectrogram import SPECTROGRAM

BLOCKS: dict[str, DspBlock[Any]] = {
    block.name: block for block in (MFCC, MFE, SPECTROGRAM, SPECTRAL, RAW, FLATTEN, IMAGE)
}


def get_block(name: str) -> DspBlock[Any]:
    """The block called `name`; an unknown name lists the known ones."""
    try:
        return BLOCKS[name]
    except KeyError:
        raise DspParameterError(
            "block", name, f"unknown DSP block; choose one of {', '.join(sorted(BLOCKS))}"
        ) from None
