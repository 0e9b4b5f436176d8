"""Parameter fingerprints: a feature set whose fingerprint differs from its block's is stale."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

# Names are labels for people; renaming a block does not change its features.
IGNORED_KEYS = ("name",)


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _without_names(dsp_block: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in dsp_block.items() if key not in IGNORED_KEYS}


def block_fingerprint(input_block: Mapping[str, Any], dsp_block: Mapping[str, Any]) -> str:
    """Hash of everything one DSP block's features depend on: the input block and the block."""
    return _digest({"input": dict(input_block), "dsp": _without_names(dsp_block)})


def impulse_fingerprint(
    input_block: Mapping[str, Any], dsp_blocks: Sequence[Mapping[str, Any]]
) -> str:
    """Hash of the input block and every DSP block: changes whenever any parameter changes."""
    return _digest(
        {"input": dict(input_block), "dsp": [_without_names(block) for block in dsp_blocks]}
    )
