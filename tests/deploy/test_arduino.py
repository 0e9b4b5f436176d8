"""The Arduino library: its layout, and its sources with the static_buffer example compiled for
Cortex-M4 by arm-none-eabi-g++ and run under QEMU mps2-an386, printing what the host prints."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy_targets.arduino import build_arduino_library
from deploy_targets.boards import get_board
from deploy_targets.estimate.arm_build import HARNESS_DIR
from deploy_targets.estimate.qemu_run import qemu_command
from tests.conftest import require
from tests.deploy.conftest import HostSdk

STUB_DIR = Path(__file__).resolve().parent / "arduino_stub"
BOARD = get_board("nano33ble")
ARM_FLAGS = [*BOARD.gcc_flags, "-O2", "-std=c++11", "-fno-exceptions", "-fno-rtti",
             "-ffunction-sections", "-fdata-sections", "-DARDUINO=10819"]


@pytest.fixture(scope="module")
def arduino_library(host_sdk: HostSdk, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_arduino_library(host_sdk.build, tmp_path_factory.mktemp("arduino"))


def test_library_layout(arduino_library: Path) -> None:
    assert arduino_library.name == "tones_test_inferencing"
    properties = dict(
        line.split("=", 1)
        for line in (arduino_library / "library.properties").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert properties["name"] == "tones_test_inferencing"
    assert properties["category"] == "Data Processing"
    for key in ("version", "sentence", "paragraph", "architectures"):
        assert properties[key]
    header = arduino_library / "src" / "tones_test_inferencing.h"
    assert '#include "mf_classifier.h"' in header.read_text()
    assert (arduino_library / "src" / "mf_model.cpp").is_file()
    assert (arduino_library / "src" / "dsp" / "mf_dsp_mfcc_config.h").is_file()
    examples = sorted(p.name for p in (arduino_library / "examples").iterdir())
    # An audio impulse gets the PDM microphone example, not the IMU one; every time-series
    # impulse gets device_test.
    assert examples == ["device_test", "nano_ble33_sense_microphone_continuous", "static_buffer"]
    microphone = arduino_library / "examples" / examples[1] / f"{examples[1]}.ino"
    assert "#include <PDM.h>" in microphone.read_text()
    assert "mf_run_classifier_continuous" in microphone.read_text()
    assert not (arduino_library / "src" / "Makefile").exists()


def _arm_compile(source: Path, obj: Path, includes: list[Path], as_cpp: bool = False) -> None:
    # The compiled model's warnings are the compiler's tests' business; ours are errors.
    strict = [] if source.name == "mf_model.cpp" else ["-Werror"]
    command = ["arm-none-eabi-g++", *ARM_FLAGS, "-Wall", "-Wextra", *strict,
               *(f"-I{path}" for path in includes)]
    if as_cpp:
        # What the Arduino IDE does to a sketch: compile it as C++ with Arduino.h included.
        command += ["-include", "Arduino.h", "-x", "c++"]
    command += ["-c", str(source), "-o", str(obj)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{' '.join(command)}\n{run.stderr[-3000:]}"


@pytest.mark.toolchain
def test_static_buffer_example_runs_under_qemu_like_the_host(
    arduino_library: Path, host_sdk: HostSdk, tmp_path: Path
) -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    src = arduino_library / "src"
    includes = [src, STUB_DIR]
    objects = []
    # Arduino compiles src/ recursively with only src/ (and the core) on the include path.
    for index, source in enumerate(sorted(src.rglob("*.cpp"))):
        obj = tmp_path / f"{index:02d}_{source.stem}.o"
        _arm_compile(source, obj, includes)
        objects.append(obj)
    sketch = arduino_library / "examples" / "static_buffer" / "static_buffer.ino"
    for source, as_cpp in ((sketch, True), (STUB_DIR / "arduino_stub.cpp", False),
                           (HARNESS_DIR / "startup.cpp", False)):
        obj = tmp_path / f"{source.stem}.o"
        _arm_compile(source, obj, includes, as_cpp)
        objects.append(obj)
    elf = tmp_path / "static_buffer.elf"
    link = subprocess.run(
        ["arm-none-eabi-g++", *BOARD.gcc_flags, "--specs=nano.specs", "--specs=nosys.specs",
         "-u", "_printf_float", "-nostartfiles", "-Wl,--gc-sections",
         "-T", str(HARNESS_DIR / "mps2.ld"), *map(str, objects), "-lm", "-o", str(elf)],
        capture_output=True, text=True, timeout=300,
    )
    assert link.returncode == 0, link.stderr[-3000:]

    run = subprocess.run(qemu_command("qemu-system-arm", BOARD, elf), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    host = subprocess.run([str(host_sdk.example)], capture_output=True, text=True, timeout=30)
    assert host.returncode == 0
    printed = (run.stdout + run.stderr).strip().splitlines()
    assert printed == host.stdout.strip().splitlines()
    assert len(host.stdout.strip().splitlines()) == len(host_sdk.build.labels) + 1


def test_the_library_has_its_own_readme(arduino_library: Path, host_sdk: HostSdk) -> None:
    readme = (arduino_library / "README.md").read_text()
    assert readme.startswith("<!-- generated by mcuforge")
    assert "tones_test_inferencing — Arduino library" in readme
    assert "C++ SDK" not in readme and "## Build" not in readme and "libmf_sdk" not in readme
    for part in ("Add .ZIP Library", "arduino-cli lib install --zip-path",
                 "examples/static_buffer", "examples/nano_ble33_sense_microphone_continuous",
                 "#include <tones_test_inferencing.h>", "mf_run_classifier(",
                 "mf_run_classifier_continuous", "## Memory", "mcuforge tensor arena",
                 "TFLM arena"):
        assert part in readme, part
    model = host_sdk.build.model
    assert f"| mcuforge tensor arena (the model's activations) | {model.arena_bytes} |" in readme
    frame_bytes = host_sdk.build.raw_frame_size * 4
    assert f"(`MF_RAW_FRAME_SIZE` floats) | {frame_bytes} |" in readme


@pytest.mark.toolchain
def test_device_test_example_compiles_for_cortex_m4(arduino_library: Path, tmp_path: Path) -> None:
    """The sketch `mcuforge device-test` talks to builds against the library (the protocol
    itself is run end to end with the C++ SDK's twin in tests/devices/test_device_test.py)."""
    require(shutil.which("arm-none-eabi-g++") is not None, "arm-none-eabi-g++ is not installed")
    sketch = arduino_library / "examples" / "device_test" / "device_test.ino"
    text = sketch.read_text()
    assert "mf_device_test ready frame=%u labels=%u counter=%s" in text
    _arm_compile(sketch, tmp_path / "device_test.o", [arduino_library / "src", STUB_DIR], True)
