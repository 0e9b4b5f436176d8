"""The fast path's five-instruction requantization (mf/requantize_fast.h) gives the reference's
multiply_by_quantized_multiplier on every edge-case accumulator, multiplier and shift."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy_targets.boards import get_board
from deploy_targets.compiler.emit import RUNTIME_DIR
from tests.compiler.cortex_m import ARM_TOOLS, HARNESS, build_arm, disassembly, run_arm
from tests.conftest import require

REQUANTIZE_MAIN = HARNESS / "requantize_fast_main.cpp"
# 62 shifts x 10 multipliers x 400 accumulators (see requantize_fast_main.cpp).
EXPECTED_SUMMARY = "checked 248000 mismatches 0"


def host_summary(fast: int, tmp_path: Path) -> list[str]:
    executable = tmp_path / f"requantize_{fast}"
    subprocess.run(["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror",
                    f"-DMF_FAST_KERNELS={fast}", f"-I{RUNTIME_DIR.parent}", str(REQUANTIZE_MAIN),
                    "-o", str(executable)], check=True)
    return subprocess.run([str(executable)], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_portable_fast_requantization_equals_reference_on_edge_cases(tmp_path: Path) -> None:
    assert host_summary(1, tmp_path) == [EXPECTED_SUMMARY, "done"]


@pytest.mark.toolchain
def test_cortex_m4_fast_requantization_equals_reference_on_edge_cases(tmp_path: Path) -> None:
    for tool in ARM_TOOLS:
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    board = get_board("nano33ble")
    elf = build_arm([REQUANTIZE_MAIN], [RUNTIME_DIR.parent], board, tmp_path / "requantize.elf")
    assert "smlal" in disassembly(elf)  # the inline-assembly path, not the portable twin
    assert run_arm(board, elf).splitlines()[-2:] == [EXPECTED_SUMMARY, "done"]
