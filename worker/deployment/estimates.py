"""On-device estimates of a deployment, int8 and float32 side by side: DSP and model latency,
flash and RAM on a board. Both models are measured the same way: compiled, built for the board's
core with its flags and run once in QEMU. On a core without an FPU the float32 build is soft
float, so what it costs is measured too. Only when the float32 model file is missing or does not
compile is its latency estimated from the MAC count (labelled as such) and its RAM the float32
model's TensorFlow Lite Micro arena, measured with the TFLM probe."""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deploy_targets.boards import Board
from deploy_targets.compiler import CompileError, compile_tflite
from deploy_targets.estimate import Estimate, estimate_compiled, estimate_library
from deploy_targets.estimate.estimator import FALLBACK_MACS_PER_INSTRUCTION
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkError
from deploy_targets.sdk.dsp_estimate import DSP_ESTIMATE_NAME, write_dsp_estimate_library
from worker.learning.metrics import tflm_arena_bytes

# A float multiply-accumulate on a core without an FPU (Cortex-M0+): libgcc's __aeabi_fmul and
# __aeabi_fadd. Measured 200-210 instructions per MAC for a float dot product built -Os for
# the rp2040 (tests/estimate/fixtures/float_dot, pinned by test_soft_float_mac_cost).
SOFT_FLOAT_INSTRUCTIONS_PER_MAC = 200

# Estimates take seconds (two cross-compiles and QEMU runs); keep the last few per process.
# Tracing a run for the cycle model takes 0.5-1 s per million instructions: an inference
# longer than this (soft-float models, mostly) is given no cycle estimate, and says why.
MAX_TRACED_INSTRUCTIONS = 20_000_000
_CACHE_SIZE = 32
_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass
class Cost:
    """One part's cost; None where it could not be found out (the basis says why)."""

    latency_ms: float | None
    flash_bytes: int | None
    ram_bytes: int | None
    method: str  # "qemu" (measured), "mac-estimate" or "none"
    basis: str
    notes: list[str] = field(default_factory=list)
    stack_bytes: int | None = None  # included in ram_bytes
    instructions: int | None = None  # one inference, measured in QEMU: a lower bound on cycles
    # The Cortex-M4 cycle model over the traced run (pipeline refill 2; min/max for 1 and 3),
    # the latency of those cycles on the board's core, and what they assume (or why none).
    cycles: int | None = None
    cycles_min: int | None = None
    cycles_max: int | None = None
    cycle_factor: float | None = None
    cycle_latency_ms: float | None = None
    cycle_basis: str | None = None
    cycle_assumption: str | None = None


def _cost(estimate: Estimate) -> Cost:
    ram = estimate.ram_bytes
    if ram is not None and estimate.stack_bytes is not None:
        ram += estimate.stack_bytes
    notes = list(estimate.notes)
    if estimate.stack_bytes is not None:
        notes.append(f"RAM includes {estimate.stack_bytes} bytes of stack")
    if estimate.reason:
        notes.append(estimate.reason)
    cost = Cost(
        estimate.latency_ms,
        estimate.flash_bytes,
        ram,
        estimate.method,
        estimate.latency_basis,
        notes,
        estimate.stack_bytes,
        estimate.instructions,
    )
    if estimate.cycles is not None:
        cost.cycles = estimate.cycle_estimate
        cost.cycles_min, cost.cycles_max = estimate.cycles.cycle_range
        cost.cycle_factor = estimate.cycle_factor
        cost.cycle_latency_ms = estimate.cycle_latency_ms
        cost.cycle_assumption = estimate.cycle_assumption
    cost.cycle_basis = estimate.cycle_basis or (
        f"no cycle estimate: {estimate.reason}"
        if estimate.reason
        else "no cycle estimate: the run was not traced"
    )
    return cost


# How compiled_model_cost begins its basis when the float32 model does not compile.
_DOES_NOT_COMPILE = "the float32 model does not compile"
# What the classifier adds to the model's RAM, by precision.
_IO_NOTES = {
    "int8": "the classifier's int8 input buffer (one byte per feature) comes on top",
    "float32": "the classifier's float32 output buffer (four bytes per score) comes on top; the "
    "features go into the model as they are",
}


def _sum(parts: list[Cost | None], precision: str = "int8") -> Cost:
    """DSP then model: latencies and flash add up; static RAM adds up, but the two run one
    after the other on the same stack, so only the deeper stack counts."""
    present = [p for p in parts if p is not None]

    def total(values: list[float | int | None]) -> Any:
        return None if not values or any(v is None for v in values) else sum(values)

    stacks = [p.stack_bytes or 0 for p in present]
    static_ram = total([p.ram_bytes for p in present])
    methods = sorted({p.method for p in present})
    cycles = total([p.cycles for p in present])
    # The parts run on one core: their bases are the same text; else say which part has none.
    cycle_basis = (
        next((p.cycle_basis for p in present if p.cycle_basis), None)
        if cycles is not None
        else "; ".join(
            p.cycle_basis or f"no cycle estimate: {p.basis}" for p in present if p.cycles is None
        )
        or None
    )
    return Cost(
        latency_ms=total([p.latency_ms for p in present]),
        flash_bytes=total([p.flash_bytes for p in present]),
        ram_bytes=None if static_ram is None else static_ram - sum(stacks) + max(stacks, default=0),
        method="+".join(methods),
        basis="DSP + model; RAM = DSP buffers + model RAM, counting the deeper of their stacks once",
        notes=[_IO_NOTES[precision]],
        stack_bytes=max(stacks, default=0),
        instructions=total([p.instructions for p in present]),
        cycles=cycles,
        cycles_min=total([p.cycles_min for p in present]),
        cycles_max=total([p.cycles_max for p in present]),
        cycle_factor=present[-1].cycle_factor if cycles is not None and present else None,
        cycle_latency_ms=total([p.cycle_latency_ms for p in present]),
        cycle_basis=cycle_basis,
        cycle_assumption=next((p.cycle_assumption for p in present if p.cycle_assumption), None)
        if cycles is not None
        else None,
    )


def dsp_cost(
    impulse: ImpulseSpec,
    dsp_blocks: Sequence[DspSpec],
    board: Board,
    *,
    count_cycles: bool = False,
) -> Cost:
    """The DSP blocks' C++ run once in QEMU on the board's core (or estimated without it);
    `count_cycles`: once more traced, for the cycle model."""
    with tempfile.TemporaryDirectory(prefix="mcuforge-dsp-estimate-") as scratch:
        try:
            library = write_dsp_estimate_library(impulse, dsp_blocks, Path(scratch) / "dsp")
        except SdkError as error:
            return Cost(None, None, None, "none", f"no DSP estimate: {error}")
        return _cost(
            estimate_library(
                library,
                DSP_ESTIMATE_NAME,
                board,
                count_cycles=count_cycles,
                max_traced_instructions=MAX_TRACED_INSTRUCTIONS,
            )
        )


def int8_model_cost(model_int8: bytes, board: Board, *, count_cycles: bool = False) -> Cost:
    return compiled_model_cost(model_int8, board, "int8", count_cycles=count_cycles)


def compiled_model_cost(
    model: bytes, board: Board, precision: str, *, count_cycles: bool = False
) -> Cost:
    """The model compiled as the libraries compile it, run once in QEMU on the board's core;
    `count_cycles`: once more traced, for the cycle model."""
    with tempfile.TemporaryDirectory(prefix="mcuforge-model-estimate-") as scratch:
        try:
            library = compile_tflite(model, Path(scratch) / "model", "mf_model")
        except CompileError as error:
            why = f"the {precision} model does not compile: {error}"
            return Cost(None, None, None, "none", why)
        cost = _cost(
            estimate_compiled(
                library,
                board,
                count_cycles=count_cycles,
                max_traced_instructions=MAX_TRACED_INSTRUCTIONS,
            )
        )
        cost.notes.insert(
            0,
            (
                f"model RAM = mcuforge tensor arena (activations, {library.arena_bytes} bytes) + the "
                "compiled model's other static data + its stack; the TensorFlow Lite Micro arena on "
                "the Training page is for comparison only"
            ),
        )
        return cost


def float32_arena(sizes: dict[str, Any], model_float32: bytes | None) -> tuple[int | None, str]:
    """The float32 model's TensorFlow Lite Micro arena and where the figure comes from: measured
    at training, or now with the same TFLM probe (models trained while it could not run), or
    None with the reason in words."""
    float_sizes = sizes.get("float32") or {}
    arena = float_sizes.get("arena_bytes")
    if arena is not None:
        return int(arena), "measured at training with the TFLM probe"
    if model_float32 is None:
        note = float_sizes.get("arena_note") or "no float32 model file is stored"
        return None, f"the float32 arena is unknown: {note}"
    measured, why = tflm_arena_bytes(model_float32)
    if measured is None:
        return None, f"the float32 arena is unknown: {why}"
    return measured, "measured now with the TFLM probe (it was not measured at training)"


def float32_model_cost(
    sizes: dict[str, Any], mac_count: int | None, board: Board, model_float32: bytes | None = None
) -> Cost:
    """Latency from the MAC count (an ESTIMATE, not a measurement); RAM: the float32 model's
    TFLM arena, measured; flash: its weights."""
    float_sizes = sizes.get("float32") or {}
    macs = mac_count if mac_count is not None else float_sizes.get("mac_count")
    latency = None
    basis = "no MAC count is stored for this model"
    if macs and board.fpu is None:
        instructions = int(macs) * SOFT_FLOAT_INSTRUCTIONS_PER_MAC
        latency = board.instructions_to_ms(instructions)
        basis = (
            f"ESTIMATE from the MAC count, not measured: {macs} MACs at "
            f"{SOFT_FLOAT_INSTRUCTIONS_PER_MAC} instructions per MAC (no FPU: a soft-float "
            f"multiply and add, measured for a float dot product on this core), x "
            f"{board.cycles_per_instruction} CPI at {board.clock_hz / 1e6:g} MHz"
        )
    elif macs:
        instructions = round(int(macs) / FALLBACK_MACS_PER_INSTRUCTION)
        latency = board.instructions_to_ms(instructions)
        basis = (
            f"ESTIMATE from the MAC count, not measured: {macs} MACs at "
            f"{FALLBACK_MACS_PER_INSTRUCTION} MAC per instruction (a single-precision FPU "
            f"multiply-accumulate with its two loads), x {board.cycles_per_instruction} CPI at "
            f"{board.clock_hz / 1e6:g} MHz"
        )
    arena, arena_source = float32_arena(sizes, model_float32)
    return Cost(
        latency_ms=latency,
        flash_bytes=float_sizes.get("weight_bytes"),
        ram_bytes=arena,
        method="mac-estimate",
        basis=basis,
        cycle_basis="no cycle estimate: the float32 model was not run, its latency is estimated "
        "from the MAC count",
        notes=[
            "flash: the float32 weights only (4 bytes each); the kernels' code is not counted",
            "RAM: the float32 model's TensorFlow Lite Micro arena (no mcuforge kernels for "
            f"float32), {arena_source}"
            if arena is not None
            else f"RAM: {arena_source}",
        ],
    )


def float32_cost(
    sizes: dict[str, Any],
    mac_count: int | None,
    board: Board,
    model_float32: bytes | None,
    *,
    count_cycles: bool = False,
) -> Cost:
    """The float32 model measured as int8 is (QEMU, the board's float ABI: soft float without
    an FPU); the MAC-count estimate only when there is no model file or it does not compile."""
    if model_float32 is not None:
        cost = compiled_model_cost(model_float32, board, "float32", count_cycles=count_cycles)
        if cost.method != "none":
            if board.fpu is None:
                cost.notes.insert(
                    0,
                    (
                        f"{board.name} has no FPU: every float operation is a soft-float library "
                        "call, so float32 runs far slower than int8 here"
                    ),
                )
            return cost
        fallback = float32_model_cost(sizes, mac_count, board, model_float32)
        fallback.notes.insert(0, cost.basis)
        return fallback
    return float32_model_cost(sizes, mac_count, board, model_float32)


def float32_refusal(cost: Cost, model_float32: bytes | None) -> str | None:
    """Why a float32 library cannot be built although its estimate is shown: no model file, or
    one the compiler refuses (the build would fail the same way)."""
    if model_float32 is None:
        return "the trained model has no float32 .tflite to compile; train again"
    return next((note for note in cost.notes if note.startswith(_DOES_NOT_COMPILE)), None)


def _fits(total: Cost, board: Board) -> bool | None:
    if total.flash_bytes is None or total.ram_bytes is None:
        return None
    return total.flash_bytes <= board.flash_bytes and total.ram_bytes <= board.ram_bytes


def fits_unknown_reason(parts: dict[str, Cost | None]) -> str | None:
    """Why whether it fits is unknown, in words: which part's flash or RAM is missing and the
    reason that part gives; None when every figure is there."""
    reasons = []
    for name, part in parts.items():
        if part is None:
            continue
        missing = [
            what
            for what, value in (("flash", part.flash_bytes), ("RAM", part.ram_bytes))
            if value is None
        ]
        if missing:
            why = next((note for note in part.notes if "unknown" in note), part.basis)
            reasons.append(f"the {name}'s {' and '.join(missing)} is unknown ({why})")
    return "; ".join(reasons) or None


def deployment_estimates(
    *,
    cache_key: tuple[Any, ...],
    impulse: ImpulseSpec | None,
    dsp_blocks: Sequence[DspSpec],
    model_int8: bytes,
    sizes: dict[str, Any],
    mac_count: int | None,
    board: Board,
    library_refusal: str | None = None,
    model_float32: bytes | None = None,
) -> dict[str, Any]:
    """{"int8": {...}, "float32": {...}} with dsp, model, total, fits, deployable and reason.
    `library_refusal`: why the libraries refuse the impulse (worker.deployment.inputs), the
    reason of both; float32 is also not deployable without its model file."""
    key = (*cache_key, board.name, library_refusal)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    dsp_part = (
        dsp_cost(impulse, dsp_blocks, board, count_cycles=True) if impulse and dsp_blocks else None
    )
    int8_model = int8_model_cost(model_int8, board, count_cycles=True)
    float_model = float32_cost(sizes, mac_count, board, model_float32, count_cycles=True)
    float_reason = library_refusal or float32_refusal(float_model, model_float32)
    result: dict[str, Any] = {}
    for precision, model_part, reason in (
        ("int8", int8_model, library_refusal),
        ("float32", float_model, float_reason),
    ):
        total = _sum([dsp_part, model_part], precision)
        result[precision] = {
            "precision": precision,
            "dsp": None if dsp_part is None else asdict(dsp_part),
            "model": asdict(model_part),
            "total": asdict(total),
            "fits": _fits(total, board),
            "fits_unknown_reason": fits_unknown_reason(
                {"DSP block": dsp_part, "model": model_part}
            ),
            "deployable": reason is None,
            "reason": reason,
        }
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result
