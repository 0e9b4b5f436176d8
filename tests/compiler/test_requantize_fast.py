"""The fast path's five-instruction requantization (mf/requantize_fast.h) gives the reference's
multiply_by_quantized_multiplier on every edge-case accumulator, multiplier and shift."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy_targets.boards import get_board
from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.emit import RUNTIME_DIR
from tests.compiler.cortex_m import ARM_TOOLS, HARNESS, build_arm, disassembly, run_arm
from tests.conftest import require

REQUANTIZE_MAIN = HARNESS / "requantize_fast_main.cpp"
# 62 shifts x 10 multipliers x 3 output offsets x 400 accumulators (see requantize_fast_main.cpp).
EXPECTED_SUMMARY = "checked 744000 mismatches 0"


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


def table_requantize(words: list[int], x: int) -> int:
    """What the fast path computes from one channel's four table words (requantize_fast.h)."""
    multiplier, low, high, high_shift = words
    rounding = (high << 32) + (low & 0xFFFFFFFF) - ((1 << 31) if x < 0 else 0)
    return ((x * multiplier + rounding) >> 32) >> high_shift


def test_compiled_table_gives_reference_requantization_plus_offset() -> None:
    # The words the compiler emits, read back as the kernels read them, equal the reference's
    # multiply_by_quantized_multiplier + output offset for every right shift that folds.
    xs = [-(1 << 31), -(1 << 31) + 1, (1 << 31) - 1, -(1 << 30) - 1, -(1 << 30), (1 << 30),
          -3, -2, -1, 0, 1, 2, 3, 12345, -12345, 987654321, -987654321]
    xs += [sign * (3 << bit) // 2 for bit in range(30) for sign in (1, -1)]
    multipliers = [0, 1 << 30, (1 << 30) + 1, 1518500250, (1 << 31) - 1]
    shifts = list(range(-q.MAX_FOLDED_RIGHT_SHIFT, 0))
    for output_offset in (-128, 0, 127):
        for multiplier in multipliers:
            words = q.fast_requantizers([multiplier] * len(shifts), shifts, output_offset)
            assert words is not None and len(words) == 4 * len(shifts)
            for index, shift in enumerate(shifts):
                channel = words[4 * index:4 * index + 4]
                assert all(-(1 << 31) <= w < 1 << 31 for w in channel)  # int32 literals
                for x in xs:
                    want = q.multiply_by_quantized_multiplier(x, multiplier, shift) + output_offset
                    assert table_requantize(channel, x) == want, (x, channel)


@pytest.mark.parametrize("outlier", [0, 1, -q.MAX_FOLDED_RIGHT_SHIFT - 1])
def test_no_table_where_a_channel_does_not_fold(outlier: int) -> None:
    # A left shift, no shift, or a right shift too long for the offset: the kernels compute.
    assert q.fast_requantizers([1 << 30] * 3, [-5, outlier, -7], 3) is None
