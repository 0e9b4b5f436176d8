"""Run the estimator's firmware under QEMU with -icount shift=0 and read what the harness prints.

With `-icount shift=0` every guest instruction advances virtual time by exactly 1 ns. The
harness reads the mps2 CMSDK timer 0, clocked at the machine's system clock (25 MHz: one tick
is 40 ns = 40 instructions; 20 MHz on the AN505: 50), so counts are exact to within one tick.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy_targets.boards import Board
from deploy_targets.estimate.machines import harness_machine

MPS2_TIMER_HZ = 25_000_000
# On the Cortex-M3/M4/M7 machines; `harness_machine(...).instructions_per_tick` for any.
INSTRUCTIONS_PER_TICK = 1_000_000_000 // MPS2_TIMER_HZ  # 1 ns per instruction under shift=0

_FIELD = re.compile(r"^mf_(\w+)=(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class QemuRun:
    """Figures one run of the harness printed."""

    invoke_status: int
    instructions: int
    stack_bytes_measured: int
    output_fnv1a: int


class QemuError(RuntimeError):
    """QEMU did not run the firmware to its end; the message holds what it printed."""


def harness_input_bytes(count: int) -> bytes:
    """The input bytes harness_main.cpp feeds invoke: the top byte of a 32-bit LCG, seed 12345."""
    state = 12345
    data = bytearray()
    for _ in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        data.append(state >> 24)
    return bytes(data)


def fnv1a32(data: bytes) -> int:
    """The checksum the harness prints over the output bytes (32-bit FNV-1a)."""
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def qemu_command(qemu: str, board: Board, elf: Path) -> list[str]:
    """The QEMU command line that runs `elf` on the core of `board`, counting instructions."""
    return [
        qemu,
        "-M", board.qemu_machine,
        "-cpu", board.qemu_cpu,
        "-nographic",
        "-monitor", "none",
        "-serial", "none",
        "-icount", "shift=0",
        "-semihosting-config", "enable=on,target=native",
        "-kernel", str(elf),
    ]


def run_firmware(qemu: str, board: Board, elf: Path, timeout_s: float) -> QemuRun:
    """Run `elf` once under QEMU and parse the harness's `mf_key=value` lines."""
    try:
        result = subprocess.run(
            qemu_command(qemu, board, elf), capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired as error:
        raise QemuError(
            f"QEMU ran {elf.name} for more than {timeout_s:.0f} s without exiting; the library "
            "loops forever, faulted into a hang, or needs a longer ArmTools.qemu_timeout_s"
        ) from error
    printed = result.stdout + result.stderr
    fields = {key: int(value) for key, value in _FIELD.findall(printed)}
    if "mf_done" not in printed or result.returncode != 0:
        raise QemuError(
            f"the harness did not finish on {board.qemu_machine} (QEMU exit "
            f"{result.returncode}; a fault or a nonzero invoke status ends the run early):\n"
            f"{printed[-2000:]}"
        )
    return QemuRun(
        invoke_status=fields["status"],
        instructions=fields["timer_ticks"]
        * harness_machine(board.qemu_machine).instructions_per_tick,
        stack_bytes_measured=fields["stack_bytes"],
        output_fnv1a=fields["output_fnv1a"],
    )
