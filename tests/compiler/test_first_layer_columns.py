"""The fast path's columns of a 3x3 convolution over 3 input channels, an image model's first
layer (mf/conv_fast.h, gather_rows_of_9: windows inside the input, and those over the padding,
staged), built for the Cortex-M4 and run in QEMU, give TFLite Micro's bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.boards import get_board
from deploy_targets.compiler import compile_tflite
from tests.compiler.cortex_m import build_arm, parse_hex_outputs, run_arm, write_inputs_header
from tests.compiler.reference import random_inputs, run_tflm
from tests.compiler.test_fast_path import HARNESS, arm_toolchain  # noqa: F401 (a fixture)

# VWW's first layer (SAME, stride 2 on an even size: padding on the bottom and right only),
# padding on every side (stride 1), and none (VALID).
SPECS = [("conv:3x3:same:2x2:8", (12, 10, 3)), ("conv:3x3:same:1x1:6", (9, 7, 3)),
         ("conv:3x3:valid:2x2:4", (11, 10, 3))]


@pytest.mark.toolchain
@pytest.mark.usefixtures("arm_toolchain")
@pytest.mark.parametrize(("spec", "shape"), SPECS, ids=[s for s, _ in SPECS])
def test_first_layer_on_cortex_m4_equals_tflm(spec: str, shape: tuple[int, int, int],
                                              layer_model: Callable[..., bytes],
                                              tmp_path: Path) -> None:
    model_bytes = layer_model(spec, shape)
    library = compile_tflite(model_bytes, tmp_path)
    # The layer takes the padded filter, whose columns gather_rows_of_9 writes.
    assert any("_filter_padded" in p.read_text() for p in tmp_path.glob("*.cpp"))
    spec_in = library.inputs[0]
    count = 4
    inputs = random_inputs(np.random.default_rng(7), np.dtype(spec_in.dtype), spec_in.shape,
                           count)
    write_inputs_header(tmp_path / "test_inputs.h", inputs)
    board = get_board("nano33ble")
    elf = build_arm([*sorted(tmp_path.glob("*.cpp")), HARNESS / "arm_model_main.cpp"],
                    [tmp_path], board, tmp_path / "model.elf")
    on_device = parse_hex_outputs(run_arm(board, elf), count, library.output_bytes)
    assert on_device == [want.tobytes() for want in run_tflm(model_bytes, inputs)]
