"""A model with two inputs and two outputs runs through NAME_invoke_multi, exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite
from tests.compiler.reference import GXX_FLAGS, run_tflm_multi

HARNESS = """
#include <stdio.h>
#include "multi.h"
int main() {
  static unsigned char in0[MULTI_INPUT0_BYTES], in1[MULTI_INPUT1_BYTES];
  static unsigned char out0[MULTI_OUTPUT0_BYTES], out1[MULTI_OUTPUT1_BYTES];
  const void *inputs[2] = {in0, in1};
  void *outputs[2] = {out0, out1};
  while (fread(in0, 1, sizeof(in0), stdin) == sizeof(in0) &&
         fread(in1, 1, sizeof(in1), stdin) == sizeof(in1)) {
    if (multi_invoke_multi(inputs, outputs) != 0) return 2;
    fwrite(out0, 1, sizeof(out0), stdout);
    fwrite(out1, 1, sizeof(out1), stdout);
  }
  return multi_invoke(in0, out0) == -1 ? 0 : 3;  // the single-tensor call refuses
}
"""


@pytest.fixture(scope="module")
def multi_model(request: pytest.FixtureRequest) -> bytes:
    cache = Path(request.config.cache.mkdir("mcuforge_compiler_models")) / "multi-io-v1.tflite"
    if not cache.exists():
        from tests.compiler.model_factory import two_input_two_output_model

        cache.write_bytes(two_input_two_output_model(9))
    return cache.read_bytes()


def test_two_inputs_two_outputs(multi_model: bytes, tmp_path: Path) -> None:
    library = compile_tflite(multi_model, tmp_path, "multi")
    assert len(library.inputs) == 2 and len(library.outputs) == 2
    header = library.header_path.read_text()
    assert "int multi_invoke_multi(const void *const *inputs, void *const *outputs);" in header
    (tmp_path / "main.cpp").write_text(HARNESS)
    executable = tmp_path / "multi.bin"
    subprocess.run(["g++", *GXX_FLAGS, "-I", str(tmp_path), str(tmp_path / "multi.cpp"),
                    str(tmp_path / "main.cpp"), "-o", str(executable)], check=True)
    rng = np.random.default_rng(4)
    input_sets = [[rng.integers(-128, 128, spec.shape, np.int8) for spec in library.inputs]
                  for _ in range(5)]
    stdin = b"".join(x.tobytes() for inputs in input_sets for x in inputs)
    result = subprocess.run([str(executable)], input=stdin, capture_output=True, check=True)
    expected = b"".join(y.tobytes() for outputs in run_tflm_multi(multi_model, input_sets)
                        for y in outputs)
    assert result.stdout == expected
