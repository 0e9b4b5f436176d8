"""From the Cortex-M4 cycle model's count to a board's core: one documented factor per core.

The cycle model (cycle_model.py) prices instructions by the Cortex-M4's timings. Every board's
own build is traced (its instruction stream is the one its compiler flags produce); on a core
that is not a Cortex-M4 the count is multiplied by the factor below, and what that assumes is
said beside the figure. Zero flash wait states throughout, as the model assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from deploy_targets.boards import Board

# Arm's Dhrystone figures in DMIPS/MHz: how many cycles another core takes for the instruction
# stream a Cortex-M4 runs at one cycle each, apart from what the model already prices.
_M4_DMIPS_PER_MHZ = 1.25
_M7_DMIPS_PER_MHZ = 2.14
_M33_DMIPS_PER_MHZ = 1.5


@dataclass(frozen=True)
class CoreCycles:
    """How a core's cycles follow from the Cortex-M4 model's."""

    core: str  # as -mcpu names it
    factor: float  # the core's cycles per Cortex-M4-model cycle
    assumption: str  # what the figure assumes, for the user


_CORES = {
    "cortex-m4": CoreCycles(
        "cortex-m4",
        1.0,
        "Cortex-M4: the model's own core (Arm Cortex-M4 TRM r0p1 timings), zero flash wait states "
        "(the nRF52840's cache and the STM32's ART accelerator hide most of them)",
    ),
    "cortex-m7": CoreCycles(
        "cortex-m7",
        _M4_DMIPS_PER_MHZ / _M7_DMIPS_PER_MHZ,
        f"Cortex-M7: Cortex-M4 cycles x {_M4_DMIPS_PER_MHZ / _M7_DMIPS_PER_MHZ:.2f} for its dual "
        f"issue, Arm's Dhrystone ratio {_M4_DMIPS_PER_MHZ} / {_M7_DMIPS_PER_MHZ} DMIPS/MHz "
        "(M4 / M7); Plumerai's MLPerf Tiny anomaly-detection results give 0.63 (0.49 M cycles on "
        "an STM32L4R5, 0.31 M on an STM32F746); caches on, code in flash behind ART/AXI",
    ),
    "cortex-m33": CoreCycles(
        "cortex-m33",
        _M4_DMIPS_PER_MHZ / _M33_DMIPS_PER_MHZ,
        f"Cortex-M33: Cortex-M4 cycles x {_M4_DMIPS_PER_MHZ / _M33_DMIPS_PER_MHZ:.2f}, Arm's "
        f"Dhrystone ratio {_M4_DMIPS_PER_MHZ} / {_M33_DMIPS_PER_MHZ} DMIPS/MHz (M4 / M33); zero "
        "flash wait states (the nRF5340's 8 KiB instruction cache hides most of them)",
    ),
    "cortex-m0plus": CoreCycles(
        "cortex-m0plus",
        1.0,
        "Cortex-M0+: the M0+ build's own instructions (Armv6-M) priced at Cortex-M4 timings, not "
        "scaled; the Cortex-M0+ TRM gives every load and store 2 cycles (the model: 1 next to "
        "another load or store) and a taken branch 2 (the model: 3), so it errs both ways; "
        "RP2040 code runs from external flash through a 16 KiB cache, and a loop that misses it "
        "is much slower",
    ),
}


def core_of(board: Board) -> str | None:
    """The core `board` is built for, as its -mcpu flag names it (without +features)."""
    for flag in board.gcc_flags:
        if flag.startswith("-mcpu="):
            return flag.removeprefix("-mcpu=").split("+")[0]
    return None


def core_cycles(board: Board) -> CoreCycles | None:
    """The factor and assumption for `board`'s core; None for a core the model has none for."""
    core = core_of(board)
    return None if core is None else _CORES.get(core)
