"""Builds test programs for a Cortex-M board with arm-none-eabi-g++ and runs them in QEMU, with
the estimator's startup code and linker script; returns what they printed over semihosting."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deploy_targets.boards import Board
from deploy_targets.estimate.arm_build import COMPILE_FLAGS, HARNESS_DIR, LINK_FLAGS
from deploy_targets.estimate.qemu_run import qemu_command

HARNESS = Path(__file__).parent / "harness"
ARM_TOOLS = ("arm-none-eabi-g++", "arm-none-eabi-objdump", "qemu-system-arm")


def build_arm(sources: Sequence[Path], include_dirs: Sequence[Path], board: Board, elf: Path,
              defines: Sequence[str] = (), extra_flags: Sequence[str] = ()) -> Path:
    """Compile and link `sources` with the estimator's startup for `board`; returns the ELF.
    `extra_flags` come after the estimator's (an -O there replaces its -Os)."""
    flags = [*board.gcc_flags, *COMPILE_FLAGS, *extra_flags, "-Wall", "-Wextra", "-Werror",
             *(f"-D{d}" for d in defines), *(f"-I{d}" for d in include_dirs)]
    objects = []
    for index, source in enumerate([*sources, HARNESS_DIR / "startup.cpp"]):
        obj = elf.parent / f"{elf.stem}_{index:02d}_{source.stem}.o"
        result = subprocess.run(["arm-none-eabi-g++", *flags, "-c", str(source), "-o", str(obj)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{source.name} did not compile:\n{result.stderr[-3000:]}"
        objects.append(str(obj))
    result = subprocess.run(
        ["arm-none-eabi-g++", *board.gcc_flags, *LINK_FLAGS, "-T", str(HARNESS_DIR / "mps2.ld"),
         *objects, "-o", str(elf)], capture_output=True, text=True)
    assert result.returncode == 0, f"linking {elf.name} failed:\n{result.stderr[-3000:]}"
    return elf


def run_arm(board: Board, elf: Path, timeout_s: float = 120.0) -> str:
    """What the program printed; it must end with a "done" line and exit successfully."""
    result = subprocess.run(qemu_command("qemu-system-arm", board, elf), capture_output=True,
                            text=True, timeout=timeout_s)
    printed = result.stdout + result.stderr
    assert result.returncode == 0 and printed.rstrip().endswith("done"), (
        f"{elf.name} did not finish on {board.qemu_machine} (exit {result.returncode}):\n"
        f"{printed[-2000:]}")
    return printed


def disassembly(elf: Path) -> str:
    result = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True,
                            text=True, check=True)
    return result.stdout


def write_inputs_header(path: Path, inputs: Sequence[np.ndarray]) -> None:
    """test_inputs.h for arm_model_main.cpp: the raw bytes of each input tensor."""
    rows = []
    for tensor in inputs:
        data = np.ascontiguousarray(tensor).tobytes()
        rows.append("  {" + ",".join(str(b) for b in data) + "},")
    path.write_text(
        "// written by tests/compiler/cortex_m.py\n#include <stdint.h>\n"
        f"static const uint32_t kInputCount = {len(inputs)};\n"
        # Aligned as a float or int16 input must be: the M4's VLDR faults on unaligned data.
        f"alignas(16) static const uint8_t kInputs[{len(inputs)}][MF_MODEL_INPUT_BYTES] = {{\n"
        + "\n".join(rows) + "\n};\n", encoding="utf-8")


def parse_hex_outputs(printed: str, count: int, output_bytes: int) -> list[bytes]:
    """The output bytes arm_model_main.cpp printed for each of `count` inputs."""
    lines = [line.strip() for line in printed.splitlines()]
    data = bytes.fromhex("".join(line for line in lines if line and line != "done"))
    assert len(data) == count * output_bytes, "the firmware printed the wrong number of bytes"
    return [data[i * output_bytes:(i + 1) * output_bytes] for i in range(count)]
