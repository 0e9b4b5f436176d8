"""Board profiles carry consistent, usable figures."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from deploy_targets.boards import BOARDS, get_board


def test_the_three_boards_of_the_brief() -> None:
    assert {"nano33ble", "stm32l4", "stm32f7"} <= set(BOARDS)
    nano = get_board("nano33ble")
    assert (nano.clock_hz, nano.flash_bytes, nano.ram_bytes) == (64_000_000, 1 << 20, 256 << 10)
    assert get_board("stm32l4").ram_bytes == 128 << 10
    assert get_board("stm32f7").clock_hz == 216_000_000


def test_the_cheapest_parts_have_profiles_too() -> None:
    """A Cortex-M0+ (no FPU, no DSP extension) and a Cortex-M33, so users see their cost."""
    rp2040 = get_board("rp2040")
    assert (rp2040.core, rp2040.clock_hz, rp2040.ram_bytes) == ("cortex-m0plus", 133_000_000,
                                                                264 << 10)
    assert (rp2040.fpu, rp2040.dsp_extension) == (None, False)
    assert "-mfloat-abi=soft" in rp2040.gcc_flags
    assert "soft-float" in rp2040.cpi_source
    nrf5340 = get_board("nrf5340")
    assert (nrf5340.core, nrf5340.clock_hz) == ("cortex-m33f", 128_000_000)
    assert (nrf5340.fpu, nrf5340.dsp_extension) == ("fpv5-sp-d16", True)
    # The M0+ needs more cycles per instruction than the M4, the M33 fewer.
    nano = get_board("nano33ble")
    assert rp2040.cycles_per_instruction > nano.cycles_per_instruction
    assert nrf5340.cycles_per_instruction < nano.cycles_per_instruction


# The QEMU machine and CPU that run each core's builds: the M0+'s Armv6-M code runs unchanged on
# the Cortex-M3 of mps2-an385 (the instruction count is the M0+'s; its CPI gives the cycles).
EMULATED = {
    "cortex-m0plus": ("mps2-an385", "cortex-m3"),
    "cortex-m4": ("mps2-an386", "cortex-m4"),
    "cortex-m7": ("mps2-an500", "cortex-m7"),
    "cortex-m33": ("mps2-an505", "cortex-m33"),
}


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_core_flags_and_emulator_agree(name: str) -> None:
    board = get_board(name)
    core = board.core.removesuffix("f")
    assert f"-mcpu={core}" in board.gcc_flags
    assert (board.qemu_machine, board.qemu_cpu) == EMULATED[core]
    # An "f" core is built for its FPU; the others soft-float.
    hard = "-mfloat-abi=hard" in board.gcc_flags
    assert hard == board.core.endswith("f") == (board.fpu is not None)
    assert 0.3 <= board.cycles_per_instruction <= 2.0
    assert board.cpi_source.startswith(f"{board.cycles_per_instruction:.1f} cycle")


def test_fpu_and_dsp_extension_come_from_the_build_flags() -> None:
    assert get_board("nano33ble").fpu == "fpv4-sp-d16"
    assert get_board("stm32f7").fpu == "fpv5-sp-d16"
    assert all(board.dsp_extension for board in BOARDS.values() if board.name != "rp2040")
    assert (get_board("rp2040").fpu, get_board("rp2040").dsp_extension) == (None, False)
    # A core without either: a Cortex-M0+ built soft-float, or an M33 built without its DSP.
    m0 = replace(get_board("nano33ble"), gcc_flags=("-mcpu=cortex-m0plus", "-mfloat-abi=soft"))
    assert (m0.fpu, m0.dsp_extension) == (None, False)
    m33 = replace(get_board("nano33ble"), gcc_flags=("-mcpu=cortex-m33+nodsp", "-mthumb"))
    assert (m33.fpu, m33.dsp_extension) == (None, False)
    soft = replace(get_board("stm32l4"), gcc_flags=("-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16",
                                                     "-mfloat-abi=soft"))
    assert (soft.fpu, soft.dsp_extension) == (None, True)


def test_latency_from_instructions_uses_clock_and_cpi() -> None:
    assert get_board("stm32l4").instructions_to_ms(80_000) == pytest.approx(1.0)
    assert get_board("stm32f7").instructions_to_ms(216_000) == pytest.approx(0.6)
    assert get_board("rp2040").instructions_to_ms(133_000) == pytest.approx(1.3)


def test_unknown_board_names_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match="known boards: nano33ble, nrf5340, rp2040, stm32f7, stm32l4"
    ):
        get_board("esp32")


@pytest.mark.toolchain
@pytest.mark.parametrize("name", sorted(BOARDS))
def test_qemu_knows_the_machine(name: str, arm_toolchain: None) -> None:
    board = get_board(name)
    qemu = shutil.which("qemu-system-arm")
    assert qemu is not None
    machines = subprocess.run([qemu, "-M", "help"], capture_output=True, text=True).stdout
    assert board.qemu_machine in machines
