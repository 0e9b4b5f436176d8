"""Model testing on the test split and live classification: int8 results come from TensorFlow
Lite Micro (compared here with TFLM run by hand), and classifying imports no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sqlalchemy.orm import selectinload
from tflite_micro.python.tflite_micro import runtime

from backend.db.models import Impulse, Sample
from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.conftest import REPO_ROOT
from tests.training.conftest import LABELS, RATE_HZ, TEST_SAMPLES, TrainingWorld, block_url
from tests.worker.jobs_helpers import log_lines
from worker.job_runtime import run_job
from worker.training import classify as classify_module
from worker.training.classify import sample_features
from worker.training.test_job import run_test_model


def int8_model(world: TrainingWorld) -> tuple[int, bytes]:
    model = world.client.get(f"{block_url(world.project_id, world.impulse_id)}/model").json()
    listing = world.client.get(f"/api/projects/{world.project_id}/models/{model['id']}/artifacts")
    (artifact,) = [a for a in listing.json()["data"] if a["kind"] == "tflite-int8"]
    download = f"/api/projects/{world.project_id}/artifacts/{artifact['id']}/download"
    return model["id"], world.client.get(download).content


def tflm_by_hand(model_bytes: bytes, features: np.ndarray) -> np.ndarray:
    """Dequantized outputs of TFLM, one invoke per window, written out here independently."""
    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    source, target = interpreter.get_input_details(0), interpreter.get_output_details(0)
    in_scale = source["quantization_parameters"]["scales"][0]
    in_zero = source["quantization_parameters"]["zero_points"][0]
    out_scale = target["quantization_parameters"]["scales"][0]
    out_zero = target["quantization_parameters"]["zero_points"][0]
    rows = []
    for window in features:
        quantized = np.clip(np.round(window / in_scale + in_zero), -128, 127).astype(np.int8)
        interpreter.set_input(quantized.reshape(source["shape"]), 0)
        interpreter.invoke()
        raw = interpreter.get_output(0).reshape(-1).astype(np.float32)
        rows.append((raw - out_zero) * out_scale)
    return np.array(rows)


def test_model_testing_stores_metrics_and_per_sample_results(world: TrainingWorld) -> None:
    base = block_url(world.project_id, world.impulse_id)
    assert world.client.get(f"{base}/test-results").status_code == 404
    response = world.client.post(f"{base}/test", json={"uncertain_below": 0.5})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert run_job(job_id, run_test_model) == "succeeded", log_lines(job_id)

    results = world.client.get(f"{base}/test-results").json()["results"]
    windows = 3 * TEST_SAMPLES * len(LABELS)  # 1 s samples, 500 ms windows every 250 ms
    for precision in ("float32", "int8"):
        assert results[precision]["windows"] == windows
        assert np.sum(results[precision]["confusion_matrix"]) == windows
    assert results["uncertain_below"] == 0.5
    samples = results["samples"]
    assert sorted(s["filename"] for s in samples) == sorted(
        f"{label}.testing{i}.wav" for label in LABELS for i in range(TEST_SAMPLES)
    )
    for sample in samples:
        assert sample["windows"] == 3
        assert sample["int8"] in (*LABELS, "uncertain")
        assert sum(sample["int8_votes"].values()) == 3
        assert sample["correct"] == (sample["int8"] == sample["label"])
    assert results["int8_sample_accuracy"] == np.mean([s["correct"] for s in samples])


def test_live_classification_equals_tflm_run_by_hand(world: TrainingWorld) -> None:
    sample_id = world.samples["high.testing0.wav"]
    base = block_url(world.project_id, world.impulse_id)
    response = world.client.post(f"{base}/classify", json={"sample_id": sample_id})
    assert response.status_code == 200, response.text
    result = response.json()
    assert [w["offset_ms"] for w in result["windows"]] == [0.0, 250.0, 500.0]

    model_id, model_bytes = int8_model(world)
    assert result["trained_model_id"] == model_id
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, world.impulse_id)
        sample = session.get(Sample, sample_id, options=[selectinload(Sample.data)])
        assert impulse is not None and sample is not None
        features, _ = sample_features(impulse, [1], sample)
    expected = tflm_by_hand(model_bytes, features)
    platform = np.array([[w["scores"][name] for name in LABELS] for w in result["windows"]])
    np.testing.assert_array_equal(platform.astype(np.float32), expected)


def test_live_classification_of_an_unknown_sample_is_a_404(world: TrainingWorld) -> None:
    base = block_url(world.project_id, world.impulse_id)
    response = world.client.post(f"{base}/classify", json={"sample_id": 999999})
    assert response.status_code == 404
    assert response.json()["detail"] == (
        f"sample 999999 does not exist in project {world.project_id}"
    )


def test_live_classification_does_not_import_tensorflow(world: TrainingWorld) -> None:
    """In a fresh interpreter, as in the API process: classify, then look at sys.modules."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from backend.db.models import Impulse
        from backend.db.session import get_sessionmaker, set_database_url
        from backend.schemas.training import ClassifyRequest
        from backend.services.training import classify
        set_database_url({world.url!r})
        request = ClassifyRequest(sample_id={world.samples["low.testing1.wav"]})
        with get_sessionmaker()() as session:
            impulse = session.get(Impulse, {world.impulse_id})
            result = classify(session, impulse, 1, request)
        print(json.dumps({{"windows": len(result["windows"]),
                          "tensorflow": "tensorflow" in sys.modules}}))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"windows": 3, "tensorflow": False}


def _stored_values(sample_id: int) -> np.ndarray:
    with get_sessionmaker()() as session:
        sample = session.get(Sample, sample_id, options=[selectinload(Sample.data)])
        assert sample is not None
        return np.frombuffer(sample.data.values, dtype="<f4").reshape(sample.shape)


def test_a_recording_classifies_as_the_same_stored_sample_and_is_not_stored(
    world: TrainingWorld,
) -> None:
    sample_id = world.samples["high.testing0.wav"]
    base = block_url(world.project_id, world.impulse_id)
    samples_url = f"/api/projects/{world.project_id}/samples"
    count_before = world.client.get(samples_url).json()["count"]
    values = _stored_values(sample_id)
    stored = world.client.post(
        f"{base}/classify", json={"sample_id": sample_id, "include_windows": True}
    ).json()
    signal = {"values": values.reshape(-1).tolist(), "axes": ["audio"], "frequency_hz": RATE_HZ}
    response = world.client.post(
        f"{base}/classify", json={"signal": signal, "include_windows": True}
    )
    assert response.status_code == 200, response.text
    recording = response.json()
    assert (recording["sample_id"], recording["label"]) == (None, None)
    assert recording["windows"] == stored["windows"]
    assert world.client.get(samples_url).json()["count"] == count_before
    # The raw windows are the device's input: 500 ms of audio every 250 ms.
    raw = np.array(recording["raw_windows"], dtype=np.float32)
    assert raw.shape == (3, RATE_HZ // 2)
    np.testing.assert_array_equal(raw[1], values[RATE_HZ // 4 : 3 * RATE_HZ // 4, 0])
    assert recording["raw_windows"] == stored["raw_windows"]
    without = world.client.post(f"{base}/classify", json={"sample_id": sample_id}).json()
    assert without["raw_windows"] is None


def test_a_recording_at_another_rate_is_resampled_like_an_upload(world: TrainingWorld) -> None:
    base = block_url(world.project_id, world.impulse_id)
    values = _stored_values(world.samples["low.testing1.wav"])[::2, 0]  # half the rate
    signal = {"values": values.tolist(), "axes": ["audio"], "frequency_hz": RATE_HZ // 2}
    response = world.client.post(f"{base}/classify", json={"signal": signal})
    assert response.status_code == 200, response.text
    assert [w["offset_ms"] for w in response.json()["windows"]] == [0.0, 250.0, 500.0]


def test_bad_recordings_are_refused_with_the_reason(world: TrainingWorld) -> None:
    base = block_url(world.project_id, world.impulse_id)
    good = {"values": [0.0] * RATE_HZ, "axes": ["audio"], "frequency_hz": RATE_HZ}
    cases = [
        ({"signal": {**good, "axes": ["x", "y"], "values": [0.0] * 3}}, 422, "whole frames"),
        ({"signal": {**good, "frequency_hz": 0}}, 422, "greater than 0"),
        ({"signal": good, "sample_id": world.samples["low.testing1.wav"]}, 422, "not both"),
        ({}, 422, "either sample_id or signal"),
        ({"signal": {**good, "axes": ["accX"]}}, 422, "the recording has no axis 'audio'"),
    ]
    for body, status, message in cases:
        response = world.client.post(f"{base}/classify", json=body)
        assert response.status_code == status, (body.keys(), response.text)
        assert message in response.text, response.text
    # Python's json module (FastAPI's parser) reads NaN; the request model must refuse it.
    nan = '{"signal": {"values": [0.0, NaN], "axes": ["audio"], "frequency_hz": 8000}}'
    response = world.client.post(
        f"{base}/classify", content=nan, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "finite number" in response.text, response.text


def test_a_recording_may_exceed_the_json_body_limit_up_to_its_own(world: TrainingWorld) -> None:
    base = block_url(world.project_id, world.impulse_id)
    # 25 s of audio: more than the 1 MiB other JSON routes take (13 bytes a value).
    values = [1234.0625] * (25 * RATE_HZ)
    body = json.dumps({"signal": {"values": values, "axes": ["audio"], "frequency_hz": RATE_HZ}})
    assert len(body) > settings.max_json_body_bytes
    headers = {"content-type": "application/json"}
    response = world.client.post(f"{base}/classify", content=body, headers=headers)
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["windows"]) == 99  # every 250 ms, the last one zero-padded
    huge = '{"signal": "' + "x" * settings.max_recording_body_bytes + '"}'
    response = world.client.post(f"{base}/classify", content=huge, headers=headers)
    assert response.status_code == 413


def test_too_many_raw_window_values_are_left_out_saying_why(
    world: TrainingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = block_url(world.project_id, world.impulse_id)
    body = {"sample_id": world.samples["high.testing0.wav"], "include_windows": True}
    monkeypatch.setattr(classify_module, "MAX_RAW_WINDOW_VALUES", 3 * RATE_HZ // 2 - 1)
    result = world.client.post(f"{base}/classify", json=body).json()
    assert result["raw_windows"] is None
    assert result["raw_windows_note"].startswith("the 3 windows hold 12000 values, more than")
    assert len(result["windows"]) == 3  # the classification itself is whole
    monkeypatch.setattr(classify_module, "MAX_RAW_WINDOW_VALUES", 3 * RATE_HZ // 2)
    result = world.client.post(f"{base}/classify", json=body).json()
    assert len(result["raw_windows"]) == 3 and result["raw_windows_note"] is None
