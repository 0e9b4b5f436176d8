"""The SDK's C++ FOMO decoder (deploy_targets/sdk/runtime/mf_detection.cpp) built with g++ and run
on output maps, its objects read back as the platform's DetectedObject."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deploy_targets.sdk.build import RUNTIME_DIR
from tests.conftest import require
from worker.learning.detection import DetectedObject

DRIVER_SOURCE = Path(__file__).resolve().parent / "host_detect.cpp"


def build_host_decoder(out_dir: Path) -> Path:
    require(shutil.which("g++") is not None, "g++ is not installed")
    driver = out_dir / "host_detect"
    run = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{RUNTIME_DIR}",
         str(DRIVER_SOURCE), str(RUNTIME_DIR / "mf_detection.cpp"), "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return driver


def host_decode(
    driver: Path,
    maps: np.ndarray,
    labels: Sequence[str],
    *,
    threshold: float,
    max_objects: int,
    quantization: tuple[float, int] | None = None,
) -> list[list[DetectedObject]]:
    """Objects of each map (maps: images x rows x columns x channels; int8 with `quantization`
    (scale, zero point), else float32)."""
    _, rows, columns, channels = maps.shape
    arguments = [str(driver), str(rows), str(columns), str(channels - 1),
                 repr(float(np.float32(threshold))), str(max_objects)]  # fmt: skip
    if quantization is None:
        stdin = np.ascontiguousarray(maps, dtype=np.float32).tobytes()
        arguments.append("float")
    else:
        stdin = np.ascontiguousarray(maps, dtype=np.int8).tobytes()
        arguments += ["int8", repr(float(np.float32(quantization[0]))), str(quantization[1])]
    run = subprocess.run(arguments, input=stdin, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    found = parse_objects(run.stdout.decode(), labels)
    assert len(found) == len(maps)
    return found


def parse_objects(
    text: str, labels: Sequence[str], *, by_name: bool = False
) -> list[list[DetectedObject]]:
    """The drivers' output: per map a count line, then "label x y width height value" lines
    (label an index into `labels`, or with `by_name` the label itself)."""
    lines = text.splitlines()
    found: list[list[DetectedObject]] = []
    position = 0
    while position < len(lines):
        count = int(lines[position])
        objects = []
        for line in lines[position + 1 : position + 1 + count]:
            label, x, y, width, height, value = line.split()
            objects.append(
                DetectedObject(
                    label=label if by_name else labels[int(label)], x=int(x), y=int(y),
                    width=int(width), height=int(height), score=float(np.float32(value)),
                )
            )  # fmt: skip
        found.append(objects)
        position += 1 + count
    return found
