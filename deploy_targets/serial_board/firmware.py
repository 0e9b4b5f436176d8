"""Cross-compile the emulated serial board's firmware: the synthetic signal, or an SDK's
device_test example, with the board's startup and UART (arm-none-eabi-gcc, newlib-nano)."""

from __future__ import annotations

from pathlib import Path

from deploy_targets.boards import get_board
from deploy_targets.estimate.arm_build import COMPILE_FLAGS, HARNESS_DIR, ArmTools, _run

BOARD_DIR = Path(__file__).resolve().parent / "board"
BOARD_NAME = "nano33ble"  # a Cortex-M4F profile: its gcc flags, QEMU mps2-an386
LINKER_SCRIPT = HARNESS_DIR / "mps2.ld"  # the estimator's memory map of the mps2 boards
LINK_FLAGS = ("--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections")


def _compile(tools: ArmTools, source: Path, obj: Path, extra: list[str]) -> Path:
    flags = [*get_board(BOARD_NAME).gcc_flags, *COMPILE_FLAGS]
    _run([tools.gxx, *flags, *extra, "-c", str(source), "-o", str(obj)],
         tools.compile_timeout_s, f"compiling {source.name} for the serial board")
    return obj


def _link(tools: ArmTools, objects: list[Path], elf: Path) -> Path:
    _run([tools.gxx, *get_board(BOARD_NAME).gcc_flags, *LINK_FLAGS, "-T", str(LINKER_SCRIPT),
          *map(str, objects), "-lm", "-o", str(elf)],
         tools.compile_timeout_s, f"linking {elf.name}")
    return elf


def _board_objects(tools: ArmTools, work_dir: Path) -> list[Path]:
    return [
        _compile(tools, BOARD_DIR / f"{stem}.cpp", work_dir / f"board_{stem}.o", [])
        for stem in ("startup", "cmsdk_uart")
    ]


def build_signal_firmware(
    work_dir: Path, *, signal_hz: int, baud: int, sequence: bool = False,
    tools: ArmTools | None = None,
) -> Path:
    """The board printing a 3-axis signal at `signal_hz` through a UART paced at `baud`."""
    tools = tools or ArmTools()
    if not 1 <= signal_hz <= baud // 10:
        raise ValueError(f"signal_hz {signal_hz} must be 1 to baud/10 = {baud // 10}")
    work_dir.mkdir(parents=True, exist_ok=True)
    defines = [f"-DMF_SIGNAL_HZ={signal_hz}u", f"-DMF_BAUD={baud}u",
               f"-DMF_SEQUENCE={1 if sequence else 0}", f"-I{BOARD_DIR}"]
    main = _compile(tools, BOARD_DIR / "signal_main.cpp", work_dir / "signal_main.o", defines)
    return _link(tools, [*_board_objects(tools, work_dir), main],
                 work_dir / f"signal_{signal_hz}hz_{baud}.elf")


def build_device_test_firmware(sdk_dir: Path, work_dir: Path, tools: ArmTools | None = None
                               ) -> Path:
    """An unpacked C++ SDK's examples/device_test with the whole library, for this board."""
    tools = tools or ArmTools()
    work_dir.mkdir(parents=True, exist_ok=True)
    sources = sorted(
        [*sdk_dir.glob("*.cpp"), *sdk_dir.glob("dsp/*.cpp"),
         *sdk_dir.glob("model-parameters/*.cpp"), sdk_dir / "examples" / "device_test" / "main.cpp"]
    )
    objects = [
        _compile(tools, source, work_dir / f"{index:03d}_{source.stem}.o", [f"-I{sdk_dir}"])
        for index, source in enumerate(sources)
    ]
    return _link(tools, [*_board_objects(tools, work_dir), *objects], work_dir / "device_test.elf")
