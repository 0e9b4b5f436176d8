"""compile_tflite: read, lower, plan, then write the library (nothing is written on error)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from deploy_targets.compiler.c_literals import check_identifier
from deploy_targets.compiler.emit import render_library, state_bytes, write_library
from deploy_targets.compiler.errors import CompileError, OutputPathError
from deploy_targets.compiler.ir import Graph
from deploy_targets.compiler.lowering import lower_graph
from deploy_targets.compiler.planner import MemoryPlan, plan_memory
from deploy_targets.compiler.reader import load_graph
from deploy_targets.compiler.steps import Step


@dataclass(frozen=True)
class TensorSpec:
    """A model input or output as the generated header describes it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    scale: float
    zero_point: int


@dataclass
class CompiledLibrary:
    """What compile_tflite wrote, and the figures others report (RAM, flash, MACs)."""

    name: str
    out_dir: Path
    header_path: Path
    sources: list[Path]
    arena_bytes: int
    input_bytes: int
    output_bytes: int
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    mac_count: int
    # flash for constants: weights, biases, per-channel multipliers/shifts, on a core whose fast
    # path reads the pre-expanded weight pairs (MF_WEIGHT_PAIRS, mf/conv_params.h: a Cortex-M4,
    # M7 or M33), the most the library takes
    weights_bytes: int
    # static RAM beside the arena for state kept between invocations (an LSTM's hidden and cell)
    state_bytes: int = 0
    # the same without the pairs: a core without the DSP extension, or MF_COMPACT_WEIGHTS=1
    compact_weights_bytes: int = 0


@dataclass
class Prepared:
    """A model lowered and planned, before any file is written."""

    graph: Graph
    steps: list[Step]
    plan: MemoryPlan


def prepare(model_bytes: bytes, in_place: bool = True) -> Prepared:
    """Parse, check every operator, lower and plan memory; raises CompileError on anything
    unsupported."""
    graph = load_graph(model_bytes)
    if not graph.inputs or not graph.outputs:
        raise CompileError("the model has no inputs or no outputs")
    steps = lower_graph(graph, fuse=in_place)
    plan = plan_memory(graph, steps, in_place=in_place)
    return Prepared(graph, steps, plan)


def constant_bytes(steps: list[Step], weight_pairs: bool = True) -> int:
    """Flash taken by the generated constants: weights, biases, multipliers and shifts, where
    MF_WEIGHT_PAIRS is `weight_pairs` (each ConstArray.variant is on one side of it)."""
    skipped = "int8" if weight_pairs else "pairs"
    item_bytes = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "float": 4, "double": 8,
                  "int64_t": 8}
    return sum(array.values.size * item_bytes[array.ctype] for s in steps for array in s.arrays
               if array.variant != skipped)


def _specs(graph: Graph, tensors: list[int]) -> list[TensorSpec]:
    return [TensorSpec(graph.tensors[i].name, graph.tensors[i].dtype, graph.tensors[i].shape,
                       graph.tensors[i].scale, graph.tensors[i].zero_point) for i in tensors]


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output directory that cannot be created or written, before compiling."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputPathError(f"the output path {out_dir} is a file, not a directory; "
                              "give a directory (it is created if missing)")
    existing = out_dir
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"the output directory {out_dir} cannot be created: {existing} "
                              "is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"the output directory {out_dir} cannot be written: {existing} "
                              "is not writable")


def compile_tflite(model_bytes: bytes, out_dir: Path, name: str = "mf_model") -> CompiledLibrary:
    """Compile a TFLite model (int8, 16x8 or float32) into a C++11 library in `out_dir` (see
    NAME.h there)."""
    try:
        check_identifier(name)
    except ValueError as error:
        raise CompileError(f"library name: {error}") from None
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    prepared = prepare(bytes(model_bytes))
    graph = prepared.graph
    digest = hashlib.sha256(bytes(model_bytes)).hexdigest()[:16]
    note = (f"from a TFLite model of {len(model_bytes)} bytes (sha256 {digest}...), "
            f"{len(graph.operators)} operators")
    files = render_library(graph, prepared.steps, prepared.plan, name, note)
    try:
        written = write_library(files, out_dir)
    except OSError as error:  # e.g. a read-only file system, or the disk filled up
        raise OutputPathError(f"cannot write the library to {out_dir}: "
                              f"{error.strerror or error}") from None
    return CompiledLibrary(
        name=name,
        out_dir=out_dir,
        header_path=out_dir / f"{name}.h",
        sources=written,
        arena_bytes=prepared.plan.arena_bytes,
        input_bytes=graph.tensors[graph.inputs[0]].byte_count,
        output_bytes=graph.tensors[graph.outputs[0]].byte_count,
        inputs=_specs(graph, graph.inputs),
        outputs=_specs(graph, graph.outputs),
        mac_count=graph.mac_count(),
        weights_bytes=constant_bytes(prepared.steps),
        state_bytes=state_bytes(graph, prepared.steps),
        compact_weights_bytes=constant_bytes(prepared.steps, weight_pairs=False),
    )
