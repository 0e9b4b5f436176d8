"""The deployment targets, which precisions each takes, and whether this server can build it."""

from __future__ import annotations

from dataclasses import dataclass

from deploy_targets.wasm import emscripten_unavailable


@dataclass(frozen=True)
class DeploymentTarget:
    name: str
    title: str
    description: str
    precisions: tuple[str, ...]
    library: bool  # built from the DSP + compiled model, or a model file as trained


TARGETS: dict[str, DeploymentTarget] = {
    target.name: target
    for target in (
        DeploymentTarget(
            "cpp-sdk", "C++ library",
            "DSP, compiled int8 or float32 model and classifier API as portable C++11 (zip)",
            ("int8", "float32"), True,
        ),
        DeploymentTarget(
            "arduino", "Arduino library",
            "The C++ library as an Arduino library with examples for the Nano 33 BLE Sense (zip)",
            ("int8", "float32"), True,
        ),
        DeploymentTarget(
            "wasm", "WebAssembly",
            "The C++ library compiled by emscripten: .js + .wasm with classify() (zip)",
            ("int8", "float32"), True,
        ),
        DeploymentTarget("tflite-int8", "TensorFlow Lite (int8)", "The int8 .tflite model",
                         ("int8",), False),
        DeploymentTarget("tflite-float32", "TensorFlow Lite (float32)",
                         "The float32 .tflite model", ("float32",), False),
        DeploymentTarget("savedmodel", "TensorFlow SavedModel", "The float32 SavedModel (zip)",
                         ("float32",), False),
    )
}


def unavailable_reason(name: str) -> str | None:
    """Why this server cannot build the target now, or None."""
    if name == "wasm":
        return emscripten_unavailable()
    return None


def precision_refusal(name: str, precision: str) -> str | None:
    """Why the target cannot be built in `precision`, or None when it can."""
    target = TARGETS[name]
    if precision in target.precisions:
        return None
    return f"{target.title} is {' or '.join(target.precisions)} only; {precision} was asked for"
