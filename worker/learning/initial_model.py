"""Starting a network from a model the user already has: a Keras file (one trained earlier on the
platform, or uploaded) that the training script loads, inside the sandbox only, as its backbone.

The worker and the API never deserialise the file: they check its size and its container (a
.keras file is a zip archive, an .h5 file an HDF5 file, by their first bytes) and copy its bytes
into the run's working directory, where the sandboxed script opens it with `safe_mode=True`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from worker.learning.errors import TrainingError

# Large enough for a MobileNetV2 at width 1.0 (14 MB) with room to spare; never more than a
# microcontroller network could be cut from.
MAX_INITIAL_MODEL_BYTES = 64 * 2**20
_SIGNATURES = {
    "keras": b"PK\x03\x04",
    "h5": b"\x89HDF\r\n\x1a\n",
}
# The file the script opens, in its working directory, by format.
FILE_NAMES = {"keras": "initial_model.keras", "h5": "initial_model.h5"}

KerasFormat = Literal["keras", "h5"]


class InitialModelSpec(BaseModel):
    """Which layers of the initial model stay as they are: the first `frozen_layers` layers of
    its backbone (after the input) are not trained."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    frozen_layers: int = Field(default=0, ge=0, le=1000)


def keras_format(content: bytes, name: str = "the model file") -> KerasFormat:
    """The format, "keras" or "h5", from the file's first bytes; TrainingError naming what is wrong."""
    if len(content) > MAX_INITIAL_MODEL_BYTES:
        raise TrainingError(
            f"{name} is {len(content)} bytes; an initial model may be at most "
            f"{MAX_INITIAL_MODEL_BYTES} bytes"
        )
    for fmt, signature in _SIGNATURES.items():
        if content.startswith(signature):
            return fmt  # type: ignore[return-value]
    raise TrainingError(
        f"{name} is neither a .keras file (a zip archive) nor an .h5 file (HDF5); save the "
        "model with model.save('model.keras') in tf_keras or Keras 2"
    )


def place_initial_model(workdir: Path, content: bytes) -> str:
    """Copy the checked bytes into `workdir`; returns the file name the script opens."""
    file_name = FILE_NAMES[keras_format(content)]
    (workdir / file_name).write_bytes(content)
    return file_name
