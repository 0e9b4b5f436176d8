"""Runs a model three ways for the conformance tests: LiteRT (optimized and reference kernels),
TFLite Micro, and the compiled C++ (built once per library with g++ -Wall -Wextra -Werror)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

HARNESS = Path(__file__).parent / "harness" / "main.cpp"
GXX_FLAGS = ["-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror"]


def run_litert(model_bytes: bytes, inputs: list[np.ndarray], reference_kernels: bool = False
               ) -> list[np.ndarray]:
    """Outputs of the LiteRT interpreter (the TFLite interpreter), one per input."""
    return [out[0] for out in run_litert_multi(model_bytes, [[x] for x in inputs],
                                               reference_kernels)]


def run_litert_multi(model_bytes: bytes, input_sets: list[list[np.ndarray]],
                     reference_kernels: bool = False) -> list[list[np.ndarray]]:
    """Every output of LiteRT for each set of inputs (in the model's input order)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    interpreter = Interpreter(model_content=model_bytes, experimental_op_resolver_type=resolver,
                              num_threads=1)
    interpreter.allocate_tensors()
    # The details lists are not in subgraph order; tensor indices are.
    from deploy_targets.compiler import load_graph

    graph = load_graph(model_bytes)
    input_indices, output_indices = graph.inputs, graph.outputs
    results = []
    for values in input_sets:
        for index, value in zip(input_indices, values, strict=True):
            interpreter.set_tensor(index, value)
        interpreter.invoke()
        results.append([interpreter.get_tensor(i).copy() for i in output_indices])
    return results


def run_tflm(model_bytes: bytes, inputs: list[np.ndarray], arena_size: int | None = None
             ) -> list[np.ndarray]:
    """Outputs of TensorFlow Lite Micro's interpreter (the device reference)."""
    return [out[0] for out in run_tflm_multi(model_bytes, [[x] for x in inputs], arena_size)]


def run_tflm_multi(model_bytes: bytes, input_sets: list[list[np.ndarray]],
                   arena_size: int | None = None) -> list[list[np.ndarray]]:
    """Every output of TFLite Micro for each set of inputs (subgraph input order); models with
    large tensors need an `arena_size` beyond the runtime's default (bytes)."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)
    from deploy_targets.compiler import load_graph

    graph = load_graph(model_bytes)
    results = []
    for values in input_sets:
        for k, value in enumerate(values):
            interpreter.set_input(value, k)
        interpreter.invoke()
        results.append([interpreter.get_output(k).copy() for k in range(len(graph.outputs))])
    return results


def build_harness(library_dir: Path, defines: tuple[str, ...] = (),
                  executable_name: str = "harness.bin") -> Path:
    """Compile the library with the stdin/stdout harness; returns the executable.

    `defines` such as ("MF_LITERT_ROUNDING",) select the runtime's LiteRT-compatible rounding.
    """
    sources = sorted(library_dir.glob("*.cpp")) + [HARNESS]
    executable = library_dir / executable_name
    result = subprocess.run(
        ["g++", *GXX_FLAGS, *(f"-D{d}" for d in defines), "-I", str(library_dir),
         *map(str, sources), "-o", str(executable)], capture_output=True, text=True)
    assert result.returncode == 0, f"g++ failed:\n{result.stderr[-4000:]}"
    return executable


def run_compiled(executable: Path, inputs: list[np.ndarray], output_dtype: np.dtype,
                 output_shape: tuple[int, ...]) -> list[np.ndarray]:
    stdin = b"".join(np.ascontiguousarray(v).tobytes() for v in inputs)
    result = subprocess.run([str(executable)], input=stdin, capture_output=True, check=True)
    flat = np.frombuffer(result.stdout, dtype=output_dtype)
    per_output = int(np.prod(output_shape))
    assert flat.size == per_output * len(inputs), "harness wrote the wrong number of bytes"
    return [flat[i * per_output:(i + 1) * per_output].reshape(output_shape)
            for i in range(len(inputs))]


def random_inputs(rng: np.random.Generator, dtype: np.dtype, shape: tuple[int, ...], count: int
                  ) -> list[np.ndarray]:
    if np.dtype(dtype) == np.float32:
        return [rng.uniform(-1.0, 1.0, size=shape).astype(np.float32) for _ in range(count)]
    info = np.iinfo(dtype)
    return [rng.integers(info.min, info.max + 1, size=shape, dtype=dtype) for _ in range(count)]
