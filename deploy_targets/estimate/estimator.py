"""`estimate_library`: flash, RAM, stack, instructions and latency of a library on a board.

Measured by cross-compiling and running one inference in QEMU (`method="qemu"`); without the
ARM toolchain or QEMU, estimated from the MAC count (`method="mac-estimate"`, with the reason).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from deploy_targets.boards import Board, get_board
from deploy_targets.estimate.arm_build import (
    COMPILE_FLAGS,
    ArmTools,
    build_firmware,
    section_sizes,
)
from deploy_targets.estimate.core_cycles import CoreCycles, core_cycles
from deploy_targets.estimate.cycle_model import PIPELINE_REFILL_CYCLES, CycleCount, measure_cycles
from deploy_targets.estimate.machines import harness_machine
from deploy_targets.estimate.qemu_run import qemu_command, run_firmware
from deploy_targets.estimate.stack_usage import deepest_stack, find_symbol, read_call_graph

# Fallback throughput of plain C++ int8 kernels: an inner loop of two byte loads, a
# multiply-accumulate and loop control is about 4 instructions per MAC.
FALLBACK_MACS_PER_INSTRUCTION = 0.25

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Estimate:
    """What one inference of a library costs on a board, and how that was found out."""

    board: str
    method: Literal["qemu", "mac-estimate"]
    flash_bytes: int | None  # library code + const data (text + rodata + .data init values)
    ram_bytes: int | None  # library .data + .bss (its arena and state); not the stack
    stack_bytes: int | None  # deepest call path from invoke, from -fstack-usage
    stack_bytes_measured: int | None  # high-water mark painted and read back in QEMU
    instructions: int | None  # one invoke; measured in QEMU or estimated from MACs
    instruction_resolution: int  # +/- this many instructions
    latency_ms: float | None
    cycles_per_instruction: float
    latency_basis: str  # how latency_ms was obtained, the CPI assumption included
    reason: str | None = None  # why method is "mac-estimate"
    output_fnv1a: int | None = None  # FNV-1a of the output bytes for the harness's input
    notes: tuple[str, ...] = ()
    # Cortex-M4 cycle model (cycle_model.py) over QEMU's instruction stream of the board's own
    # build; only when asked for (count_cycles=True). The range is the pipeline refill at 1 and 3.
    cycles: CycleCount | None = None
    cycle_factor: float | None = None  # the board's core cycles per model cycle (core_cycles.py)
    cycle_latency_ms: float | None = None  # cycles x cycle_factor at the board's clock
    cycle_basis: str | None = None  # what the cycle figures are, or why there are none
    cycle_assumption: str | None = None  # what they assume of the board's core

    @property
    def cycle_estimate(self) -> int | None:
        """Cycles of one invoke by the Cortex-M4 model, P = 2; None when not counted."""
        return None if self.cycles is None else self.cycles.cycles(PIPELINE_REFILL_CYCLES)

    def fits(self, board: Board) -> bool | None:
        """Whether flash and RAM + stack fit the board; None when they were not measured."""
        if self.flash_bytes is None or self.ram_bytes is None:
            return None
        stack_bytes = self.stack_bytes or 0
        return (
            self.flash_bytes <= board.flash_bytes
            and self.ram_bytes + stack_bytes <= board.ram_bytes
        )


class CompiledLibraryLike(Protocol):
    """The parts of the compiler's CompiledLibrary the estimator reads."""

    @property
    def name(self) -> str: ...

    @property
    def out_dir(self) -> Path: ...

    @property
    def mac_count(self) -> int: ...


def read_header_sizes(library_dir: Path, name: str) -> dict[str, int]:
    """INPUT_BYTES, OUTPUT_BYTES and ARENA_BYTES as `#define`d in `library_dir/name.h`."""
    header = library_dir / f"{name}.h"
    if not header.is_file():
        raise ValueError(
            f"{header} does not exist; a library named {name!r} declares its API there"
        )
    text = header.read_text()
    sizes: dict[str, int] = {}
    for key in ("INPUT_BYTES", "OUTPUT_BYTES", "ARENA_BYTES"):
        macro = f"{name.upper()}_{key}"
        found = re.search(rf"^\s*#define\s+{macro}\s+\(?(\d+)u?\)?", text, re.MULTILINE)
        if found is None:
            raise ValueError(f"{header} must `#define {macro} <integer>`; it does not")
        sizes[key] = int(found[1])
    return sizes


def _mac_estimate(
    board: Board, header_sizes: dict[str, int], mac_count: int | None, reason: str
) -> Estimate:
    instructions = None
    latency_ms = None
    basis = f"no latency: {reason}, and no MAC count was given"
    if mac_count is not None:
        instructions = round(mac_count / FALLBACK_MACS_PER_INSTRUCTION)
        latency_ms = board.instructions_to_ms(instructions)
        basis = (
            f"ESTIMATE, not measured: {mac_count} MACs at {FALLBACK_MACS_PER_INSTRUCTION} MAC per "
            f"instruction, x {board.cycles_per_instruction} CPI ({board.cpi_source}) at "
            f"{board.clock_hz / 1e6:g} MHz"
        )
    return Estimate(
        board=board.name,
        method="mac-estimate",
        flash_bytes=None,
        ram_bytes=header_sizes["ARENA_BYTES"],
        stack_bytes=None,
        stack_bytes_measured=None,
        instructions=instructions,
        instruction_resolution=0 if instructions is None else instructions // 2,
        latency_ms=latency_ms,
        cycles_per_instruction=board.cycles_per_instruction,
        latency_basis=basis,
        reason=reason,
        notes=("ram_bytes is the header's ARENA_BYTES only; flash was not measured",),
    )


def estimate_library(
    library_dir: Path,
    name: str,
    board: Board | str = "nano33ble",
    *,
    mac_count: int | None = None,
    tools: ArmTools | None = None,
    work_dir: Path | None = None,
    count_cycles: bool = False,
    max_traced_instructions: int | None = None,
) -> Estimate:
    """Measure one inference of the library `name` in `library_dir` on `board`.

    `mac_count` is only used by the fallback when the toolchain or QEMU is missing.
    `work_dir` keeps the firmware and objects (a temporary folder otherwise).
    `count_cycles` runs QEMU once more with its instruction log on and prices every executed
    instruction with the Cortex-M4 cycle model, scaled to the board's core (core_cycles.py);
    0.5-1 s per million instructions, so `max_traced_instructions` skips it (saying so)
    for an inference longer than that.
    """
    board = get_board(board) if isinstance(board, str) else board
    tools = tools or ArmTools()
    library_dir = Path(library_dir)
    if not _IDENTIFIER.match(name):
        raise ValueError(f"library name {name!r} must be a C identifier (letters, digits, _)")
    header_sizes = read_header_sizes(library_dir, name)

    missing = tools.missing()
    if missing:
        reason = f"not found: {', '.join(missing)} (install gcc-arm-none-eabi and qemu-system-arm)"
        return _mac_estimate(board, header_sizes, mac_count, reason)

    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
        return _measure(
            library_dir, name, board, tools, work_dir, count_cycles, max_traced_instructions
        )
    with tempfile.TemporaryDirectory(prefix="mf-estimate-") as tmp:
        return _measure(
            library_dir, name, board, tools, Path(tmp), count_cycles, max_traced_instructions
        )


def estimate_compiled(
    lib: CompiledLibraryLike,
    board: Board | str = "nano33ble",
    *,
    tools: ArmTools | None = None,
    count_cycles: bool = False,
    max_traced_instructions: int | None = None,
) -> Estimate:
    """`estimate_library` for the compiler's CompiledLibrary (its MAC count feeds the fallback)."""
    return estimate_library(
        lib.out_dir,
        lib.name,
        board,
        mac_count=lib.mac_count,
        tools=tools,
        count_cycles=count_cycles,
        max_traced_instructions=max_traced_instructions,
    )


def _measure(
    library_dir: Path,
    name: str,
    board: Board,
    tools: ArmTools,
    work_dir: Path,
    count_cycles: bool = False,
    max_traced_instructions: int | None = None,
) -> Estimate:
    firmware = build_firmware(library_dir, name, board, work_dir, tools)
    with_library = section_sizes(firmware.library_elf, tools)
    baseline = section_sizes(firmware.baseline_elf, tools)

    notes: list[str] = [
        "flash and RAM: arm-none-eabi-size of the harness linked with the library minus the "
        "same harness linked with an empty invoke (libc routines the library pulls in count)",
        # The same code built -O2 runs ~15 % fewer instructions (bench/dsp.py shows both).
        f"built with {' '.join((*board.gcc_flags, *COMPILE_FLAGS[:1]))}, as the SDK's own "
        "Makefile and the Arduino IDE build it",
    ]
    graph = read_call_graph(firmware.callgraph_files)
    bound = deepest_stack(graph, find_symbol(graph, f"{name}_invoke"))
    notes.append("stack: deepest call path " + " -> ".join(bound.deepest_path))
    if bound.unknown_callees:
        notes.append("stack counts 0 bytes for " + ", ".join(bound.unknown_callees))
    if bound.has_recursion:
        notes.append("stack: recursion found; each cycle counted once")
    if bound.has_dynamic_frames:
        notes.append("stack: a frame is dynamic (alloca/VLA); its static part only")

    run = run_firmware(tools.qemu, board, firmware.library_elf, tools.qemu_timeout_s)
    basis = (
        f"{run.instructions} instructions measured in QEMU {board.qemu_machine} (-icount shift=0)"
        f" x {board.cycles_per_instruction} CPI ({board.cpi_source}) at "
        f"{board.clock_hz / 1e6:g} MHz"
    )
    cycles = None
    cycle_factor = cycle_latency_ms = None
    cycle_basis = None
    core = core_cycles(board) if count_cycles else None
    if count_cycles:
        if core is None:
            cycle_basis = f"no cycle estimate: the cycle model has no factor for {board.core}"
        elif max_traced_instructions is not None and run.instructions > max_traced_instructions:
            cycle_basis = (
                f"no cycle estimate: {run.instructions} instructions are more than the "
                f"{max_traced_instructions} an estimate traces (0.5-1 s a million)"
            )
        else:
            try:
                cycles = measure_cycles(
                    qemu_command(tools.qemu, board, firmware.library_elf),
                    firmware.library_elf,
                    tools.nm,
                    f"{name}_invoke",
                    tools.qemu_timeout_s,
                )
            except (ValueError, OSError, subprocess.SubprocessError) as error:
                cycle_basis = f"no cycle estimate: tracing the run failed ({error})"
        if cycles is not None and core is not None:
            cycle_factor = core.factor
            cycle_latency_ms = cycles.cycles() * core.factor / board.clock_hz * 1000.0
            cycle_basis = _cycle_basis(core, board)
            notes.append(
                f"cycles: {cycles.cycles()} by the Cortex-M4 model (pipeline refill 2; "
                f"{cycles.cycle_range[0]}-{cycles.cycle_range[1]} for 1-3), over "
                f"{cycles.instructions} instructions traced in QEMU"
            )
    return Estimate(
        board=board.name,
        method="qemu",
        flash_bytes=with_library.flash_bytes - baseline.flash_bytes,
        ram_bytes=with_library.ram_bytes - baseline.ram_bytes,
        stack_bytes=bound.stack_bytes,
        stack_bytes_measured=run.stack_bytes_measured,
        instructions=run.instructions,
        instruction_resolution=harness_machine(board.qemu_machine).instructions_per_tick,
        latency_ms=board.instructions_to_ms(run.instructions),
        cycles_per_instruction=board.cycles_per_instruction,
        latency_basis=basis,
        output_fnv1a=run.output_fnv1a,
        notes=tuple(notes),
        cycles=cycles,
        cycle_factor=cycle_factor,
        cycle_latency_ms=cycle_latency_ms,
        cycle_basis=cycle_basis,
        cycle_assumption=None if cycles is None or core is None else core.assumption,
    )


def _cycle_basis(core: CoreCycles, board: Board) -> str:
    """What the cycle figures are, the same for every part run on `board` (the figures
    themselves are in the notes)."""
    scaled = "" if core.factor == 1.0 else f" x {core.factor:.2f}"
    return (
        "≈ cycles, Cortex-M4 model; instructions are a lower bound on a Cortex-M4's cycles. "
        f"Every instruction of one inference traced in QEMU {board.qemu_machine} and priced by "
        "the Arm Cortex-M4 TRM's instruction timings (deploy_targets/estimate/cycle_model.py); "
        "the range is a pipeline refill of 1 to 3 cycles; latency = "
        f"cycles{scaled} / {board.clock_hz / 1e6:g} MHz. {core.assumption}"
    )
