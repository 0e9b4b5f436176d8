"""Unsupported models stop the compile with a CompileError that names the operator and its
position, before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploy_targets.compiler import CompileError, compile_tflite, load_graph


@pytest.fixture(scope="module")
def cumsum_model(request: pytest.FixtureRequest) -> bytes:
    cache = Path(request.config.cache.mkdir("mcuforge_compiler_models")) / "cumsum-v1.tflite"
    if not cache.exists():
        from tests.compiler.model_factory import unsupported_op_model

        cache.write_bytes(unsupported_op_model())
    return cache.read_bytes()


def test_unsupported_operator_is_named_with_its_index_and_nothing_is_written(
        cumsum_model: bytes, tmp_path: Path) -> None:
    graph = load_graph(cumsum_model)
    cumsum = next(op for op in graph.operators if op.kind == "CUMSUM")
    out_dir = tmp_path / "library"
    with pytest.raises(CompileError) as raised:
        compile_tflite(cumsum_model, out_dir)
    message = str(raised.value)
    assert f"CUMSUM (operator {cumsum.index};" in message
    assert repr(graph.tensors[cumsum.outputs[0]].name) in message
    assert "not supported" in message
    assert not out_dir.exists()


def test_not_a_tflite_file(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="not a TFLite flatbuffer"):
        compile_tflite(b"PK\x03\x04 a zip file, not a model", tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["2fast", "my-model", "int", ""])
def test_bad_library_name(name: str, shared_models: Path, tmp_path: Path) -> None:
    model = (shared_models / "hello_world_int8.tflite").read_bytes()
    with pytest.raises(CompileError, match="library name"):
        compile_tflite(model, tmp_path / "x", name)
    assert not (tmp_path / "x").exists()


def test_unsupported_fused_activation_is_refused(shared_models: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # A model whose FC claims a TANH fused activation (the converter never fuses it for int8).
    from deploy_targets.compiler import compiler

    real_load = compiler.load_graph

    def load_with_tanh(model_bytes: bytes):  # type: ignore[no-untyped-def]
        graph = real_load(model_bytes)
        graph.operators[0].options["activation"] = "TANH"
        return graph

    monkeypatch.setattr(compiler, "load_graph", load_with_tanh)
    with pytest.raises(CompileError, match=r"FULLY_CONNECTED \(operator 0.*fused activation TANH"):
        compile_tflite((shared_models / "hello_world_int8.tflite").read_bytes(), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_state_of_other_operators_is_refused(factory_model: Callable[..., bytes]) -> None:
    """Variable tensors (state kept between invocations) are supported for
    UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF only: any other operator reading one (an RNN's
    hidden state) is refused by name and state, not as a malformed data flow."""
    from deploy_targets.compiler import reader

    graph = load_graph(factory_model("lstm_model", 0))
    assert graph.variables
    graph.operators[0].kind = "UNIDIRECTIONAL_SEQUENCE_RNN"
    with pytest.raises(CompileError, match=r"UNIDIRECTIONAL_SEQUENCE_RNN .* keeps state between "
                                           r"invocations in variable tensor"):
        reader._check_state(graph, graph.variables)
