"""estimate_library on hand-written fixture libraries: QEMU counts, sizes, stack, fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy_targets.boards import get_board
from deploy_targets.estimate import ArmTools, BuildError, QemuError, estimate_library
from deploy_targets.estimate.host_run import build_host_runner, run_host
from deploy_targets.estimate.qemu_run import INSTRUCTIONS_PER_TICK
from tests.conftest import require
from tests.estimate.harness_reference import fnv1a, harness_input

SPIN_LOOP_ITERATIONS = 1_000_000  # spin_loop.h
# (subs, bne) per iteration, plus the call, the return and the timer reads around it.
SPIN_LOOP_INSTRUCTIONS = 2 * SPIN_LOOP_ITERATIONS


def _dot_model_output(input_bytes: bytes) -> bytes:
    weights = [[((o * 64 + i) * 37) % 255 - 127 for i in range(64)] for o in range(4)]
    bias = [100, -200, 300, -400]
    signed = [b - 256 if b > 127 else b for b in input_bytes]
    out = []
    for o in range(4):
        acc = bias[o] + sum(x * w for x, w in zip(signed, weights[o], strict=True))
        out.append(max(-128, min(127, acc >> 10)) & 0xFF)
    return bytes(out)


@pytest.mark.toolchain
@pytest.mark.parametrize("board", ["nano33ble", "stm32f7", "rp2040", "nrf5340"])
def test_qemu_counts_a_loop_of_known_length(
    board: str, arm_toolchain: None, fixtures_dir: Path
) -> None:
    estimate = estimate_library(fixtures_dir / "spin_loop", "spin_loop", board)
    assert estimate.method == "qemu"
    # 25 MHz timers tick every 40 instructions; the AN505's (the M33's) at 20 MHz every 50.
    tick = 50 if board == "nrf5340" else INSTRUCTIONS_PER_TICK
    assert estimate.instruction_resolution == tick
    assert INSTRUCTIONS_PER_TICK == 40
    assert estimate.instructions is not None
    # One timer tick either way, plus the dozen instructions of call, return and timer reads.
    assert abs(estimate.instructions - SPIN_LOOP_INSTRUCTIONS) <= 2 * tick
    expected_ms = SPIN_LOOP_INSTRUCTIONS * get_board(board).cycles_per_instruction
    expected_ms /= get_board(board).clock_hz / 1000
    assert estimate.latency_ms == pytest.approx(expected_ms, rel=1e-3)
    assert "CPI" in estimate.latency_basis


@pytest.mark.toolchain
def test_dot_model_sizes_stack_and_output(arm_toolchain: None, fixtures_dir: Path) -> None:
    estimate = estimate_library(fixtures_dir / "dot_model", "dot_model", "nano33ble")
    assert estimate.method == "qemu" and estimate.reason is None
    # 256 bytes of const weights and 16 of bias are in flash, with the code.
    assert estimate.flash_bytes is not None and 256 + 16 < estimate.flash_bytes < 2048
    # The 256-byte arena is the library's only RAM.
    assert estimate.ram_bytes == 256
    assert estimate.stack_bytes is not None and 0 < estimate.stack_bytes < 256
    assert estimate.stack_bytes_measured is not None
    assert estimate.stack_bytes_measured <= estimate.stack_bytes
    # 256 MACs cannot take fewer than 256 instructions, nor (at -Os) 20 each.
    assert estimate.instructions is not None and 256 < estimate.instructions < 20 * 256
    # The firmware computed what the same int8 arithmetic gives in Python.
    assert estimate.output_fnv1a == fnv1a(_dot_model_output(harness_input(64)))
    assert estimate.fits(get_board("nano33ble"))


@pytest.mark.toolchain
def test_build_errors_carry_gcc_output(arm_toolchain: None, tmp_path: Path) -> None:
    (tmp_path / "broken.h").write_text(
        "#define BROKEN_INPUT_BYTES 4\n#define BROKEN_OUTPUT_BYTES 4\n#define BROKEN_ARENA_BYTES 0\n"
        "int broken_invoke(const void *input, void *output);\n"
    )
    (tmp_path / "broken.cpp").write_text('#include "broken.h"\nint broken_invoke( {\n')
    with pytest.raises(BuildError, match="compiling broken.cpp"):
        estimate_library(tmp_path, "broken", "stm32l4")


def test_missing_toolchain_falls_back_to_mac_estimate(fixtures_dir: Path) -> None:
    tools = ArmTools(gxx="/nonexistent/arm-none-eabi-g++")
    estimate = estimate_library(
        fixtures_dir / "dot_model", "dot_model", "stm32l4", mac_count=256_000, tools=tools
    )
    assert estimate.method == "mac-estimate"
    assert estimate.reason is not None and "/nonexistent/arm-none-eabi-g++" in estimate.reason
    # 256 000 MACs at 0.25 MAC/instruction, 1.0 CPI, 80 MHz.
    assert estimate.instructions == 1_024_000
    assert estimate.latency_ms == pytest.approx(12.8)
    assert "ESTIMATE" in estimate.latency_basis and "MAC per instruction" in estimate.latency_basis
    assert estimate.ram_bytes == 256  # the header's arena
    assert estimate.flash_bytes is None


def test_fallback_without_mac_count_says_it_has_no_latency(fixtures_dir: Path) -> None:
    tools = ArmTools(qemu="/nonexistent/qemu-system-arm")
    estimate = estimate_library(fixtures_dir / "dot_model", "dot_model", tools=tools)
    assert estimate.method == "mac-estimate"
    assert estimate.latency_ms is None and "no MAC count" in estimate.latency_basis


def test_bad_library_name_and_missing_header(fixtures_dir: Path) -> None:
    with pytest.raises(ValueError, match="must be a C identifier"):
        estimate_library(fixtures_dir / "dot_model", "dot-model")
    with pytest.raises(ValueError, match="does not exist"):
        estimate_library(fixtures_dir / "dot_model", "other_model")


def test_header_without_arena_define_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.h").write_text("#define M_INPUT_BYTES 4\n#define M_OUTPUT_BYTES 4\n")
    with pytest.raises(ValueError, match="#define M_ARENA_BYTES"):
        estimate_library(tmp_path, "m")


def test_host_runner_matches_python_arithmetic(fixtures_dir: Path, tmp_path: Path) -> None:
    require(shutil.which("g++") is not None, "g++ is not installed")
    runner = build_host_runner(fixtures_dir / "dot_model", "dot_model", tmp_path)
    inputs = [harness_input(64), bytes(range(64)), bytes(64)]
    outputs = run_host(runner, inputs, output_bytes=4)
    assert outputs == [_dot_model_output(data) for data in inputs]


@pytest.mark.toolchain
@pytest.mark.parametrize(
    ("body", "printed"),
    [("return 3;", "mf_status=3"), ('__asm__ volatile("udf #0"); return 0;', "QEMU exit 1")],
    ids=["nonzero-status", "fault"],
)
def test_a_failing_invoke_is_an_error_not_a_figure(
    body: str, printed: str, arm_toolchain: None, tmp_path: Path
) -> None:
    (tmp_path / "bad.h").write_text(
        "#define BAD_INPUT_BYTES 4\n#define BAD_OUTPUT_BYTES 4\n#define BAD_ARENA_BYTES 0\n"
        "int bad_invoke(const void *input, void *output);\n"
    )
    (tmp_path / "bad.cpp").write_text(
        '#include "bad.h"\nint bad_invoke(const void *, void *) { ' + body + " }\n"
    )
    with pytest.raises(QemuError, match=printed):
        estimate_library(tmp_path, "bad", "nano33ble")
