"""The C++ runtime and every block's generated config build for a Cortex-M4F with -Werror."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config
from tests.conftest import require

M4_FLAGS = [
    "-std=c++11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-O2",
    "-mcpu=cortex-m4",
    "-mthumb",
    "-mfpu=fpv4-sp-d16",
    "-mfloat-abi=hard",
    "-fno-exceptions",
    "-fno-rtti",
]

CONFIGS = {
    "mfcc": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "mfe": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "spectrogram": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "spectral": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "raw": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "flatten": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "image": {"sample_rate_hz": 0, "window_length": 0, "n_axes": 0, "input_shape": (64, 64, 3)},
}


# A Cortex-M0+ (ARMv6-M, no FPU): the audio blocks build their fixed-point path there.
M0PLUS_FLAGS = [
    *(flag for flag in M4_FLAGS if not flag.startswith(("-mcpu", "-mfpu", "-mfloat-abi"))),
    "-mcpu=cortex-m0plus",
    "-mfloat-abi=soft",
]


@pytest.mark.toolchain
@pytest.mark.parametrize("flags", [M4_FLAGS, M0PLUS_FLAGS], ids=["cortex-m4f", "cortex-m0plus"])
def test_runtime_and_configs_compile_for_cortex_m(flags: list[str], tmp_path: Path) -> None:
    require(shutil.which("arm-none-eabi-g++") is not None, "arm-none-eabi-g++ is not installed")
    includes = []
    for block, shape in CONFIGS.items():
        header = config_header_name(block)
        (tmp_path / header).write_text(render_config(block, {}, **shape))  # type: ignore[arg-type]
        includes.append(f'#define MF_DSP_{block.upper()}_IMPLEMENTATION\n#include "{header}"\n')
    (tmp_path / "all_blocks.cpp").write_text("".join(includes))
    sources = [str(p) for p in cpp_sources() if p.suffix == ".cpp"]
    sources.append(str(tmp_path / "all_blocks.cpp"))
    for source in sources:
        result = subprocess.run(
            [
                "arm-none-eabi-g++",
                *flags,
                "-I",
                str(cpp_sources()[0].parent),
                "-I",
                str(tmp_path),
                "-c",
                source,
                "-o",
                str(tmp_path / (Path(source).stem + ".o")),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{source}:\n{result.stderr}"
