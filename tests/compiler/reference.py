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
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    interpreter = Interpreter(model_content=model_bytes, experimental_op_resolver_type=resolver,
                              num_threads=1)
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    outputs = []
    for value in inputs:
        interpreter.set_tensor(input_index, value)
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_index).copy())
    return outputs


def run_tflm(model_bytes: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Outputs of TensorFlow Lite Micro's interpreter (the device reference)."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    outputs = []
    for value in inputs:
        interpreter.set_input(value, 0)
        interpreter.invoke()
        outputs.append(interpreter.get_output(0).copy())
    return outputs


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
