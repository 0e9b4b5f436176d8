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
    for extra in ("README.md", "LICENSE"):
        shutil.copy2(sdk.out_dir / extra, library / extra)

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
    }
    (library / "library.properties").write_text(
        render_template(_TEMPLATES, "library.properties.j2", **values)
    )
    (src / f"{name}.h").write_text(render_template(_TEMPLATES, "library_header.h.j2", **values))
    examples = []
    if sdk.sensor == "camera":
        examples.append(("camera_frame", "camera_frame.ino.j2"))
    else:  # a pasted window of raw values; a frame is too large to paste as floats
        examples.append(("static_buffer", "static_buffer.ino.j2"))
    if sdk.sensor == "microphone":
        examples.append(("nano_ble33_sense_microphone_continuous", "microphone_continuous.ino.j2"))
    elif sdk.sensor == "accelerometer":
        examples.append(("nano_ble33_sense_accelerometer", "accelerometer.ino.j2"))
    for example, template in examples:
        folder = library / "examples" / example
        folder.mkdir(parents=True)
        (folder / f"{example}.ino").write_text(render_template(_TEMPLATES, template, **values))
    return library
