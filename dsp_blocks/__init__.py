"""DSP blocks: pure numpy feature extractors with pydantic parameters and C++ twins."""

from dsp_blocks.base import DspBlock, DspParameterError, Graph
from dsp_blocks.registry import BLOCKS, get_block

__all__ = ["BLOCKS", "DspBlock", "DspParameterError", "Graph", "get_block"]
