"""The estimator on a library the compiler generated: QEMU, the host build and TFLM agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from tflite_micro.python.tflite_micro import runtime

from deploy_targets.compiler import compile_tflite
from deploy_targets.estimate import estimate_compiled
from deploy_targets.estimate.host_run import build_host_runner, run_host
from tests.conftest import require
from tests.estimate.harness_reference import fnv1a, harness_input


def test_hello_world_on_cortex_m4_equals_host_and_tflm(
    shared_models: Path, arm_toolchain: None, tmp_path: Path
) -> None:
    require(shutil.which("g++") is not None, "g++ is not installed")
    model_bytes = (shared_models / "hello_world_int8.tflite").read_bytes()
    lib = compile_tflite(model_bytes, tmp_path / "hello", name="hello")
    estimate = estimate_compiled(lib, "stm32l4")

    assert estimate.method == "qemu"
    assert estimate.ram_bytes is not None and estimate.ram_bytes >= lib.arena_bytes
    assert estimate.flash_bytes is not None and estimate.flash_bytes >= lib.weights_bytes
    assert estimate.instructions is not None and estimate.instructions >= lib.mac_count

    input_bytes = harness_input(lib.input_bytes)
    host_output = run_host(
        build_host_runner(lib.out_dir, lib.name, tmp_path / "host"), [input_bytes],
        lib.output_bytes,
    )[0]
    assert estimate.output_fnv1a == fnv1a(host_output)

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=4096)
    spec = lib.inputs[0]
    interpreter.set_input(np.frombuffer(input_bytes, np.int8).reshape(spec.shape), 0)
    interpreter.invoke()
    assert interpreter.get_output(0).tobytes() == host_output
