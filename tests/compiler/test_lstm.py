"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 activations and weights, int16 cell state): Keras LSTMs
(unroll=False) converted with full-integer quantization, batch-major, time-major, several
sequences, and TFLM's mnist_lstm shape, compared byte for byte with TFLite Micro over several
invocations in a row (the hidden and cell state carry over) and across <name>_reset().

Only TFLite Micro is the reference: LiteRT's integer LSTM (kernels/lstm_eval.cc) folds the
zero points into precomputed biases and accumulates the gates differently, so its results
differ in the last bits and the compiler follows the device runtime.
"""

from __future__ import annotations

import dataclasses
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, compile_tflite, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from tests.compiler.reference import GXX_FLAGS, random_inputs
from tests.compiler.test_generated_models import assert_exact

HARNESS = Path(__file__).parent / "harness" / "reset_main.cpp"
LAYOUTS = ["batch_major", "batches", "time_major", "mnist"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lstm_is_exact_over_invocations_in_a_row(layout: str,
                                                 factory_model: Callable[..., bytes],
                                                 tmp_path: Path) -> None:
    model_bytes = factory_model("lstm_sequence_model", 3, layout)
    op = load_graph(model_bytes).operators[0]
    assert op.kind == "UNIDIRECTIONAL_SEQUENCE_LSTM"
    assert op.options["time_major"] == (layout == "time_major")
    assert op.options["activation"] == "TANH"
    assert_exact(model_bytes, tmp_path, 3, count=6, litert=False)


def test_lstm_with_a_dense_head_is_exact(factory_model: Callable[..., bytes],
                                         tmp_path: Path) -> None:
    assert_exact(factory_model("lstm_model", 0), tmp_path, 0, count=6, litert=False)


def _run_tflm_with_resets(model_bytes: bytes, inputs: list[np.ndarray], resets: list[bool]
                          ) -> list[np.ndarray]:
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    outputs = []
    for value, reset in zip(inputs, resets, strict=True):
        if reset:
            interpreter.reset()
        interpreter.set_input(value, 0)
        interpreter.invoke()
        outputs.append(interpreter.get_output(0).copy())
    return outputs


def _run_compiled_with_resets(model_bytes: bytes, out_dir: Path, inputs: list[np.ndarray],
                              resets: list[bool]) -> list[np.ndarray]:
    library = compile_tflite(model_bytes, out_dir)
    executable = out_dir / "reset_harness.bin"
    build = subprocess.run(["g++", *GXX_FLAGS, "-I", str(out_dir),
                            *map(str, sorted(out_dir.glob("*.cpp"))), str(HARNESS),
                            "-o", str(executable)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-4000:]
    stdin = b"".join(bytes([reset]) + np.ascontiguousarray(value).tobytes()
                     for value, reset in zip(inputs, resets, strict=True))
    result = subprocess.run([str(executable)], input=stdin, capture_output=True, check=True)
    spec = library.outputs[0]
    flat = np.frombuffer(result.stdout, dtype=np.dtype(spec.dtype)).reshape(len(inputs), -1)
    return [row.reshape(spec.shape) for row in flat]


def assert_state_carries_over_until_reset(model_bytes: bytes, lib_dir: Path,
                                          first: list[np.ndarray]) -> None:
    """The library compiled in `lib_dir` equals TFLite Micro on `first` three times over: from
    power-up, continuing (where the kept state must change the outputs), and again after a
    reset (where they must repeat the first three)."""
    inputs = first * 3
    resets = [False] * 6 + [True, False, False]
    ours = _run_compiled_with_resets(model_bytes, lib_dir, inputs, resets)
    reference = _run_tflm_with_resets(model_bytes, inputs, resets)
    for index, (got, want) in enumerate(zip(ours, reference, strict=True)):
        assert got.tobytes() == want.tobytes(), f"invocation {index} differs from TFLite Micro"
    assert ours[3].tobytes() != ours[0].tobytes()  # the state from invocations 0-2 counts
    assert [o.tobytes() for o in ours[6:]] == [o.tobytes() for o in ours[:3]]


def test_state_carries_over_until_reset_as_in_tflite_micro(
        factory_model: Callable[..., bytes], tmp_path: Path) -> None:
    model_bytes = factory_model("lstm_sequence_model", 3, "batch_major")
    library = compile_tflite(model_bytes, tmp_path / "lib")
    # Hidden state int8 and cell state int16, one row of 7 units each.
    assert library.state_bytes == 7 + 2 * 7
    header = library.header_path.read_text()
    assert "void mf_model_reset(void);" in header and "MF_MODEL_STATE_BYTES 21" in header
    source = (tmp_path / "lib" / "mf_model.cpp").read_text()
    assert "int8_t op0_hidden_state[7]" in source and "int16_t op0_cell_state[7]" in source
    first = random_inputs(np.random.default_rng(5), np.dtype(np.int8), (1, 6, 5), 3)
    assert_state_carries_over_until_reset(model_bytes, tmp_path / "lib", first)


def test_cell_clip_is_applied_as_in_tflite_micro(factory_model: Callable[..., bytes],
                                                 tmp_path: Path) -> None:
    model_bytes = factory_model("lstm_sequence_model", 3, "batch_major")
    # Keras writes cell_clip 10, beyond the int16 cell state's range: clip at 0.25 instead.
    ten = struct.pack("<f", 10.0)
    assert model_bytes.count(ten) == 1
    clipped = model_bytes.replace(ten, struct.pack("<f", 0.25))
    assert load_graph(clipped).operators[0].options["cell_clip"] == 0.25
    assert_exact(clipped, tmp_path / "clipped", 3, count=4, litert=False)
    inputs = random_inputs(np.random.default_rng(3), np.dtype(np.int8), (1, 6, 5), 4)
    resets = [False] * 4
    with_clip = _run_compiled_with_resets(clipped, tmp_path / "a", inputs, resets)
    without = _run_compiled_with_resets(model_bytes, tmp_path / "b", inputs, resets)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(with_clip, without, strict=True))


def test_state_is_outside_the_arena_and_the_plan(factory_model: Callable[..., bytes]) -> None:
    prepared = prepare(factory_model("lstm_sequence_model", 3, "time_major"))
    lstm = prepared.steps[0]
    assert lstm.function == "mf::unidirectional_sequence_lstm"
    state = {int(a.split(":")[1]) for a in lstm.args if a.startswith("state:")}
    assert state == prepared.graph.variables and len(state) == 2
    planned = {t for b in prepared.plan.buffers for t in b.tensors}
    assert not state & planned
    # Time-major: each step runs both sequences at once, four int16 gate buffers of 2 x 7.
    assert lstm.work_scratch_bytes == 4 * 2 * 7 * 2


def test_cell_state_without_a_power_of_two_scale_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("lstm_sequence_model", 3, "batch_major"))
    cell = graph.tensors[graph.operators[0].inputs[19]]
    graph.tensors[cell.index] = dataclasses.replace(cell, scales=(cell.scale * 1.5,))
    with pytest.raises(CompileError, match="cell state .* power-of-two scale"):
        lower_graph(graph)


def test_cifg_lstm_is_refused(factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("lstm_sequence_model", 3, "batch_major"))
    graph.operators[0].inputs[1] = -1  # no input gate: coupled input and forget gate
    with pytest.raises(CompileError, match=r"input-to-input weights .* \(CIFG\)"):
        lower_graph(graph)


def test_mac_count_includes_the_four_gates(factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("lstm_sequence_model", 3, "mnist"))
    # 28 steps x 4 gates x 20 units x (28 inputs + 20 recurrent), then Dense 560 -> 10.
    assert graph.mac_count() == 28 * 4 * 20 * (28 + 20) + 560 * 10


def test_state_in_the_wrong_place_is_refused(factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("lstm_sequence_model", 3, "batch_major"))
    op = graph.operators[0]
    # The hidden state read as the input: it would be read before anything wrote it.
    graph.operators[0].inputs[0] = op.inputs[18]
    with pytest.raises(CompileError, match=r"input 0 is a variable tensor"):
        lower_graph(graph)


def test_cell_gate_activation_other_than_tanh_is_refused(
        factory_model: Callable[..., bytes]) -> None:
    graph = load_graph(factory_model("lstm_sequence_model", 3, "batch_major"))
    graph.operators[0].options["activation"] = "RELU"
    with pytest.raises(CompileError, match="cell gate activation RELU is not supported"):
        lower_graph(graph)
