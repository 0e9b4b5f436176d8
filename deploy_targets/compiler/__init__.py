"""The compiler: a TFLite flatbuffer (int8, 16x8 or float32) -> plain C++11 with a static arena
and no interpreter. Operators live in ops/, one module per family, found through ops/registry.py.

    lib = compile_tflite(model_bytes, Path("out"), name="kws")
"""

from __future__ import annotations

from deploy_targets.compiler.compiler import (
    CompiledLibrary,
    TensorSpec,
    compile_tflite,
    prepare,
)
from deploy_targets.compiler.errors import CompileError, OutputPathError
from deploy_targets.compiler.reader import load_graph

__all__ = ["CompileError", "CompiledLibrary", "OutputPathError", "TensorSpec", "compile_tflite",
           "load_graph", "prepare"]
