"""The C++ runtime and every block's generated config build with -Werror for the cores of the
board profiles: Cortex-M4F, Cortex-M33F and the Cortex-M0+ without FPU (soft float)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config
from tests.conftest import require

COMMON_FLAGS = ["-std=c++11", "-Wall", "-Wextra", "-Werror", "-O2", "-fno-exceptions", "-fno-rtti"]
CORE_FLAGS = {
    "cortex-m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m33f": ["-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"],
    "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"],
}

CONFIGS = {
    "mfcc": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "mfe": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "spectrogram": {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1},
    "spectral": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "raw": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "flatten": {"sample_rate_hz": 62.5, "window_length": 125, "n_axes": 3},
    "image": {"sample_rate_hz": 0, "window_length": 0, "n_axes": 0, "input_shape": (64, 64, 3)},
}


@pytest.mark.toolchain
@pytest.mark.parametrize("core", sorted(CORE_FLAGS))
def test_runtime_and_configs_compile_for_cortex_m(core: str, tmp_path: Path) -> None:
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
                *COMMON_FLAGS,
                *CORE_FLAGS[core],
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


@pytest.mark.toolchain
def test_fixed_point_fft_needs_no_64_bit_multiply_routine_on_cortex_m0plus(tmp_path: Path) -> None:
    """ARMv6-M has no 32 x 32 -> 64-bit multiply: each 64-bit product would be an __aeabi_lmul
    call (~40 instructions). The fixed-point path's narrow products (MF_DSP_FIXED_NARROW_PRODUCTS,
    on by default there) leave its object file without one."""
    require(shutil.which("arm-none-eabi-g++") is not None, "arm-none-eabi-g++ is not installed")
    source = next(p for p in cpp_sources() if p.name == "mf_dsp_fixed.cpp")
    target = tmp_path / "mf_dsp_fixed.o"
    command = ["arm-none-eabi-g++", *COMMON_FLAGS, *CORE_FLAGS["cortex-m0plus"], "-Os", "-I"]
    command += [str(source.parent), "-c", str(source), "-o", str(target)]
    subprocess.run(command, check=True)
    undefined = subprocess.run(
        ["arm-none-eabi-nm", "-u", str(target)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "__aeabi_lmul" not in undefined and "__muldi3" not in undefined, undefined
