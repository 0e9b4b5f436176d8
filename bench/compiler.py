"""Benchmark of the compiler: RAM vs TFLM, size, instructions and cycles on Cortex-M4, exactness.

Run: .venv/bin/python bench/compiler.py [--models DIR] [--board nano33ble] [--inputs 20]
    [--no-generated] [--only SUBSTRING]
Prints one row per .tflite model (those in --models, then the MLPerf VWW and TFLM person_detect
architectures with generated weights from bench/mobilenet_models.py, labelled so), then for the MLPerf Tiny models present the published
figures (X-CUBE-AI, Plumerai and TFLM on a Cortex-M4; Plumerai on a Cortex-M7 for context)
beside our instructions, cycle estimate, MAC/instruction and MAC/cycle, and the targets. Cycles
come from the Cortex-M4 model in deploy_targets/estimate/cycle_model.py.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy_targets.boards import BOARDS, get_board  # noqa: E402
from deploy_targets.estimate import estimate_compiled  # noqa: E402
from deploy_targets.estimate.arm_build import COMPILE_FLAGS  # noqa: E402
from deploy_targets.estimate.host_run import build_host_runner, run_host  # noqa: E402
from deploy_targets.estimate.qemu_run import fnv1a32, harness_input_bytes  # noqa: E402
from deploy_targets.estimate.tflm_arena import (  # noqa: E402
    tflm_arena_32bit,
    tflm_min_arena_bytes,
)

# RAM = our arena + input + output, against TFLM's smallest arena (which holds input and output).
RAM_RATIO_TARGET = 0.6
# Instructions per inference against the fastest published Cortex-M4 cycles (issue 15).
SPEED_RATIO_TARGET = 0.8


@dataclass(frozen=True)
class Published:
    """A published MLPerf Tiny latency, in cycles at its clock."""

    engine: str
    milliseconds: float
    clock_mhz: float
    source: str
    cortex_m4: bool = True  # only a Cortex-M4's cycles are compared with ours

    @property
    def cycles(self) -> float:
        return self.milliseconds * self.clock_mhz * 1000.0


_L4R5 = "STM32L4R5 @120 MHz, MLPerf Tiny"
_F746 = "Cortex-M7 STM32F746 @216 MHz, MLPerf Tiny v1.x closed"


def _plumerai_m7(milliseconds: float) -> Published:
    return Published("Plumerai", milliseconds, 216, _F746, cortex_m4=False)


# BENCHMARKS.md; the fastest Cortex-M4 figure of each model first (the speed target's base),
# the Cortex-M7 figures last, for context (core_cycles.py scales M4 cycles by 0.58 for an M7).
PUBLISHED: dict[str, list[Published]] = {
    "mlperf_kws_dscnn_int8": [
        Published("X-CUBE-AI 9", 43.2, 120, f"{_L4R5} v1.x closed"),
        Published("TFLM (reference)", 181.9, 120, f"{_L4R5} v0.5"),
        _plumerai_m7(17.75),
    ],
    "mlperf_vww_mobilenet_int8": [
        Published("X-CUBE-AI 9", 88.9, 120, f"{_L4R5} v1.x closed"),
        _plumerai_m7(34.08),
    ],
    "mlperf_ic_resnet8_int8": [
        Published("X-CUBE-AI 9", 165.1, 120, f"{_L4R5} v1.x closed"),
        _plumerai_m7(62.88),
    ],
    "mlperf_ad_autoencoder_int8": [
        Published("Plumerai", 4.05, 120, f"{_L4R5} v1.x closed"),
        _plumerai_m7(1.42),
    ],
}


@dataclass
class Row:
    """One model's figures; None where a step could not run (see `problems`)."""

    model: str
    flatbuffer_bytes: int
    label: str = ""  # what the model is when its name does not say (generated weights)
    published_as: str = ""  # the PUBLISHED key whose figures apply, when not `model`
    tflm_arena_bytes: int | None = None
    tflm_arena_32bit_bytes: int | None = None
    our_arena_bytes: int | None = None
    io_bytes: int | None = None  # our input + output buffers (the caller's, outside our arena)
    state_bytes: int = 0  # state kept between invocations (SVDF), outside the arena too
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    stack_bytes: int | None = None
    instructions: int | None = None
    cycles: int | None = None  # Cortex-M4 cycle model, pipeline refill 2
    cycle_range: tuple[int, int] | None = None  # refill 1 .. 3
    hot_functions: list[tuple[str, float]] = field(default_factory=list)  # (name, cycle share)
    latency_ms: float | None = None
    mac_count: int | None = None
    method: str = "-"
    device_equals_host: bool | None = None  # Cortex-M output == host output, harness input
    # reference -> (inputs whose output bytes equal ours, inputs tried)
    matches: dict[str, tuple[int, int]] = field(default_factory=dict)
    reference_agreement: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ram_bytes_with_io(self) -> int | None:
        if self.our_arena_bytes is None or self.io_bytes is None:
            return None
        return self.our_arena_bytes + self.io_bytes + self.state_bytes

    def ram_ratio(self, tflm_bytes: int | None) -> float | None:
        ours = self.ram_bytes_with_io
        return None if ours is None or not tflm_bytes else ours / tflm_bytes

    @property
    def macs_per_cycle(self) -> float | None:
        if self.mac_count is None or not self.cycles:
            return None
        return self.mac_count / self.cycles

    @property
    def macs_per_instruction(self) -> float | None:
        if self.mac_count is None or not self.instructions:
            return None
        return self.mac_count / self.instructions


# The references our output bytes are compared with. They disagree with one another by an LSB
# or two on some models (XNNPACK and the optimized kernels round differently from the
# reference kernels), so each gets its own column and their mutual agreement is printed.
REFERENCES = ("TFLM", "tf.lite", "tf.lite ref")


def _litert_interpreter(model_bytes: bytes, reference_kernels: bool = False) -> Any:
    # ai-edge-litert is the runtime tf.lite.Interpreter wraps (deprecated in TF 2.20+); same
    # outputs, without importing TensorFlow.
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    interpreter = Interpreter(model_content=model_bytes, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    return interpreter


def random_inputs(model_bytes: bytes, count: int, seed: int) -> list[list[np.ndarray]]:
    """`count` sets of random input tensors, full integer range, in the model's input order."""
    interpreter = _litert_interpreter(model_bytes)
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(count):
        tensors = []
        for detail in interpreter.get_input_details():
            dtype = np.dtype(detail["dtype"])
            info = np.iinfo(dtype)
            tensors.append(
                rng.integers(info.min, info.max, size=detail["shape"], endpoint=True).astype(dtype)
            )
        sets.append(tensors)
    return sets


def litert_outputs(
    model_bytes: bytes, input_sets: list[list[np.ndarray]], reference_kernels: bool
) -> list[bytes]:
    """Concatenated output bytes of the TFLite (LiteRT) interpreter for each input set."""
    interpreter = _litert_interpreter(model_bytes, reference_kernels)
    outputs = []
    for tensors in input_sets:
        for detail, tensor in zip(interpreter.get_input_details(), tensors, strict=True):
            interpreter.set_tensor(detail["index"], tensor)
        interpreter.invoke()
        outputs.append(
            b"".join(
                interpreter.get_tensor(d["index"]).tobytes()
                for d in interpreter.get_output_details()
            )
        )
    return outputs


def isolated_litert_outputs(
    model_bytes: bytes, input_sets: list[list[np.ndarray]], reference_kernels: bool
) -> list[bytes]:
    """litert_outputs in a child process: LiteRT corrupts its heap on some models (the int8
    activation state of TFLite Micro's keyword_scrambled_8bit SVDFs), which would abort the
    whole bench. Raises BrokenProcessPool when the child dies."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(litert_outputs, model_bytes, input_sets, reference_kernels).result()


def tflm_outputs(
    model_bytes: bytes, input_sets: list[list[np.ndarray]], arena_bytes: int
) -> list[bytes]:
    """Concatenated output bytes of the tflite-micro interpreter for each input set."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_bytes)
    output_count = len(_litert_interpreter(model_bytes).get_output_details())
    outputs = []
    for tensors in input_sets:
        for index, tensor in enumerate(tensors):
            interpreter.set_input(tensor, index)
        interpreter.invoke()
        outputs.append(b"".join(interpreter.get_output(i).tobytes() for i in range(output_count)))
    return outputs


def _max_lsb_difference(ours: list[bytes], theirs: list[bytes]) -> int:
    return max(
        int(np.abs(np.frombuffer(a, np.int8).astype(int) - np.frombuffer(b, np.int8)).max())
        if a != b
        else 0
        for a, b in zip(ours, theirs, strict=True)
    )


def _count_equal(ours: list[bytes], theirs: list[bytes]) -> tuple[int, int]:
    return sum(a == b for a, b in zip(ours, theirs, strict=True)), len(ours)


def bench_model(
    path: Path,
    board_name: str,
    input_count: int,
    work_dir: Path,
    label: str = "",
    published_as: str = "",
) -> Row:
    model_bytes = path.read_bytes()
    row = Row(
        model=path.stem.split(".")[0],
        flatbuffer_bytes=len(model_bytes),
        label=label,
        published_as=published_as,
    )
    row.tflm_arena_bytes = tflm_min_arena_bytes(model_bytes)
    try:
        row.tflm_arena_32bit_bytes = tflm_arena_32bit(
            model_bytes, row.tflm_arena_bytes
        ).target_bytes
    except Exception as error:  # noqa: BLE001
        row.problems.append(f"TFLM 32-bit arena: {type(error).__name__}: {error}")
    input_sets = random_inputs(model_bytes, input_count, seed=0)
    references = {"TFLM": tflm_outputs(model_bytes, input_sets, row.tflm_arena_bytes)}
    for label, reference_kernels in (("tf.lite", False), ("tf.lite ref", True)):
        try:
            references[label] = isolated_litert_outputs(model_bytes, input_sets, reference_kernels)
        except BrokenProcessPool:
            row.problems.append(f"{label} crashed on this model; no {label} comparison")
        except RuntimeError as error:  # e.g. LiteRT's int8 SVDF refuses a fused RELU
            row.problems.append(f"{label} refused this model ({error}); no {label} comparison")
    for other in (r for r in REFERENCES[1:] if r in references):
        same, tried = _count_equal(references[other], references["TFLM"])
        if same != tried:
            lsb = _max_lsb_difference(references[other], references["TFLM"])
            row.reference_agreement.append(
                f"{other} vs TFLM: {same}/{tried} inputs identical, up to {lsb} LSB apart"
            )

    try:
        from deploy_targets.compiler import compile_tflite
    except ImportError as error:
        row.problems.append(f"compiler not available: {error}")
        return row

    name = "".join(c if c.isalnum() else "_" for c in path.stem).lower()
    try:
        lib = compile_tflite(model_bytes, work_dir / name, name=name)
    except Exception as error:  # noqa: BLE001 - any failure is a row to report, not a crash
        row.problems.append(f"compile failed: {type(error).__name__}: {error}")
        return row
    row.our_arena_bytes = lib.arena_bytes
    row.io_bytes = lib.input_bytes + lib.output_bytes
    row.state_bytes = lib.state_bytes
    row.mac_count = lib.mac_count

    host_output_for_harness_input = None
    try:
        runner = build_host_runner(lib.out_dir, lib.name, work_dir / f"{name}_host")
        ours = run_host(
            runner, [b"".join(t.tobytes() for t in s) for s in input_sets], lib.output_bytes
        )
        row.matches = {ref: _count_equal(ours, references[ref]) for ref in references}
        host_output_for_harness_input = run_host(
            runner, [harness_input_bytes(lib.input_bytes)], lib.output_bytes
        )[0]
    except Exception as error:  # noqa: BLE001
        row.problems.append(f"host run failed: {type(error).__name__}: {error}")

    try:
        estimate = estimate_compiled(lib, board_name, count_cycles=True)
        row.method = estimate.method
        row.flash_bytes = estimate.flash_bytes
        row.ram_bytes = estimate.ram_bytes
        row.stack_bytes = estimate.stack_bytes
        row.instructions = estimate.instructions
        row.latency_ms = estimate.latency_ms
        if estimate.cycles is not None:
            row.cycles = estimate.cycle_estimate
            row.cycle_range = estimate.cycles.cycle_range
            total = estimate.cycles.cycles()
            hottest = estimate.cycles.by_symbol.most_common(4)
            row.hot_functions = [
                (name, cycles / total)
                for name, (_, cycles) in zip(
                    _demangle([s for s, _ in hottest]), hottest, strict=True
                )
            ]
        if estimate.output_fnv1a is not None and host_output_for_harness_input is not None:
            row.device_equals_host = estimate.output_fnv1a == fnv1a32(host_output_for_harness_input)
        if estimate.cycles is None and estimate.cycle_basis:
            row.problems.append(estimate.cycle_basis)
        if estimate.reason:
            row.problems.append(f"estimate is {estimate.method}: {estimate.reason}")
    except Exception as error:  # noqa: BLE001
        row.problems.append(f"on-device estimate failed: {type(error).__name__}: {error}")
    return row


def _demangle(symbols: list[str]) -> list[str]:
    """C++ names without their argument lists (c++filt), or the symbols as they are."""
    try:
        result = subprocess.run(
            ["arm-none-eabi-c++filt"],
            input="\n".join(symbols),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return symbols
    names = result.stdout.splitlines()
    if len(names) != len(symbols):
        return symbols
    return [name.split("(")[0] for name in names]


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "NO")


def _cell(value: object, width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    elif isinstance(value, tuple):
        text = ("yes" if value[0] == value[1] else "NO") + f" {value[0]}/{value[1]}"
    else:
        text = str(value)
    return text.rjust(width)


COLUMNS = (
    ("model", 40),
    ("tflite B", 9),
    ("TFLM64 B", 9),
    ("TFLM32 B", 9),
    ("arena B", 8),
    ("+I/O B", 8),
    ("/TFLM64", 7),
    ("/TFLM32", 7),
    ("flash B", 8),
    ("stack B", 8),
    ("MACs", 9),
    ("instr", 10),
    ("cycles", 10),
    ("MAC/cyc", 7),
    ("MAC/instr", 9),
    *((f"={ref}", 12) for ref in REFERENCES),
    ("MCU=host", 8),
)


def _millions(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.2f} M"


def print_published(rows: list[Row]) -> list[str]:
    """The MLPerf Tiny table: our instructions and cycles beside the published figures.
    Returns the speed verdicts."""
    verdicts = []
    print(
        "MLPerf Tiny on a Cortex-M4 (ours: QEMU mps2-an386; cycles by the Cortex-M4 model,"
        " range = pipeline refill 1..3 cycles):"
    )
    print(
        f"{'model':40} {'MACs':>8} {'instr':>9} {'MAC/instr':>9} {'cycles':>9} {'range':>19}"
        f" {'MAC/cyc':>7}  {'published (cycles at the clock)':55} {'instr/pub':>9}"
        f" {'cyc/pub':>7}"
    )
    for row in rows:
        published = PUBLISHED.get(row.published_as or row.model)
        if published is None:
            continue
        fastest = published[0]
        cycle_range = (
            "-"
            if row.cycle_range is None
            else f"{row.cycle_range[0] / 1e6:.2f}-{row.cycle_range[1] / 1e6:.2f} M"
        )
        for index, figure in enumerate(published):
            text = (
                f"{figure.engine} {figure.milliseconds} ms = {figure.cycles / 1e6:.2f} M "
                f"({figure.source})"
            )
            comparable = figure.cortex_m4
            instr_ratio = (
                row.instructions / figure.cycles if comparable and row.instructions else None
            )
            cycle_ratio = row.cycles / figure.cycles if comparable and row.cycles else None
            lead = (
                f"{row.model:40} {_millions(row.mac_count):>8} {_millions(row.instructions):>9}"
                f" {_cell(row.macs_per_instruction, 9)} {_millions(row.cycles):>9}"
                f" {cycle_range:>19} {_cell(row.macs_per_cycle, 7)}"
            )
            if index > 0:
                lead = " " * len(lead)
            print(f"{lead}  {text:55} {_cell(instr_ratio, 9)} {_cell(cycle_ratio, 7)}")
        if row.label:
            print(f"{'':40} ({row.label})")
        if row.instructions is not None:
            ok = row.instructions <= SPEED_RATIO_TARGET * fastest.cycles
            verdicts.append(
                f"{row.model} instructions <= {SPEED_RATIO_TARGET} x {fastest.engine} "
                f"({SPEED_RATIO_TARGET * fastest.cycles / 1e6:.2f} M) {'MET' if ok else 'MISSED'}"
            )
    missing = sorted(set(PUBLISHED) - {row.published_as or row.model for row in rows})
    if missing:
        print("not measured (no such .tflite in --models): " + ", ".join(missing))
    return verdicts


def print_table(rows: list[Row], board_name: str) -> None:
    board = get_board(board_name)
    print(
        f"board {board.name}: {board.description}, {board.core} at {board.clock_hz / 1e6:g} MHz;"
        f" instructions counted in QEMU {board.qemu_machine} -icount shift=0 (+/-40)"
    )
    print(
        "cycles: every instruction of one invoke traced in QEMU (-d in_asm,exec,nochain) and"
        " priced by the Cortex-M4 TRM's Table 3-1 (deploy_targets/estimate/cycle_model.py);"
        " zero flash wait states"
    )
    print(
        "built with arm-none-eabi-g++ "
        + " ".join((*board.gcc_flags, *COMPILE_FLAGS))
        + "; flash = size(harness + library) - size(harness + empty invoke);"
        " stack = deepest -fstack-usage call path from invoke"
    )
    print(
        "RAM: arena B = our arena; +I/O B = arena + the caller's input and output buffers"
        " + the state kept between invocations (SVDF) (TFLM's arena holds those); TFLM64 = smallest arena of the tflite-micro interpreter"
        " (64-bit host build, binary search); TFLM32 = the same with TFLM's pointer-holding"
        " structs at 32-bit sizes (tflm_arena.py: tflm_arena_32bit, an upper bound)"
    )
    print(
        "MCU=host: the Cortex-M build's output checksum in QEMU equals the host g++ build's,"
        " on the harness's input"
    )
    print()
    print(
        " ".join(
            title.rjust(width) if i else title.ljust(width)
            for i, (title, width) in enumerate(COLUMNS)
        )
    )
    for row in rows:
        values = (
            row.flatbuffer_bytes,
            row.tflm_arena_bytes,
            row.tflm_arena_32bit_bytes,
            row.our_arena_bytes,
            row.ram_bytes_with_io,
            row.ram_ratio(row.tflm_arena_bytes),
            row.ram_ratio(row.tflm_arena_32bit_bytes),
            row.flash_bytes,
            row.stack_bytes,
            row.mac_count,
            row.instructions,
            row.cycles,
            row.macs_per_cycle,
            row.macs_per_instruction,
            *(row.matches.get(r) for r in REFERENCES),
            _yes_no(row.device_equals_host),
        )
        cells = [row.model.ljust(COLUMNS[0][1])]
        cells += [_cell(v, w) for v, (_, w) in zip(values, COLUMNS[1:], strict=True)]
        print(" ".join(cells))
        if row.label:
            print(f"    {row.model}: {row.label}")
        if row.hot_functions:
            print(
                f"    {row.model}: cycles by function: "
                + ", ".join(f"{name} {share:.0%}" for name, share in row.hot_functions)
            )
        for problem in row.problems:
            print(f"    {row.model}: {problem}")
        for note in row.reference_agreement:
            print(f"    {row.model}: references disagree: {note}")
    print()
    verdicts = print_published(rows)
    print()
    print(
        f"targets: RAM incl. I/O <= {RAM_RATIO_TARGET} x TFLM's smallest arena (64-bit and"
        f" 32-bit); MLPerf instructions <= {SPEED_RATIO_TARGET} x the fastest published cycles;"
    )
    print("         output bytes identical to the references on every random input (TFLM: the")
    print(
        "         tflite-micro interpreter; tf.lite: ai-edge-litert default (XNNPACK); tf.lite ref:"
    )
    print("         its reference kernels, BUILTIN_REF).")
    for reference in REFERENCES:
        exact = sum(
            row.matches.get(reference, (0, 1))[0] == row.matches.get(reference, (0, 1))[1]
            for row in rows
        )
        print(f"exactness: {exact}/{len(rows)} models byte-identical to {reference} on every input")
    for row in rows:
        for label, tflm in (
            ("TFLM64", row.tflm_arena_bytes),
            ("TFLM32", row.tflm_arena_32bit_bytes),
        ):
            ratio = row.ram_ratio(tflm)
            if ratio is not None:
                ok = ratio <= RAM_RATIO_TARGET
                verdicts.append(f"{row.model} RAM/{label} {ratio:.2f} {'MET' if ok else 'MISSED'}")
        for label, match in row.matches.items():
            verdicts.append(f"{row.model} ={label} {'MET' if match[0] == match[1] else 'MISSED'}")
    if verdicts:
        print("verdicts: " + "; ".join(verdicts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, default=REPO_ROOT.parent / "shared" / "models")
    parser.add_argument("--board", default="nano33ble", choices=sorted(BOARDS))
    parser.add_argument("--inputs", type=int, default=20, help="random inputs per model")
    parser.add_argument(
        "--generated",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the VWW and person_detect architectures with generated weights",
    )
    parser.add_argument("--only", default="", help="only the models whose name contains this")
    args = parser.parse_args(argv)
    # (path, label, published_as)
    models = [(path, "", "") for path in sorted(args.models.glob("*.tflite"))]
    if args.generated:
        from bench.mobilenet_models import ARCHITECTURES, cached_model

        models += [(cached_model(a), a.label, a.published_as) for a in ARCHITECTURES]
    models = [m for m in models if args.only in m[0].stem]
    if not models:
        parser.error(f"no .tflite files in {args.models} matching {args.only!r}")
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mf-bench-compiler-") as tmp:
        for path, label, published_as in models:
            rows.append(bench_model(path, args.board, args.inputs, Path(tmp), label, published_as))
    print_table(rows, args.board)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
