"""The C++ runtime's log (mf_dsp_common.h) against numpy over the range the audio blocks feed
it: its documented error bound."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from dsp_blocks.cpp_export import cpp_sources
from tests.dsp.cpp_runner import CXX_FLAGS, run_program

MAIN = """\
#include "mf_dsp_common.h"
#include <stdio.h>

/* Reads float32 x, writes float32 fast_ln(x) for each. */
int main() {
    float x;
    while (fread(&x, sizeof x, 1, stdin) == 1) {
        const float log = mf_dsp_fast_ln(x);
        fwrite(&log, sizeof log, 1, stdout);
    }
    return 0;
}
"""


def test_fast_ln_within_its_bound(tmp_path: Path) -> None:
    (tmp_path / "main.cpp").write_text(MAIN)
    program = tmp_path / "logs"
    subprocess.run(
        ["g++", *CXX_FLAGS, "-I", str(cpp_sources()[0].parent), str(tmp_path / "main.cpp"),
         "-o", str(program)],
        check=True,
    )
    rng = np.random.default_rng(0)
    # From the blocks' power floor (1e-10) to far above any 16-bit clip's power.
    x = np.exp(rng.uniform(np.log(1e-10), np.log(1e30), 200_000)).astype(np.float32)
    logs = run_program(program, x[:, None], 1).astype(np.float64)
    exact = np.log(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    fast_error = np.abs(logs[:, 0] - exact)
    assert np.all(fast_error <= 4.6e-7 + ulp)
