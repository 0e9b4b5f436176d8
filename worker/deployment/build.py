"""Build one deployment target into a file (bytes + name), given its inputs: the packagers'
sequence, reporting each step."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy_targets.arduino import build_arduino_library
from deploy_targets.packaging import zip_folder
from deploy_targets.sdk import build_cpp_sdk
from deploy_targets.wasm import build_wasm, wasm_folder_name
from worker.deployment.inputs import DeploymentInputs

Step = Callable[[str], None]


@dataclass(frozen=True)
class BuiltFile:
    file_name: str
    data: bytes


def build_library(
    target: str,
    inputs: DeploymentInputs,
    model: bytes,
    anomaly: dict[str, Any] | None,
    step: Step,
    *,
    precision: str = "int8",
) -> BuiltFile:
    """The zip of the C++ SDK, the Arduino library or the WebAssembly build of the `precision`
    model (the int8 .tflite, or the float32 one)."""
    stem = inputs.impulse.identifier
    with tempfile.TemporaryDirectory(prefix="mcuforge-deploy-") as scratch:
        work = Path(scratch)
        step(f"Generating the C++ SDK: DSP block, compiled {precision} model, classifier")
        sdk = build_cpp_sdk(
            inputs.impulse,
            model,
            inputs.labels,
            dsp_blocks=inputs.dsp_blocks,
            task=inputs.model.task,
            anomaly=anomaly,
            out_dir=work / f"{stem}_sdk",
            precision=precision,
        )
        if target == "cpp-sdk":
            folder, name = sdk.out_dir, f"{stem}_sdk"
        elif target == "arduino":
            step("Packaging the Arduino library")
            folder = build_arduino_library(sdk, work / "arduino")
            name = folder.name
        else:
            step("Compiling to WebAssembly with emscripten")
            wasm = build_wasm(sdk, work / "wasm")
            folder, name = wasm.js_path.parent, wasm_folder_name(sdk)
        step("Zipping")
        zip_path = zip_folder(folder, work / f"{name}.zip", root_name=name)
        return BuiltFile(f"{name}.zip", zip_path.read_bytes())
