"""The QEMU machines the estimator runs its harness on: where their memory and timer are.

The mps2 FPGA images for Cortex-M3/M4/M7 (AN385/386/500) share one memory map; the AN505
(Cortex-M33 with TrustZone) boots in the secure state, so the harness is linked at the secure
aliases of its SSRAM and reads the secure alias of its timer, which runs at 20 MHz, not 25.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parent / "harness"


@dataclass(frozen=True)
class HarnessMachine:
    """What the harness needs to know of one QEMU machine."""

    linker_script: Path
    timer_base: int  # CMSDK APB timer 0, as the harness's core addresses it
    timer_hz: int  # its clock: one tick is 1e9 / timer_hz instructions under -icount shift=0

    @property
    def instructions_per_tick(self) -> int:
        return 1_000_000_000 // self.timer_hz


_MPS2 = HarnessMachine(HARNESS_DIR / "mps2.ld", 0x4000_0000, 25_000_000)

MACHINES: dict[str, HarnessMachine] = {
    "mps2-an385": _MPS2,  # Cortex-M3: runs the Cortex-M0+ builds (Armv6-M is a subset)
    "mps2-an386": _MPS2,  # Cortex-M4
    "mps2-an500": _MPS2,  # Cortex-M7
    "mps2-an505": HarnessMachine(HARNESS_DIR / "mps2_an505.ld", 0x5000_0000, 20_000_000),
}


def harness_machine(qemu_machine: str) -> HarnessMachine:
    """The harness settings of `qemu_machine`; the error names the machines that have them."""
    try:
        return MACHINES[qemu_machine]
    except KeyError:
        known = ", ".join(sorted(MACHINES))
        raise ValueError(
            f"the estimator's harness does not know QEMU machine {qemu_machine!r}; it knows {known}"
        ) from None
