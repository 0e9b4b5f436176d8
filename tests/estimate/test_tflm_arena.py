"""The TFLM arena search reproduces the published minimum arena of the reference models, and
survives the tflite-micro interpreter crashing at some too-small sizes (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy_targets.estimate.tflm_arena import (
    ArenaMeasurementError,
    IsolatedProbe,
    tflm_arena_32bit,
    tflm_min_arena_bytes,
)

FIXTURES = Path(__file__).parent / "fixtures"
# A default dense network (dense_spectral) trained on 6-axis spectral features: tflite-micro
# segfaults at a 2288 byte arena ("All temp buffers must be freed before calling
# ResetTempAllocations()") and needs 2480.
DENSE_6AXIS = FIXTURES / "dense_spectral_6axis_int8.tflite"


def test_hello_world_needs_1936_bytes(shared_models: Path) -> None:
    model_bytes = (shared_models / "hello_world_int8.tflite").read_bytes()
    assert tflm_min_arena_bytes(model_bytes) == 1936
    with IsolatedProbe(model_bytes) as probe:
        assert probe(model_bytes, 1936)
        assert not probe(model_bytes, 1936 - 16)


def test_32bit_arena_shrinks_each_pointer_holding_struct(shared_models: Path) -> None:
    model_bytes = (shared_models / "hello_world_int8.tflite").read_bytes()
    arena = tflm_arena_32bit(model_bytes, 1936)
    # hello_world: 10 eval tensors (24 -> 12 B), 2 persistent TfLiteTensors (64 -> 40 B) with
    # their affine quantization (24 -> 12 B), 3 nodes with their registration (64 -> 32 B).
    assert arena.saved == {
        "TfLiteEvalTensor data": 10 * 12,
        "Persistent TfLiteTensor data": 2 * 24,
        "Persistent TfLiteTensor quantization data": 2 * 12,
        "NodeAndRegistration struct": 3 * 32,
    }
    assert (arena.host_bytes, arena.target_bytes) == (1936, 1936 - 288)


def test_32bit_arena_needs_an_arena_tflm_accepts(shared_models: Path) -> None:
    model_bytes = (shared_models / "hello_world_int8.tflite").read_bytes()
    with pytest.raises(ArenaMeasurementError, match="no allocation report"):
        tflm_arena_32bit(model_bytes, 64)


def test_result_is_a_multiple_of_tflm_alignment(shared_models: Path) -> None:
    # The autoencoder runs in 4632 bytes in the Python build, but no 16-aligned arena that small does.
    model_bytes = (shared_models / "mlperf_ad_autoencoder_int8.tflite").read_bytes()
    assert tflm_min_arena_bytes(model_bytes) == 4640


def test_sizes_where_tflite_micro_segfaults_count_as_too_small() -> None:
    model_bytes = DENSE_6AXIS.read_bytes()
    with IsolatedProbe(model_bytes) as probe:
        assert not probe(model_bytes, 2288)  # the reported crash
        assert not probe(model_bytes, 16)
        assert probe(model_bytes, 2480)  # a fresh child after the crashes
        crashed_at = [size for size, _ in probe.crashes]
    assert 16 in crashed_at  # this build segfaults there rather than raising
    assert tflm_min_arena_bytes(model_bytes) == 2480


def test_a_probe_that_kills_its_child_leaves_the_caller_with_an_answer() -> None:
    model_bytes = b"not read by the fake probe"
    probe_spec = "tests.estimate.crashing_probes:crash_when_too_small"
    with IsolatedProbe(model_bytes, probe=probe_spec) as probe:
        assert not probe(model_bytes, 1008)
        assert not probe(model_bytes, 1024)
        assert probe(model_bytes, 2000)
        deaths = dict(probe.crashes)
    assert "SIGABRT" in deaths[1008] and "SIGSEGV" in deaths[1024]
    assert tflm_min_arena_bytes(model_bytes, probe=probe_spec) == 2000
    assert os.getpid() > 0  # still here


def test_a_probe_that_always_crashes_gives_a_clear_error() -> None:
    with pytest.raises(ArenaMeasurementError, match=r"crashed at \d+ sizes.*SIGSEGV"):
        tflm_min_arena_bytes(b"x", probe="tests.estimate.crashing_probes:always_crash")


def test_a_hanging_probe_is_stopped() -> None:
    with IsolatedProbe(b"x", probe="tests.estimate.crashing_probes:hang", timeout_s=1) as probe:
        with pytest.raises(ArenaMeasurementError, match="took over 1 s"):
            probe(b"x", 1024)


def test_a_probe_that_cannot_load_is_an_error_not_a_crash() -> None:
    with pytest.raises(ArenaMeasurementError, match="could not start.*exited with status 1"):
        tflm_min_arena_bytes(b"x", probe="tests.estimate.no_such_module:probe")


def test_empty_model_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        tflm_min_arena_bytes(b"")
