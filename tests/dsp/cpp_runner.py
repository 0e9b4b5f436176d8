"""Builds a DSP block's C++ twin with a stdin/stdout main() and runs it on float32 windows."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config

CXX_FLAGS = ["-std=c++11", "-Wall", "-Wextra", "-Werror", "-O2"]

MAIN_TEMPLATE = """\
#define {macro}_IMPLEMENTATION
#include "{header}"

#include <stdio.h>

/* Reads windows of INPUT_LEN float32 from stdin until EOF, writes OUTPUT_LEN float32 each. */
int main() {{
    static float window[{macro}_INPUT_LEN];
    static float features[{macro}_OUTPUT_LEN];
    while (fread(window, sizeof(float), {macro}_INPUT_LEN, stdin) == {macro}_INPUT_LEN) {{
        if ({prefix}_{block}_extract(window, features) != 0) return 2;
        fwrite(features, sizeof(float), {macro}_OUTPUT_LEN, stdout);
    }}
    return 0;
}}
"""


class CppBuilder:
    """Compiles the runtime once into object files, then one small program per configuration.
    `defines` (e.g. ["-DMF_DSP_FIXED_POINT=1"]) go to every compilation."""

    def __init__(self, build_dir: Path, defines: tuple[str, ...] = ()) -> None:
        self.build_dir = build_dir
        self.defines = defines
        self.cpp_dir = cpp_sources()[0].parent
        self._objects: list[Path] | None = None
        self._programs: dict[str, Path] = {}

    def runtime_objects(self) -> list[Path]:
        if self._objects is None:
            objects = []
            for source in cpp_sources():
                if source.suffix != ".cpp":
                    continue
                target = self.build_dir / f"{source.stem}.o"
                _compile([*self.defines, "-c", str(source), "-o", str(target)], self.cpp_dir)
                objects.append(target)
            self._objects = objects
        return self._objects

    def program(self, block: str, params: Any, prefix: str = "mf_dsp", **shape: Any) -> Path:
        header = render_config(block, params, symbol_prefix=prefix, **shape)
        key = hashlib.sha1(header.encode()).hexdigest()[:16]
        if key in self._programs:
            return self._programs[key]
        work = self.build_dir / key
        work.mkdir(exist_ok=True)
        header_name = config_header_name(block, prefix)
        (work / header_name).write_text(header)
        macro = f"{prefix}_{block}".upper()
        main = MAIN_TEMPLATE.format(macro=macro, header=header_name, prefix=prefix, block=block)
        (work / "main.cpp").write_text(main)
        executable = work / "extract"
        _compile(
            [
                *self.defines,
                str(work / "main.cpp"),
                *map(str, self.runtime_objects()),
                "-o",
                str(executable),
                "-I",
                str(work),
            ],
            self.cpp_dir,
        )
        self._programs[key] = executable
        return executable

    def program_of(self, name: str, files: dict[str, str]) -> Path:
        """A program of its own `files` (name -> text; main.cpp among them) and the runtime."""
        work = self.build_dir / name
        work.mkdir()
        for file_name, text in files.items():
            (work / file_name).write_text(text)
        executable = work / "program"
        _compile(
            [*self.defines, str(work / "main.cpp"), *map(str, self.runtime_objects()), "-o",
             str(executable), "-I", str(work)],
            self.cpp_dir,
        )
        return executable


def _compile(arguments: list[str], include_dir: Path) -> None:
    command = ["g++", *CXX_FLAGS, "-I", str(include_dir), *arguments, "-lm"]
    if "-c" in arguments:
        command.remove("-lm")
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}"


def run_program(executable: Path, windows: np.ndarray, output_len: int) -> np.ndarray:
    """Feed `(batch, ...)` windows, return `(batch, output_len)` float32 features."""
    data = np.ascontiguousarray(windows, dtype="<f4").tobytes()
    result = subprocess.run([str(executable)], input=data, capture_output=True, timeout=60)
    assert result.returncode == 0, f"{executable} exited {result.returncode}"
    features = np.frombuffer(result.stdout, dtype="<f4")
    return features.reshape(len(windows), output_len)
