"""Board profiles: the microcontrollers a library is built and estimated for.

Each profile names its core, clock, memories, the gcc flags for its core, the QEMU machine that
emulates that core, and the cycles-per-instruction figure used to turn instructions into time.
"""

from __future__ import annotations

from dataclasses import dataclass

_M4F_FLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard")
# The STM32F746's FPU is single precision only (fpv5-sp-d16); a double-precision M7 would use
# fpv5-d16, but nothing in an int8 library needs doubles in hardware.
_M7F_FLAGS = ("-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard")

# Armv7E-M cores always have the DSP extension; Armv8-M Mainline ones unless built +nodsp.
_DSP_CORES = frozenset(
    {"cortex-m4", "cortex-m7", "cortex-m33", "cortex-m35p", "cortex-m55", "cortex-m85"}
)

_M4_CPI = 1.0
_M4_CPI_SOURCE = (
    "1.0 cycle per instruction: Cortex-M4 with zero-wait-state flash or an accelerator that hides "
    "the wait states (nRF52840 cache, STM32 ART); loads (2 cycles) and taken branches (2-4) "
    "make real code 10-30 % slower, so the latency is a lower bound"
)
# Arm's Dhrystone figures, 1.25 DMIPS/MHz on the M4 and 2.14 on the M7, give the M7 the same
# instruction stream in 1.25 / 2.14 = 0.58 of the cycles thanks to dual issue; 0.6 rounds that up.
_M7_CPI = 0.6
_M7_CPI_SOURCE = (
    "0.6 cycle per instruction: Cortex-M7 dual issue, from Arm's Dhrystone ratio "
    "1.25 / 2.14 DMIPS/MHz (M4 / M7), with I- and D-cache enabled and code in flash via ART/AXI"
)


@dataclass(frozen=True)
class Board:
    """One microcontroller board: what it has, how to build for it, how to emulate its core."""

    name: str
    description: str
    core: str
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    gcc_flags: tuple[str, ...]
    qemu_machine: str
    qemu_cpu: str
    cycles_per_instruction: float
    cpi_source: str

    @property
    def fpu(self) -> str | None:
        """The floating-point unit the library is built for (the -mfpu flag), None without one."""
        if "-mfloat-abi=soft" in self.gcc_flags:
            return None
        for flag in self.gcc_flags:
            if flag.startswith("-mfpu="):
                return flag.removeprefix("-mfpu=")
        return None

    @property
    def dsp_extension(self) -> bool:
        """Whether the core has the Arm DSP (SIMD multiply-accumulate) instructions the int8
        kernels use. Read from -mcpu so the flags that build the library stay the one source."""
        for flag in self.gcc_flags:
            if flag.startswith("-mcpu="):
                cpu, *features = flag.removeprefix("-mcpu=").split("+")
                return cpu in _DSP_CORES and "nodsp" not in features
        return False

    def instructions_to_ms(self, instruction_count: int) -> float:
        """Latency in milliseconds of `instruction_count` instructions at this board's clock."""
        cycles = instruction_count * self.cycles_per_instruction
        return cycles / self.clock_hz * 1000.0


BOARDS: dict[str, Board] = {
    board.name: board
    for board in (
        Board(
            name="nano33ble",
            description="Arduino Nano 33 BLE Sense (nRF52840)",
            core="cortex-m4f",
            clock_hz=64_000_000,
            flash_bytes=1024 * 1024,
            ram_bytes=256 * 1024,
            gcc_flags=_M4F_FLAGS,
            qemu_machine="mps2-an386",
            qemu_cpu="cortex-m4",
            cycles_per_instruction=_M4_CPI,
            cpi_source=_M4_CPI_SOURCE,
        ),
        Board(
            name="stm32l4",
            description="STM32L476 (e.g. NUCLEO-L476RG)",
            core="cortex-m4f",
            clock_hz=80_000_000,
            flash_bytes=1024 * 1024,
            ram_bytes=128 * 1024,
            gcc_flags=_M4F_FLAGS,
            qemu_machine="mps2-an386",
            qemu_cpu="cortex-m4",
            cycles_per_instruction=_M4_CPI,
            cpi_source=_M4_CPI_SOURCE,
        ),
        Board(
            name="stm32f7",
            description="STM32F746 (e.g. 32F746G-DISCOVERY)",
            core="cortex-m7f",
            clock_hz=216_000_000,
            flash_bytes=1024 * 1024,
            ram_bytes=320 * 1024,
            gcc_flags=_M7F_FLAGS,
            qemu_machine="mps2-an500",
            qemu_cpu="cortex-m7",
            cycles_per_instruction=_M7_CPI,
            cpi_source=_M7_CPI_SOURCE,
        ),
    )
}


def get_board(name: str) -> Board:
    """The board profile called `name`; the error lists the names that exist."""
    try:
        return BOARDS[name]
    except KeyError:
        known = ", ".join(sorted(BOARDS))
        raise ValueError(f"unknown board {name!r}; known boards: {known}") from None
