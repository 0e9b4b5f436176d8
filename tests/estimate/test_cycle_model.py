"""The Cortex-M4 cycle model: instruction prices, block pipelining, and counts from QEMU's log."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_targets.boards import BOARDS, get_board
from deploy_targets.estimate import estimate_library
from deploy_targets.estimate.core_cycles import core_cycles
from deploy_targets.estimate.cycle_model import (
    DIVIDE_CYCLES,
    PIPELINE_REFILL_CYCLES,
    count_cycles,
    make_block,
    price,
)

SPIN_LOOP_ITERATIONS = 1_000_000  # spin_loop.h


@pytest.mark.parametrize(
    ("mnemonic", "operands", "klass", "cycles", "refills"),
    [
        ("adds", "r0, r1, #1", "alu", 1, 0),
        ("sxtb16", "r2, r3, ror #8", "alu", 1, 0),
        ("smlad", "r0, r1, r2, r0", "multiply", 1, 0),
        ("smlal", "r0, r1, r2, r3", "multiply", 1, 0),
        ("mla", "r0, r1, r2, r0", "multiply", 1, 0),
        ("sdiv", "r0, r1, r2", "divide", DIVIDE_CYCLES, 0),
        ("ldr.w", "r3, [r2, #0xd88]", "load", 2, 0),
        ("ldrsb", "r3, [r2, r1]", "load", 2, 0),
        ("str", "r3, [r2, #4]", "store", 1, 0),
        ("strb.w", "r3, [r2, r1]", "store", 2, 0),
        ("ldrd", "r0, r1, [r2]", "load", 3, 0),
        ("ldm.w", "r0!, {r2, r3, r4, r5}", "load/store multiple", 5, 0),
        ("push", "{r3, r4, r5, lr}", "load/store multiple", 5, 0),
        ("pop.w", "{r4, r5, r6, r7, r8, pc}", "load/store multiple", 7, 1),
        ("stmdb", "sp!, {r4-r11, lr}", "load/store multiple", 10, 0),
        ("b", "#0x40", "branch", 1, 1),
        ("bl", "#0x26b0", "branch", 1, 1),
        ("bx", "lr", "branch", 1, 1),
        ("tbb", "[pc, r3]", "branch", 2, 1),
        ("mov", "pc, r3", "branch", 1, 1),
        ("vmla.f32", "s0, s1, s2", "fpu", 3, 0),
    ],
)
def test_prices_follow_the_trm_table(
    mnemonic: str, operands: str, klass: str, cycles: int, refills: int
) -> None:
    instruction = price(0x100, 4, mnemonic, operands)
    assert (instruction.klass, instruction.cycles, instruction.refills) == (klass, cycles, refills)


@pytest.mark.parametrize("mnemonic", ["bne", "blo", "bls", "bge", "cbz", "cbnz"])
def test_conditional_branches_refill_only_when_taken(mnemonic: str) -> None:
    instruction = price(0x100, 2, mnemonic, "#0x80")
    assert instruction.klass == "branch"
    assert instruction.conditional_branch and instruction.refills == 0


def test_neighbouring_loads_pipeline_and_address_dependencies_stall() -> None:
    loads = [price(0x100 + 4 * i, 4, "ldr", f"r{i}, [r7, #{4 * i}]") for i in range(3)]
    # 2 for the first, 1 for each that follows (the TRM's footnote on neighbouring loads).
    assert make_block(0x100, loads, "f").cycles == 4
    dependent = [price(0x100, 2, "adds", "r1, r1, #4"), price(0x102, 2, "ldr", "r0, [r1]")]
    assert make_block(0x100, dependent, "f").cycles == 1 + 2 + 1
    independent = [price(0x100, 2, "adds", "r2, r2, #4"), price(0x102, 2, "ldr", "r0, [r1]")]
    assert make_block(0x100, independent, "f").cycles == 1 + 2


def _log(loop_runs: int) -> list[str]:
    """A QEMU -d in_asm,exec,nochain log: entry TB at 0x100 -> a two-instruction loop at 0x104
    taken `loop_runs - 1` times -> return into main at 0x200."""
    lines = [
        "IN: invoke",
        "0x00000100:  2005       movs     r0, #5",
        "",
        "Trace 0: 0x7f0000000100 [00800408/00000100/00000110/ff000200] invoke",
        "IN: invoke",
        "0x00000104:  3801       subs     r0, #1",
        "0x00000106:  d1fd       bne      #0x104",
        "",
    ]
    lines += ["Trace 0: 0x7f0000000200 [00800408/00000104/00000110/ff000200] invoke"] * loop_runs
    lines += [
        "IN: main",
        "0x00000200:  4770       bx       lr",
        "",
        "Trace 0: 0x7f0000000300 [00800408/00000200/00000110/ff000200] main",
    ]
    return lines


def test_count_cycles_prices_taken_branches_from_the_stream() -> None:
    count = count_cycles(_log(5), start_pc=0x100, stop_range=(0x200, 0x210))
    assert count.instructions == 1 + 2 * 5
    # movs 1; five times subs 1 + bne 1; four taken branches back to 0x104, and the fifth
    # falls through to 0x108 - but the stream goes to main at 0x200, which is a taken exit too.
    assert count.base_cycles == 1 + 5 * 2
    assert count.refills == 5
    assert count.cycles() == 1 + 5 * 2 + 5 * PIPELINE_REFILL_CYCLES
    assert count.cycle_range == (1 + 10 + 5, 1 + 10 + 15)
    assert count.by_symbol["invoke"] == count.cycles()
    assert count.instructions_by_class == {"alu": 6, "branch": 5}


def test_count_cycles_refuses_a_stream_that_never_enters_invoke() -> None:
    with pytest.raises(ValueError, match="0x400"):
        count_cycles(_log(2), start_pc=0x400, stop_range=(0x200, 0x210))


@pytest.mark.toolchain
def test_spin_loop_costs_subs_and_a_taken_branch_per_iteration(
    arm_toolchain: None, fixtures_dir: Path
) -> None:
    estimate = estimate_library(
        fixtures_dir / "spin_loop", "spin_loop", "nano33ble", count_cycles=True
    )
    assert estimate.cycles is not None and estimate.instructions is not None
    # The trace sees the instructions QEMU's timer counted (within its 40-instruction tick).
    assert abs(estimate.cycles.instructions - estimate.instructions) <= 40
    # subs (1) + taken bne (1 + P) per iteration, a few dozen cycles of call and return.
    per_iteration = 2 + PIPELINE_REFILL_CYCLES
    assert estimate.cycle_estimate is not None
    assert 0 <= estimate.cycle_estimate - per_iteration * SPIN_LOOP_ITERATIONS < 40
    low, high = estimate.cycles.cycle_range
    assert low < estimate.cycle_estimate < high
    assert any(note.startswith("cycles:") for note in estimate.notes)


@pytest.mark.toolchain
def test_cycles_are_counted_only_when_asked_and_scaled_to_the_boards_core(
    arm_toolchain: None, fixtures_dir: Path
) -> None:
    assert estimate_library(fixtures_dir / "spin_loop", "spin_loop", "nano33ble").cycles is None
    for name, factor in (("nano33ble", 1.0), ("stm32f7", 1.25 / 2.14)):
        board = get_board(name)
        estimate = estimate_library(
            fixtures_dir / "spin_loop", "spin_loop", name, count_cycles=True
        )
        assert estimate.cycle_estimate is not None and estimate.instructions is not None
        # The M7 build's stream is the same loop, priced at Cortex-M4 timings...
        assert estimate.cycle_estimate >= estimate.instructions
        # ...and its latency is those cycles times the core's documented factor at its clock.
        assert estimate.cycle_factor == pytest.approx(factor)
        expected_ms = estimate.cycle_estimate * factor / board.clock_hz * 1000
        assert estimate.cycle_latency_ms == pytest.approx(expected_ms)
        assert estimate.cycle_basis is not None
        assert estimate.cycle_basis.startswith("≈ cycles, Cortex-M4 model; instructions are")
    m7 = estimate_library(fixtures_dir / "spin_loop", "spin_loop", "stm32f7", count_cycles=True)
    assert m7.cycle_basis is not None and "Cortex-M7: Cortex-M4 cycles x 0.58" in m7.cycle_basis


@pytest.mark.toolchain
def test_a_run_longer_than_the_trace_budget_says_why_it_has_no_cycles(
    arm_toolchain: None, fixtures_dir: Path
) -> None:
    estimate = estimate_library(
        fixtures_dir / "spin_loop",
        "spin_loop",
        "nano33ble",
        count_cycles=True,
        max_traced_instructions=1000,
    )
    assert estimate.cycles is None and estimate.cycle_latency_ms is None
    assert estimate.cycle_basis is not None
    assert estimate.cycle_basis.startswith("no cycle estimate:") and "1000" in estimate.cycle_basis


def test_a_log_that_ends_before_invoke_returns_is_refused() -> None:
    # A QEMU killed by the timeout: its log stops inside the loop. A count of it would be short.
    truncated = _log(5)[:-4]  # without main's TB
    with pytest.raises(ValueError, match="before invoke returned"):
        count_cycles(truncated, start_pc=0x100, stop_range=(0x200, 0x210))


def test_every_board_has_a_documented_cycle_factor() -> None:
    for board in BOARDS.values():
        core = core_cycles(board)
        assert core is not None, board.name
        assert 0.3 < core.factor <= 1.0 and core.assumption.startswith("Cortex-M")
        # The model's own core is not scaled.
        assert (core.factor == 1.0) == (
            board.core.startswith("cortex-m4") or board.core == "cortex-m0plus"
        )
