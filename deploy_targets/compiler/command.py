"""`mcuforge compile MODEL.tflite --out DIR [--name NAME]`: the compiler on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# Far above any microcontroller model (flash is at most a few MB); refused before reading.
MAX_MODEL_BYTES = 256 * 1024 * 1024


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compile", help="compile an int8 .tflite model into a self-contained C++ library",
        description=__doc__)
    parser.add_argument("model", type=Path, help="the int8 TFLite model (.tflite)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--name", default="mf_model",
                        help="C name of the library: NAME.h, NAME_invoke() (default mf_model)")
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    """One line on stderr, `error: <what is wrong>`, and a non-zero exit; never a traceback."""
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    from deploy_targets.compiler import CompileError, compile_tflite

    try:
        model_size = Path(args.model).stat().st_size
        if model_size > MAX_MODEL_BYTES:
            return _fail(f"{args.model} has {model_size} bytes; a microcontroller model has at "
                         f"most {MAX_MODEL_BYTES}")
        model_bytes = Path(args.model).read_bytes()
    except OSError as error:
        return _fail(f"cannot read {args.model}: {error.strerror or error}")
    try:
        library = compile_tflite(model_bytes, Path(args.out), args.name)
    except CompileError as error:
        return _fail(str(error))
    except (MemoryError, RecursionError, ArithmeticError, LookupError, TypeError,
            ValueError) as error:
        # Every malformed model should be a CompileError; this is a compiler bug, but the user
        # still gets one line and an exit status rather than a traceback.
        return _fail(f"internal compiler error ({type(error).__name__}: {error}); please "
                     "report it with the model")
    print(f"wrote {len(library.sources)} files to {library.out_dir} "
          f"(include {library.header_path.name})")
    state = f"state {library.state_bytes} B (kept between calls), " if library.state_bytes else ""
    compact = (f" ({library.compact_weights_bytes} B without the DSP extension or with "
               "MF_COMPACT_WEIGHTS=1)"
               if library.compact_weights_bytes != library.weights_bytes else "")
    print(f"arena {library.arena_bytes} B, {state}input {library.input_bytes} B, "
          f"output {library.output_bytes} B, weights {library.weights_bytes} B{compact}, "
          f"{library.mac_count} MACs")
    return 0
