"""Cross-compile a generated library with the estimator's harness into Cortex-M firmware.

Two images are linked: the harness with the library, and the same harness with an empty
`invoke` (the baseline). Their difference in `arm-none-eabi-size` is the library's own flash
and RAM, libc routines it pulls in included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy_targets.boards import Board
from deploy_targets.estimate.machines import HARNESS_DIR as HARNESS_DIR  # re-exported
from deploy_targets.estimate.machines import harness_machine

COMPILE_FLAGS = (
    "-Os",
    "-std=c++11",
    "-ffunction-sections",
    "-fdata-sections",
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-threadsafe-statics",
)
LINK_FLAGS = ("--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections")


@dataclass(frozen=True)
class ArmTools:
    """Where the ARM toolchain and QEMU are; point one at a missing path to force the fallback."""

    gxx: str = "arm-none-eabi-g++"
    size: str = "arm-none-eabi-size"
    nm: str = "arm-none-eabi-nm"  # symbol addresses for the cycle model
    qemu: str = "qemu-system-arm"
    compile_timeout_s: float = 600.0
    qemu_timeout_s: float = 300.0

    def missing(self) -> list[str]:
        """The tools that cannot be found (on PATH or as given)."""
        return [tool for tool in (self.gxx, self.size, self.qemu) if shutil.which(tool) is None]


@dataclass(frozen=True)
class SectionSizes:
    """Berkeley `size` figures of one ELF: text includes rodata and the vector table."""

    text_bytes: int
    data_bytes: int
    bss_bytes: int

    @property
    def flash_bytes(self) -> int:
        # .data's initial values are stored in flash and copied to RAM at reset.
        return self.text_bytes + self.data_bytes

    @property
    def ram_bytes(self) -> int:
        return self.data_bytes + self.bss_bytes


@dataclass(frozen=True)
class Firmware:
    """The two linked images and the call-graph files of the library's objects."""

    library_elf: Path
    baseline_elf: Path
    callgraph_files: list[Path]


class BuildError(RuntimeError):
    """The library or harness did not cross-compile or link; the message holds gcc's output."""


def _run(command: list[str], timeout_s: float, what: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if result.returncode != 0:
        raise BuildError(f"{what} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


def library_sources(library_dir: Path) -> list[Path]:
    """The library's C++ sources: every .cpp under its directory."""
    return sorted(library_dir.rglob("*.cpp"))


def build_firmware(
    library_dir: Path, name: str, board: Board, work_dir: Path, tools: ArmTools
) -> Firmware:
    """Compile the library and the harness for `board` and link both images in `work_dir`."""
    sources = library_sources(library_dir)
    if not sources:
        raise BuildError(f"no .cpp sources in {library_dir}; expected the library's sources there")
    upper = name.upper()
    flags = [*board.gcc_flags, *COMPILE_FLAGS]
    machine = harness_machine(board.qemu_machine)
    harness_defines = [
        f"-DMF_TIMER_BASE={machine.timer_base:#x}u",
        f'-DMF_HEADER="{name}.h"',
        f"-DMF_INVOKE={name}_invoke",
        f"-DMF_INPUT_BYTES={upper}_INPUT_BYTES",
        f"-DMF_OUTPUT_BYTES={upper}_OUTPUT_BYTES",
        f"-I{library_dir}",
    ]
    library_objects_dir = work_dir / "library"
    library_objects_dir.mkdir(parents=True, exist_ok=True)
    library_objects: list[Path] = []
    for index, source in enumerate(sources):
        # Numbered object names: two sources in different folders may share a file name.
        obj = library_objects_dir / f"{index:03d}_{source.stem}.o"
        _run(
            [tools.gxx, *flags, "-fcallgraph-info=su", f"-I{library_dir}", "-c", str(source),
             "-o", str(obj)],
            tools.compile_timeout_s,
            f"compiling {source.name} for {board.name}",
        )
        library_objects.append(obj)

    harness_objects = {}
    for stem, extra in (("startup", []), ("harness_main", harness_defines),
                        ("empty_library", harness_defines)):
        obj = work_dir / f"{stem}.o"
        _run(
            [tools.gxx, *flags, *extra, "-c", str(HARNESS_DIR / f"{stem}.cpp"), "-o", str(obj)],
            tools.compile_timeout_s,
            f"compiling the harness's {stem}.cpp for {board.name}",
        )
        harness_objects[stem] = obj

    linker_script = str(machine.linker_script)
    images = {
        "library": [*library_objects],
        "baseline": [harness_objects["empty_library"]],
    }
    elves: dict[str, Path] = {}
    for image, objects in images.items():
        elf = work_dir / f"{image}.elf"
        _run(
            [tools.gxx, *board.gcc_flags, *LINK_FLAGS, "-T", linker_script,
             str(harness_objects["startup"]), str(harness_objects["harness_main"]),
             *map(str, objects), "-o", str(elf)],
            tools.compile_timeout_s,
            f"linking the {image} image for {board.name}",
        )
        elves[image] = elf
    return Firmware(
        library_elf=elves["library"],
        baseline_elf=elves["baseline"],
        callgraph_files=sorted(library_objects_dir.glob("*.ci")),
    )


_BERKELEY_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+", re.MULTILINE)


def section_sizes(elf: Path, tools: ArmTools) -> SectionSizes:
    """text, data and bss of `elf` as `arm-none-eabi-size` (Berkeley format) reports them."""
    output = _run([tools.size, str(elf)], 60.0, f"{tools.size} {elf.name}")
    row = _BERKELEY_ROW.search(output)
    if row is None:
        raise BuildError(f"cannot read the output of {tools.size}: {output!r}")
    return SectionSizes(int(row[1]), int(row[2]), int(row[3]))
