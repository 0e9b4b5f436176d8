"""Run the serial board's firmware in QEMU with its UART on a pseudo-terminal: the path QEMU
names is the board's serial port for pyserial (`mcuforge forward --port /dev/pts/N`)."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deploy_targets.boards import get_board
from deploy_targets.serial_board.firmware import BOARD_NAME

_PTY = re.compile(r"char device redirected to (/dev/pts/\d+)")


@dataclass
class EmulatedBoard:
    """A running QEMU; `port` is its UART. Stop it with `stop()` (or use it as a context)."""

    process: subprocess.Popen  # type: ignore[type-arg]
    port: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> EmulatedBoard:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_board(elf: Path, *, count_instructions: bool, qemu: str = "qemu-system-arm",
                timeout_s: float = 30.0) -> EmulatedBoard:
    """Start `elf` on mps2-an386 with UART0 on a new pseudo-terminal.

    `count_instructions` (device_test): -icount shift=0, one instruction is 1 ns of virtual
    time, so the CMSDK timer counts instructions exactly. Without it (the signal firmware)
    QEMU's virtual clock is the host's clock, so the firmware's timer pacing holds in real time;
    under -icount a firmware that sleeps in WFI between ticks falls behind real time by each
    wake-up's host latency (a 100 Hz signal paced by SysTick arrived at 59 Hz)."""
    board = get_board(BOARD_NAME)
    icount = ["-icount", "shift=0"] if count_instructions else []
    process = subprocess.Popen(
        [qemu, "-M", board.qemu_machine, "-cpu", board.qemu_cpu, "-nographic",
         "-monitor", "none", "-serial", "pty", *icount, "-kernel", str(elf)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
        match = _PTY.search(line)
        if match:
            return EmulatedBoard(process, match[1])
    process.kill()
    process.wait()
    raise RuntimeError(f"QEMU did not open a pseudo-terminal for the UART:\n{seen[-2000:]}")
