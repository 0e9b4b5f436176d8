"""The emulated serial board: firmware for QEMU's mps2-an386 (Cortex-M4) that talks over the
CMSDK UART, which QEMU connects to a pseudo-terminal, as a board on /dev/ttyACM0 would."""

from deploy_targets.serial_board.firmware import (
    build_device_test_firmware,
    build_signal_firmware,
)
from deploy_targets.serial_board.qemu import EmulatedBoard, start_board

__all__ = ["EmulatedBoard", "build_device_test_firmware", "build_signal_firmware", "start_board"]
