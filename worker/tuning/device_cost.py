"""Compile first: an untrained network of the trial's shape, quantized to int8 and compiled by
our compiler, measured on the board (QEMU) with the DSP block's C++; so a trial that cannot fit
is pruned before it trains.

The int8 kernels' instruction count, flash and RAM depend on the shapes, not on the weights'
values, so the untrained model's figures are the trained one's (tests/tuning checks it)."""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deploy_targets.boards import Board
from deploy_targets.sdk import DspSpec, ImpulseSpec
from worker.deployment.estimates import Cost, _sum, dsp_cost, int8_model_cost
from worker.learning.layers import LayerSpec, Shape
from worker.learning.script import _model_lines

# DSP costs per (impulse window, DSP block, board): trials that share DSP parameters measure once.
_dsp_costs: dict[tuple[Any, ...], Cost] = {}
_dsp_lock = threading.Lock()
_tf_lock = threading.Lock()


@dataclass(frozen=True)
class DeviceCost:
    """DSP + model on the board: latency, flash and RAM (None where unknown)."""

    dsp_latency_ms: float | None
    model_latency_ms: float | None
    latency_ms: float | None
    ram_bytes: int | None
    flash_bytes: int | None
    method: str
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceCost:
        return cls(**{**data, "notes": tuple(data.get("notes") or ())})


def untrained_int8_model(
    layers: list[LayerSpec],
    input_shape: Shape,
    *,
    task: str,
    num_classes: int,
    representative: np.ndarray,
    seed: int,
) -> bytes:
    """The network with initial weights as a full-integer int8 .tflite, calibrated on
    `representative` windows (the trial's own features). Runs TensorFlow in this process:
    the code is the generator's own Sequential of validated layer specs, not a user's script."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras as keras
    from tf_keras import layers as keras_layers

    from worker.learning.quantize import int8_tflite

    with _tf_lock, tempfile.TemporaryDirectory(prefix="mcuforge-tune-model-") as scratch:
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        namespace: dict[str, Any] = {
            "keras": keras,
            "layers": keras_layers,
            "input_shape": tuple(input_shape),
            "num_classes": num_classes,
        }
        exec("\n".join(_model_lines(layers, tuple(input_shape), task)), namespace)  # noqa: S102
        model = namespace["model"]
        saved = Path(scratch) / "saved_model"
        model.save(str(saved), save_format="tf")  # as the training sandbox saves it
        return int8_tflite(saved, representative.astype(np.float32))


def measure(
    model_int8: bytes,
    impulse: ImpulseSpec,
    dsp: DspSpec,
    board: Board,
) -> DeviceCost:
    """Compile `model_int8` and run it once on `board` in QEMU; the DSP block's C++ likewise
    (cached per DSP configuration); their sum as the deployment page adds them up."""
    key = (impulse, dsp.block_type, repr(sorted(dsp.params.items())), dsp.axis_indices, board.name)
    with _dsp_lock:
        dsp_part = _dsp_costs.get(key)
    if dsp_part is None:
        dsp_part = dsp_cost(impulse, [dsp], board)
        with _dsp_lock:
            _dsp_costs[key] = dsp_part
    model_part = int8_model_cost(model_int8, board)
    total = _sum([dsp_part, model_part])
    notes = tuple(note for part in (dsp_part, model_part) for note in part.notes[:1])
    if model_part.method == "none":
        notes = (model_part.basis, *notes)
    return DeviceCost(
        dsp_latency_ms=dsp_part.latency_ms,
        model_latency_ms=model_part.latency_ms,
        latency_ms=total.latency_ms,
        ram_bytes=total.ram_bytes,
        flash_bytes=total.flash_bytes,
        method=total.method,
        notes=notes,
    )
