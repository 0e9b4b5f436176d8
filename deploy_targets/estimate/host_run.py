"""Build a generated library for the host with g++ and run it on input bytes.

The host build is what the platform compares, byte for byte, with the TFLite interpreters.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from deploy_targets.estimate.arm_build import HARNESS_DIR, BuildError, library_sources

HOST_FLAGS = ("-O2", "-std=c++11", "-fno-exceptions", "-fno-rtti", "-Wall", "-Wextra")


def build_host_runner(library_dir: Path, name: str, work_dir: Path, gxx: str = "g++") -> Path:
    """Compile the library and the stdin/stdout runner into an executable in `work_dir`."""
    sources = library_sources(library_dir)
    if not sources:
        raise BuildError(f"no .cpp sources in {library_dir}; expected the library's sources there")
    upper = name.upper()
    work_dir.mkdir(parents=True, exist_ok=True)
    runner = work_dir / f"{name}_host_runner"
    command = [
        gxx, *HOST_FLAGS,
        f'-DMF_HEADER="{name}.h"',
        f"-DMF_INVOKE={name}_invoke",
        f"-DMF_INPUT_BYTES={upper}_INPUT_BYTES",
        f"-DMF_OUTPUT_BYTES={upper}_OUTPUT_BYTES",
        f"-I{library_dir}",
        str(HARNESS_DIR / "host_main.cpp"),
        *map(str, sources),
        "-o", str(runner),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise BuildError(f"host build of {name} failed:\n{result.stderr[-4000:]}")
    return runner


def run_host(runner: Path, inputs: list[bytes], output_bytes: int) -> list[bytes]:
    """Outputs of the host runner for each input (all inputs the same length)."""
    result = subprocess.run(
        [str(runner)], input=b"".join(inputs), capture_output=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{runner.name} exited {result.returncode}: {result.stderr.decode(errors='replace')}"
        )
    if len(result.stdout) != output_bytes * len(inputs):
        raise RuntimeError(
            f"{runner.name} wrote {len(result.stdout)} bytes for {len(inputs)} inputs; "
            f"expected {output_bytes} per input"
        )
    return [result.stdout[i * output_bytes : (i + 1) * output_bytes] for i in range(len(inputs))]
