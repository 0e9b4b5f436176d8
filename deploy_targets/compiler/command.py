"""`mcuforge compile MODEL.tflite --out DIR [--name NAME]`: the compiler on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compile", help="compile an int8 .tflite model into a self-contained C++ library",
        description=__doc__)
    parser.add_argument("model", type=Path, help="the int8 TFLite model (.tflite)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--name", default="mf_model",
                        help="C name of the library: NAME.h, NAME_invoke() (default mf_model)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deploy_targets.compiler import CompileError, compile_tflite

    try:
        model_bytes = Path(args.model).read_bytes()
    except OSError as error:
        print(f"mcuforge compile: cannot read {args.model}: {error.strerror}", file=sys.stderr)
        return 1
    try:
        library = compile_tflite(model_bytes, Path(args.out), args.name)
    except CompileError as error:
        print(f"mcuforge compile: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(library.sources)} files to {library.out_dir} "
          f"(include {library.header_path.name})")
    print(f"arena {library.arena_bytes} B, input {library.input_bytes} B, "
          f"output {library.output_bytes} B, weights {library.weights_bytes} B, "
          f"{library.mac_count} MACs")
    return 0
