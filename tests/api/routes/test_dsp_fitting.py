"""Defaults fitted to the impulse's window and autotune, through the API: a block added without
parameters generates features on a short window; a window that outgrows stored parameters is
refused naming the value that fits; autotune suggests parameters from the training data that
save and generate, and changes nothing itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import worker.celery_app
from backend.db.session import get_sessionmaker
from dsp_blocks.registry import get_block
from tests.utils.api import create_project, upload
from worker.celery_app import make_celery_app
from worker.features.job import run_generate_features
from worker.features.store import load_feature_matrix
from worker.job_runtime import run_job

SIX_AXES = ("accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ")


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


def csv_of(values: np.ndarray, interval_ms: float, axes: tuple[str, ...]) -> bytes:
    lines = ["timestamp," + ",".join(axes)]
    for row, frame in enumerate(values):
        lines.append(f"{row * interval_ms:g}," + ",".join(f"{v:.6f}" for v in frame))
    return ("\n".join(lines) + "\n").encode()


def impulses_url(project_id: int) -> str:
    return f"/api/projects/{project_id}/impulses"


def create_impulse(
    client: TestClient, project_id: int, input_block: dict[str, Any], block: dict[str, Any]
) -> dict[str, Any]:
    response = client.post(
        impulses_url(project_id), json={"input_block": input_block, "dsp_blocks": [block]}
    )
    assert response.status_code == 201, response.text
    return response.json()


def generate_ok(client: TestClient, project_id: int, impulse_id: int) -> np.ndarray:
    response = client.post(f"{impulses_url(project_id)}/{impulse_id}/features")
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_generate_features) == "succeeded"
    with get_sessionmaker()() as session:
        matrix = load_feature_matrix(session, impulse_id, 1)
    assert matrix is not None
    assert np.isfinite(matrix.features).all()
    return matrix.features


def put_block(
    client: TestClient, impulse: dict[str, Any], params: dict[str, Any], **input_block: Any
) -> Any:
    block = {key: impulse["dsp_blocks"][0][key] for key in ("id", "type", "axes")}
    body = {
        "input_block": {**impulse["input_block"], **input_block},
        "dsp_blocks": [{**block, "params": params}],
    }
    return client.put(f"{impulses_url(impulse['project_id'])}/{impulse['id']}", json=body)


def autotune(client: TestClient, impulse: dict[str, Any]) -> Any:
    return client.post(f"{impulses_url(impulse['project_id'])}/{impulse['id']}/dsp/1/autotune")


# --- fitted defaults ------------------------------------------------------------------------


def test_spectral_on_a_2_s_window_at_10_hz_with_6_axes_generates_without_editing(
    client: TestClient,
) -> None:
    rng = np.random.default_rng(3)
    project = create_project(client, "motion")
    files = [
        (f"{label}.{index}.csv", csv_of(rng.normal(size=(60, 6)), 100.0, SIX_AXES))
        for index, label in enumerate(["wave", "idle", "wave", "idle"])
    ]
    assert upload(client, project["id"], files, category="training").status_code in (200, 201)
    window = {"window_size_ms": 2000, "window_increase_ms": 1000}

    impulse = create_impulse(client, project["id"], window, {"id": 1, "type": "spectral"})

    assert impulse["input_block"]["frequency_hz"] == pytest.approx(10.0)
    params = impulse["dsp_blocks"][0]["params"]
    assert params["fft_length"] == 16  # the model's 64 does not fit 20 samples
    assert params["filter_cutoff_hz"] < 5.0
    features = generate_ok(client, project["id"], impulse["id"])
    assert features.shape[1] == 6 * (3 + params["n_power_bands"] + 2 * params["n_peaks"])

    # The window shrinks to 1 s (10 samples): the stored FFT length no longer fits.
    response = put_block(client, impulse, params, window_size_ms=1000, window_increase_ms=500)
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "dsp_blocks", 0, "params", "fft_length"]
    assert "fft_length = 8 fits windows of 10 samples at 10 Hz" in error["msg"]
    # Left out, the parameter takes the fitted value.
    without_fft = {key: value for key, value in params.items() if key != "fft_length"}
    response = put_block(client, impulse, without_fft, window_size_ms=1000, window_increase_ms=500)
    assert response.status_code == 200, response.text
    assert response.json()["dsp_blocks"][0]["params"]["fft_length"] == 8


def test_given_parameters_win_over_fitted_ones(client: TestClient) -> None:
    project = create_project(client, "motion")
    files = [("idle.0.csv", csv_of(np.zeros((60, 6)), 100.0, SIX_AXES))]
    assert upload(client, project["id"], files).status_code in (200, 201)
    window = {"window_size_ms": 2000, "window_increase_ms": 1000}
    block = {"id": 1, "type": "spectral", "params": {"fft_length": 8, "filter_type": "none"}}

    impulse = create_impulse(client, project["id"], window, block)

    params = impulse["dsp_blocks"][0]["params"]
    assert (params["fft_length"], params["filter_type"]) == (8, "none")


# --- autotune ---------------------------------------------------------------------------------


def test_autotune_spectral_low_passes_near_the_signal_and_its_suggestion_saves(
    client: TestClient,
) -> None:
    """A 5 Hz motion with a weaker 100 Hz vibration and noise, sampled at 400 Hz."""
    rng = np.random.default_rng(5)
    project = create_project(client, "vibration")
    time_s = np.arange(1200) / 400.0
    files = []
    for index in range(4):
        signal = np.sin(2 * np.pi * 5.0 * time_s + rng.uniform(0, 6))[:, None] * [1, 2, 0.5]
        signal = signal + 0.3 * np.sin(2 * np.pi * 100.0 * time_s)[:, None]
        signal = signal + 0.05 * rng.normal(size=signal.shape)
        files.append((f"move.{index}.csv", csv_of(signal, 2.5, ("accX", "accY", "accZ"))))
    assert upload(client, project["id"], files, category="training").status_code in (200, 201)
    window = {"window_size_ms": 1000, "window_increase_ms": 250}
    impulse = create_impulse(client, project["id"], window, {"id": 1, "type": "spectral"})
    before = client.get(f"{impulses_url(project['id'])}/{impulse['id']}").json()

    response = autotune(client, impulse)

    assert response.status_code == 200, response.text
    body = response.json()
    suggested = body["suggested"]
    assert body["current"] == impulse["dsp_blocks"][0]["params"]
    assert 0 < body["window_count"] <= 100
    assert suggested["filter_type"] == "low"
    assert 5.0 < suggested["filter_cutoff_hz"] < 15.0
    assert {"filter_cutoff_hz", "fft_length"} <= set(body["reasons"])
    # Suggesting saves nothing.
    assert client.get(f"{impulses_url(project['id'])}/{impulse['id']}").json() == before

    response = put_block(client, impulse, suggested)
    assert response.status_code == 200, response.text
    generate_ok(client, project["id"], impulse["id"])


def _audio_impulse(client: TestClient, amplitude: float, seed: int) -> dict[str, Any]:
    """1 s clips at 8 kHz of background noise at `amplitude` with a louder tone in their second
    half (CSV: a WAV holds 16-bit values, far above the dB range the MFE scale maps to [0, 1])."""
    rng = np.random.default_rng(seed)
    project = create_project(client, f"audio {seed}")
    time_s = np.arange(8000) / 8000.0
    files = []
    for index in range(3):
        tone = 8 * amplitude * np.sin(2 * np.pi * 440.0 * time_s) * (time_s > 0.5)
        clip = amplitude * rng.normal(size=time_s.size) + tone
        files.append((f"beep.{index}.csv", csv_of(clip[:, None], 0.125, ("audio",))))
    assert upload(client, project["id"], files, category="training").status_code in (200, 201)
    window = {"window_size_ms": 1000, "window_increase_ms": 500}
    return create_impulse(client, project["id"], window, {"id": 1, "type": "mfe"})


def test_autotune_audio_noise_floor_follows_the_signal_level(client: TestClient) -> None:
    floors = []
    for seed, amplitude in enumerate([0.001, 0.1]):
        impulse = _audio_impulse(client, amplitude, seed)
        response = autotune(client, impulse)
        assert response.status_code == 200, response.text
        suggested = response.json()["suggested"]
        assert "noise_floor_db" in response.json()["reasons"]
        floors.append(suggested["noise_floor_db"])
        get_block("mfe").validate(
            get_block("mfe").parse_params(suggested),
            sample_rate_hz=8000.0,
            window_length=8000,
            n_axes=1,
        )
        response = put_block(client, impulse, suggested)
        assert response.status_code == 200, response.text
        features = generate_ok(client, impulse["project_id"], impulse["id"])
        assert 0.0 < features.mean() < 1.0
    quiet, loud = floors
    assert quiet < loud - 20.0  # 40 dB quieter background, a far lower floor


def test_autotune_refuses_blocks_it_does_not_tune_and_projects_without_training_data(
    client: TestClient,
) -> None:
    project = create_project(client, "motion")
    files = [("idle.0.csv", csv_of(np.zeros((60, 6)), 100.0, SIX_AXES))]
    assert upload(client, project["id"], files, category="testing").status_code in (200, 201)
    window = {"window_size_ms": 2000, "window_increase_ms": 1000}
    raw = create_impulse(client, project["id"], window, {"id": 1, "type": "raw"})
    response = autotune(client, raw)
    assert response.status_code == 422
    assert "autotune suggests parameters of these blocks" in response.json()["detail"]

    spectral = create_impulse(client, project["id"], window, {"id": 1, "type": "spectral"})
    response = autotune(client, spectral)
    assert response.status_code == 422
    assert "upload training data first" in response.json()["detail"]

    missing = client.post(f"{impulses_url(project['id'])}/{spectral['id']}/dsp/7/autotune")
    assert missing.status_code == 404
