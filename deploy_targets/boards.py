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
# Armv6-M: no FPU (every float operation is a libgcc soft-float call), no DSP extension (the
# int8 kernels take their plain C++ path, one multiply-accumulate at a time), Thumb-1 only.
_M0PLUS_FLAGS = ("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft")
# Armv8-M Mainline with the DSP extension and a single-precision FPU, as on the nRF5340's
# application core.
_M33F_FLAGS = ("-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard")

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
# The Cortex-M0+ runs Armv6-M code, a subset of the Armv7-M that QEMU's Cortex-M3 (mps2-an385)
# executes: the instruction count of the M0+ build is measured there exactly; only cycles
# differ, and those come from the CPI below.
_M0PLUS_CPI = 1.3
_M0PLUS_CPI_SOURCE = (
    "1.3 cycles per instruction: Cortex-M0+ two-stage pipeline, ALU and multiply 1 cycle but "
    "loads, stores and taken branches 2 (Arm Cortex-M0+ TRM), about a third of the instructions "
    "of DSP and int8 code; the instruction count is measured (Armv6-M code in QEMU's Cortex-M3) "
    "and already includes every soft-float call (libgcc's), since the M0+ has no FPU; the Pico "
    "SDK routes float arithmetic to the RP2040 boot ROM's faster routines, so float DSP built "
    "with it runs faster than this. RP2040 code runs from external QSPI flash through a 16 KiB "
    "cache: a loop that misses it is much slower"
)
# Cortex-M33: Arm gives 1.5 DMIPS/MHz (M4: 1.25), i.e. the same instruction stream in about
# 1.25 / 1.5 = 0.83 of the M4's cycles; 0.9 keeps a margin for the nRF5340's flash wait states
# (its 8 KiB cache hides most of them).
_M33_CPI = 0.9
_M33_CPI_SOURCE = (
    "0.9 cycle per instruction: Cortex-M33, Arm's Dhrystone ratio 1.25 / 1.5 DMIPS/MHz (M4 / M33) "
    "= 0.83 rounded up for flash wait states behind the nRF5340's 8 KiB instruction cache"
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
        Board(
            name="rp2040",
            description="Raspberry Pi RP2040 (e.g. Pico): Cortex-M0+, no FPU",
            core="cortex-m0plus",
            clock_hz=133_000_000,
            flash_bytes=2 * 1024 * 1024,
            ram_bytes=264 * 1024,
            gcc_flags=_M0PLUS_FLAGS,
            qemu_machine="mps2-an385",
            qemu_cpu="cortex-m3",
            cycles_per_instruction=_M0PLUS_CPI,
            cpi_source=_M0PLUS_CPI_SOURCE,
        ),
        Board(
            name="nrf5340",
            description="Nordic nRF5340 application core (e.g. nRF5340 DK): Cortex-M33F",
            core="cortex-m33f",
            clock_hz=128_000_000,
            flash_bytes=1024 * 1024,
            ram_bytes=512 * 1024,
            gcc_flags=_M33F_FLAGS,
            qemu_machine="mps2-an505",
            qemu_cpu="cortex-m33",
            cycles_per_instruction=_M33_CPI,
            cpi_source=_M33_CPI_SOURCE,
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
