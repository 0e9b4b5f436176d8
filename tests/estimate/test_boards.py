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


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_core_flags_and_emulator_agree(name: str) -> None:
    board = get_board(name)
    core = board.core.removesuffix("f")
    assert f"-mcpu={core}" in board.gcc_flags
    assert board.qemu_cpu == core
    assert "-mfloat-abi=hard" in board.gcc_flags
    assert board.qemu_machine == {"cortex-m4": "mps2-an386", "cortex-m7": "mps2-an500"}[core]
    assert 0.3 <= board.cycles_per_instruction <= 2.0
    assert board.cpi_source.startswith(f"{board.cycles_per_instruction:.1f} cycle")


def test_fpu_and_dsp_extension_come_from_the_build_flags() -> None:
    assert get_board("nano33ble").fpu == "fpv4-sp-d16"
    assert get_board("stm32f7").fpu == "fpv5-sp-d16"
    assert all(board.dsp_extension for board in BOARDS.values())
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


def test_unknown_board_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known boards: nano33ble, stm32f7, stm32l4"):
        get_board("esp32")


@pytest.mark.toolchain
@pytest.mark.parametrize("name", sorted(BOARDS))
def test_qemu_knows_the_machine(name: str, arm_toolchain: None) -> None:
    board = get_board(name)
    qemu = shutil.which("qemu-system-arm")
    assert qemu is not None
    machines = subprocess.run([qemu, "-M", "help"], capture_output=True, text=True).stdout
    assert board.qemu_machine in machines
