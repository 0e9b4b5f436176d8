"""Issue 13: a truncated or byte-corrupted .tflite stops the compiler with a CompileError saying
what is wrong (or compiles, when the damage is harmless), never another exception, and never
with unbounded memory or time. Compiled to IR, plan and C++ text only: no g++ per variant."""

from __future__ import annotations

import collections
import resource
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tflite

from deploy_targets.compiler import CompileError, load_graph, prepare
from deploy_targets.compiler.emit import render_library

VARIANTS = 500
# Models of tests/compiler's factory (cached by the int8_model fixture) with the operators the
# shared models lack: pad, crop (strided slice), concatenation, mul, sub, activations, mean...
FACTORY_MODELS = {
    "conv_depthwise_residual_pool": (11, ["conv", "depthwise", "residual", "pool"]),
    "pad_crop_concat_mul_sub": (12, ["zero_pad", "crop", "concatenate", "multiply", "subtract"]),
    "activations_max_mean": (13, ["leaky_relu", "hard_swish", "tanh", "sigmoid", "maximum",
                                  "squeeze", "global_pool"]),
}
# Written over 4 bytes of the flatbuffer: offsets, lengths, indices and dims at their extremes.
EXTREME_INTS = [0, 1, -1, 2**31 - 1, -(2**31), 0xFFFF, 0x10000, 0x7FFF, 4, 8, 2**32 - 16]
MAX_SECONDS_PER_MODEL = 5.0
# Growth of the process's peak resident memory over all variants: a corrupted shape that made
# the compiler allocate for it would take gigabytes.
MAX_PEAK_GROWTH_BYTES = 256 * 1024 * 1024


def corrupt(model: bytes, rng: np.random.Generator) -> tuple[bytes, str]:
    """One damaged copy: truncated at a random length, a few random bit flips, or a few extreme
    32-bit integers written (mostly 4-byte aligned, where flatbuffer fields live)."""
    damaged = bytearray(model)
    kind = int(rng.integers(3))
    if kind == 0:
        length = int(rng.integers(0, len(model)))
        return bytes(damaged[:length]), f"truncated to {length} bytes"
    if kind == 1:
        positions = [int(p) for p in rng.integers(0, len(model), int(rng.integers(1, 9)))]
        for position in positions:
            damaged[position] ^= 1 << int(rng.integers(8))
        return bytes(damaged), f"bits flipped at {positions}"
    writes = []
    for _ in range(int(rng.integers(1, 4))):
        position = int(rng.integers(0, len(model) - 4))
        if rng.random() < 0.7:
            position &= ~3
        value = EXTREME_INTS[int(rng.integers(len(EXTREME_INTS)))] & 0xFFFFFFFF
        damaged[position:position + 4] = struct.pack("<I", value)
        writes.append((position, value))
    return bytes(damaged), f"(offset, uint32) written: {writes}"


@pytest.fixture(scope="module")
def clean_models(shared_models: Path, int8_model: Callable[..., bytes]) -> dict[str, bytes]:
    models = {path.stem: path.read_bytes() for path in sorted(shared_models.glob("*.tflite"))}
    assert len(models) >= 5
    for name, (seed, blocks) in FACTORY_MODELS.items():
        models[name] = int8_model(seed, blocks)
    return models


def compile_to_text(model_bytes: bytes) -> dict[str, str]:
    prepared = prepare(model_bytes)
    return render_library(prepared.graph, prepared.steps, prepared.plan, "mf_model", "fuzz")


def _peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux: KiB


def test_the_clean_models_compile(clean_models: dict[str, bytes]) -> None:
    for model_bytes in clean_models.values():
        assert "mf_model_invoke" in compile_to_text(model_bytes)["mf_model.cpp"]


def test_corrupted_models_raise_only_compile_errors(clean_models: dict[str, bytes]) -> None:
    rng = np.random.default_rng(13)
    names = sorted(clean_models)
    outcomes: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    peak_before = _peak_rss_bytes()
    for variant in range(VARIANTS):
        name = names[variant % len(names)]
        damaged, how = corrupt(clean_models[name], rng)
        started = time.perf_counter()
        try:
            compile_to_text(damaged)
            outcomes["compiled"] += 1
        except CompileError as error:
            outcomes["refused"] += 1
            if not str(error).strip():
                failures.append(f"{name}, {how}: a CompileError without a message")
        except Exception as error:  # noqa: BLE001 - exactly what this test looks for
            failures.append(f"{name}, {how}: {type(error).__name__}: {error}")
        seconds = time.perf_counter() - started
        if seconds > MAX_SECONDS_PER_MODEL:
            failures.append(f"{name}, {how}: took {seconds:.1f} s")
    peak_growth = _peak_rss_bytes() - peak_before
    assert not failures, "\n".join(failures[:20])
    assert peak_growth < MAX_PEAK_GROWTH_BYTES
    # The corruption is real: most variants are refused, some damage (a weight) is harmless.
    assert outcomes["refused"] > VARIANTS // 2
    assert outcomes["compiled"] > 0


# --- each check, on hello_world with one field overwritten ------------------------------------


@pytest.fixture(scope="module")
def hello_world(shared_models: Path) -> bytes:
    return (shared_models / "hello_world_int8.tflite").read_bytes()


def _vector_start(table: Any, field_offset: int) -> int:
    """Where a table's vector field's first element lies in the file."""
    return int(table._tab.Vector(table._tab.Offset(field_offset)))


def _overwrite(model: bytes, position: int, value: int) -> bytes:
    damaged = bytearray(model)
    damaged[position:position + 4] = struct.pack("<i", value)
    return bytes(damaged)


def _subgraph(model: bytes) -> Any:
    return tflite.Model.GetRootAsModel(model, 0).Subgraphs(0)


def test_a_huge_dimension_is_refused_before_anything_is_allocated(hello_world: bytes) -> None:
    graph = load_graph(hello_world)
    activation = next(t for t in graph.tensors if not t.is_constant)
    shape_at = _vector_start(_subgraph(hello_world).Tensors(activation.index), 4)
    damaged = _overwrite(hello_world, shape_at, 2**31 - 1)
    with pytest.raises(CompileError, match=r"more than the 67108864 a microcontroller model"):
        load_graph(damaged)


def test_a_negative_dimension_is_refused(hello_world: bytes) -> None:
    shape_at = _vector_start(_subgraph(hello_world).Tensors(0), 4)
    with pytest.raises(CompileError, match="negative .dynamic. dimension"):
        load_graph(_overwrite(hello_world, shape_at, -1))


def test_a_constant_shorter_than_its_shape_is_refused(hello_world: bytes) -> None:
    graph = load_graph(hello_world)
    weights = next(t for t in graph.tensors if t.is_constant and len(t.shape) == 2)
    shape_at = _vector_start(_subgraph(hello_world).Tensors(weights.index), 4)
    with pytest.raises(CompileError, match=r"needs \d+ bytes of data, but its buffer \d+ holds"):
        load_graph(_overwrite(hello_world, shape_at, weights.shape[0] + 1))


def test_an_operator_naming_a_missing_tensor_is_refused(hello_world: bytes) -> None:
    inputs_at = _vector_start(_subgraph(hello_world).Operators(0), 6)
    with pytest.raises(CompileError, match=r"operator 0 .*inputs names tensor 9999, but the "
                                           r"subgraph has \d+ tensors"):
        load_graph(_overwrite(hello_world, inputs_at, 9999))


def test_an_operator_reading_a_later_result_is_refused(hello_world: bytes) -> None:
    graph = load_graph(hello_world)
    last_output = graph.operators[-1].outputs[0]
    inputs_at = _vector_start(_subgraph(hello_world).Operators(0), 6)
    with pytest.raises(CompileError, match="before any operator writes it"):
        load_graph(_overwrite(hello_world, inputs_at, last_output))


def test_a_vector_longer_than_the_file_is_refused(hello_world: bytes) -> None:
    tensors_at = _vector_start(_subgraph(hello_world), 4)
    # A vector's length is the 32-bit word before its first element.
    with pytest.raises(CompileError, match="the tensors: 1000000 entries claimed, more than a"):
        load_graph(_overwrite(hello_world, tensors_at - 4, 1_000_000))


def test_a_truncated_model_names_what_was_being_read(hello_world: bytes) -> None:
    with pytest.raises(CompileError, match=r"malformed TFLite flatbuffer of 2000 bytes "
                                           r"\(truncated or corrupted\): reading tensor"):
        load_graph(hello_world[:2000])
