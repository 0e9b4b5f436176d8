"""The emulated serial board (QEMU mps2-an386 with its UART on a pseudo-terminal)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy_targets.serial_board import EmulatedBoard, build_signal_firmware, start_board
from tests.conftest import require

SIGNAL_HZ = 100


def require_arm_tools() -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")


@pytest.fixture(scope="session")
def signal_firmware(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_arm_tools()
    return build_signal_firmware(tmp_path_factory.mktemp("signal"), signal_hz=SIGNAL_HZ,
                                 baud=115200)


@pytest.fixture
def signal_board(signal_firmware: Path) -> Iterator[EmulatedBoard]:
    """A board printing a 3-axis signal at 100 Hz on its serial port."""
    with start_board(signal_firmware, count_instructions=False) as board:
        yield board
