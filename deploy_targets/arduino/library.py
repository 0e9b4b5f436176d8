"""`build_arduino_library`: a built C++ SDK -> an Arduino library folder (library.properties,
src/<project>_inferencing.h, the SDK under src/, examples for the Nano 33 BLE Sense)."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from deploy_targets.sdk import SdkBuild, SdkError, render_template

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# What stays out of src/: the SDK's own build files, examples and build output.
_NOT_SOURCES = {"Makefile", "CMakeLists.txt", "README.md", "LICENSE", "examples", "build"}

# (folder, template, what the README says of it)
_EXAMPLES = {
    "static_buffer": (
        "static_buffer", "static_buffer.ino.j2",
        "classifies one window pasted into the sketch and prints the scores (any board)",
    ),
    "camera": (
        "camera_frame", "camera_frame.ino.j2",
        "classifies a camera frame buffer (RGB565, high byte first) of the impulse's image size",
    ),
    "microphone": (
        "nano_ble33_sense_microphone_continuous", "microphone_continuous.ino.j2",
        "classifies the Nano 33 BLE Sense's PDM microphone continuously",
    ),
    "accelerometer": (
        "nano_ble33_sense_accelerometer", "accelerometer.ino.j2",
        "records a window from the Nano 33 BLE Sense's IMU and classifies it",
    ),
    "device_test": (
        "device_test", "device_test.ino.j2",
        "answers `mcuforge device-test`: classifies the test windows it receives over Serial "
        "and reports scores and cycles (any board)",
    ),
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
)


def library_name(sdk: SdkBuild) -> str:
    """`<project>_inferencing`, the project name as a C identifier."""
    return f"{sdk.impulse.identifier}_inferencing"


def build_arduino_library(sdk: SdkBuild, out_dir: Path, *, version: str = "1.0.0") -> Path:
    """Write the Arduino library of `sdk` into `out_dir/<project>_inferencing`; returns it."""
    name = library_name(sdk)
    library = Path(out_dir) / name
    if library.exists():
        raise SdkError(f"{library} exists; the library is written into a new folder")
    src = library / "src"
    src.mkdir(parents=True)
    for entry in sorted(sdk.out_dir.iterdir()):
        if entry.name in _NOT_SOURCES:
            continue
        if entry.is_dir():
            shutil.copytree(entry, src / entry.name)
        else:
            shutil.copy2(entry, src / entry.name)
    shutil.copy2(sdk.out_dir / "LICENSE", library / "LICENSE")

    values = {
        "library_name": name,
        "project_name": sdk.impulse.display_name,
        "version": version,
        "sensor": sdk.sensor,
        "labels": sdk.labels,
        "dsp_block": sdk.dsp_block,
        "architectures": "*",
        "axes": list(sdk.impulse.axes),
        "frequency_hz": f"{sdk.impulse.frequency_hz:g}",
        "frame_size": sdk.raw_frame_size,
        "values": sdk.example_values,
        "example_note": sdk.example_note,
        "window_length": sdk.impulse.window_length,
        "feature_count": sdk.feature_count,
        "arena_bytes": sdk.model.arena_bytes,
        "weights_bytes": sdk.model.weights_bytes,
        "compact_weights_bytes": sdk.model.compact_weights_bytes,
        "precision": sdk.precision,
    }
    (library / "library.properties").write_text(
        render_template(_TEMPLATES, "library.properties.j2", **values)
    )
    (src / f"{name}.h").write_text(render_template(_TEMPLATES, "library_header.h.j2", **values))
    # An image impulse's example takes a frame buffer: a frame is too large to paste as floats.
    examples = [_EXAMPLES["camera" if sdk.sensor == "camera" else "static_buffer"]]
    if sdk.sensor == "microphone":
        examples.append(_EXAMPLES["microphone"])
    elif sdk.sensor == "accelerometer":
        examples.append(_EXAMPLES["accelerometer"])
    if sdk.sensor != "camera":
        examples.append(_EXAMPLES["device_test"])
    for example, template, _ in examples:
        folder = library / "examples" / example
        folder.mkdir(parents=True)
        (folder / f"{example}.ino").write_text(render_template(_TEMPLATES, template, **values))
    # The library's own README (install, examples, API, memory), not the C++ SDK's.
    (library / "README.md").write_text(render_template(
        _TEMPLATES, "README.md.j2",
        examples=[(example, description) for example, _, description in examples], **values,
    ))
    return library
