"""The operators added with the registry, built for Cortex-M4 (arm-none-eabi-g++, QEMU
mps2-an386): each integer library gives the bytes of its host reference build; a float32
library agrees with it within 1e-5 relative (the M4 build fuses multiply-adds and uses newlib's
expf, so its last bits may differ)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.boards import get_board
from deploy_targets.compiler import compile_tflite
from tests.compiler.cortex_m import build_arm, parse_hex_outputs, run_arm, write_inputs_header
from tests.compiler.reference import build_harness, random_inputs, run_compiled
from tests.compiler.test_fast_path import (  # noqa: F401 (a fixture)
    HARNESS,
    arm_toolchain,
    assert_cortex_m4_equals_host,
)
from tests.compiler.test_float32 import assert_close

# (model_factory function, seed, its arguments), one model per new kernel family.
MODELS = [
    ("random_int8_model", 500, ("keras_dilated_conv",)),
    ("random_int8_model", 520, ("dilated_conv1d",)),
    ("bare_block_model", 630, ("resize_bilinear",)),
    ("bare_block_model", 610, ("resize_nearest_align_corners",)),
    ("bare_block_model", 700, ("transpose_conv",)),
    ("bare_block_model", 800, ("grouped_conv",)),
    ("random_16x8_model", 905, ("conv,residual",)),
    ("random_16x8_model", 920, ("depthwise,pool", "float")),
    ("random_16x8_model", 915, ("multiply,concatenate,global_pool",)),
    ("random_16x8_model", 931, ("maximum,broadcast_min_max",)),
    ("random_16x8_model", 939, ("conv,transpose_conv",)),
    ("random_16x8_model", 941, ("grouped_conv,grouped_conv",)),
    ("random_16x8_model", 944, ("conv,tanh",)),
    ("dense_sigmoid_16x8_model", 951, ("sigmoid",)),
    ("lstm_sequence_model", 3, ("time_major",)),
]
FLOAT_MODELS = [(1000, "any"), (1005, "tanh,concatenate,multiply"), (1004, "global_pool,sigmoid"),
                (1008, "leaky_relu,hard_swish"), (1010, "crop,strided"),
                (1013, "resize_nearest_align_corners,resize_bilinear_half_pixel_centers"),
                (1017, "transpose_conv,transpose_conv"), (1019, "grouped_conv,grouped_conv"),
                (1022, "conv,keras_dilated_conv,pool")]


@pytest.mark.toolchain
@pytest.mark.usefixtures("arm_toolchain")
@pytest.mark.parametrize(("builder", "seed", "args"), MODELS,
                         ids=[f"{b}-{s}-{'-'.join(a)}" for b, s, a in MODELS])
def test_new_operator_on_cortex_m4_equals_host(builder: str, seed: int, args: tuple[str, ...],
                                               factory_model: Callable[..., bytes],
                                               int8_model: Callable[..., bytes],
                                               tmp_path: Path) -> None:
    model_bytes = (int8_model(seed, list(args)) if builder == "random_int8_model"
                   else factory_model(builder, seed, *args))
    assert_cortex_m4_equals_host(model_bytes, tmp_path, seed)


@pytest.mark.toolchain
@pytest.mark.usefixtures("arm_toolchain")
@pytest.mark.parametrize(("seed", "blocks"), FLOAT_MODELS, ids=[b for _, b in FLOAT_MODELS])
def test_float_model_on_cortex_m4_is_close_to_host(seed: int, blocks: str,
                                                   factory_model: Callable[..., bytes],
                                                   tmp_path: Path) -> None:
    library = compile_tflite(factory_model("random_float_model", seed, blocks), tmp_path)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(seed), np.dtype("float32"), spec.shape, 3)
    host = run_compiled(build_harness(tmp_path), inputs, np.dtype("float32"), output.shape)
    write_inputs_header(tmp_path / "test_inputs.h", inputs)
    board = get_board("nano33ble")
    elf = build_arm([*sorted(tmp_path.glob("*.cpp")), HARNESS / "arm_model_main.cpp"],
                    [tmp_path], board, tmp_path / "model.elf")
    printed = parse_hex_outputs(run_arm(board, elf), len(inputs), library.output_bytes)
    on_device = [np.frombuffer(b, dtype=np.float32).reshape(output.shape) for b in printed]
    assert_close(on_device, host, "the host build")
