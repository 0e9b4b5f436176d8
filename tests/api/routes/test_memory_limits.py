"""Every input that would make memory grow with its size is refused before the work, with a 4xx
naming the limit and its setting, and nothing stored (ARCHITECTURE principle 8)."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.settings import settings
from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import csv_bytes, png_bytes, wav_bytes

RATE_HZ = 16000


def _impulses_url(project_id: int) -> str:
    return f"/api/projects/{project_id}/impulses"


def test_an_impulse_window_past_the_limit_is_422_naming_it(client: TestClient) -> None:
    project = create_project(client)
    one_hour = {
        "axes": ["audio"],
        "frequency_hz": RATE_HZ,
        "window_size_ms": 3_600_000,
        "window_increase_ms": 1000,
    }

    response = client.post(_impulses_url(project["id"]), json={"input_block": one_hour})

    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "input_block", "window_size_ms"]
    assert f"{3600 * RATE_HZ} values" in error["msg"]
    assert f"the limit is {settings.max_window_values} values" in error["msg"]
    assert "MCUFORGE_MAX_WINDOW_VALUES" in error["msg"]
    assert client.get(_impulses_url(project["id"])).json()["count"] == 0


def test_an_impulse_window_at_the_limit_is_accepted(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_window_values", 2 * RATE_HZ)
    project = create_project(client)
    two_axes = {"axes": ["x", "y"], "frequency_hz": RATE_HZ, "window_size_ms": 1000}
    assert (
        client.post(_impulses_url(project["id"]), json={"input_block": two_axes}).status_code == 201
    )
    three_axes = {**two_axes, "axes": ["x", "y", "z"]}
    refused = client.post(_impulses_url(project["id"]), json={"input_block": three_axes})
    assert refused.status_code == 422
    assert "MCUFORGE_MAX_WINDOW_VALUES" in refused.json()["detail"][0]["msg"]


@pytest.fixture
def audio_impulse(client: TestClient) -> tuple[int, int]:
    """A project of two clips and an impulse with a classifier block (not trained: the size
    checks come before the model is looked up)."""
    rng = np.random.default_rng(3)
    project = create_project(client)
    clips = [("yes.1.wav", wav_bytes(rng, seconds=1.0)), ("no.1.wav", wav_bytes(rng, seconds=1.0))]
    assert upload(client, project["id"], clips).status_code == 201
    response = client.post(
        _impulses_url(project["id"]),
        json={
            "input_block": {"window_size_ms": 1000, "window_increase_ms": 500},
            "dsp_blocks": [{"id": 1, "type": "mfe"}],
            "learning_blocks": [{"id": 1, "dsp_blocks": [1]}],
        },
    )
    assert response.status_code == 201, response.text
    return project["id"], response.json()["id"]


def _classify(client: TestClient, project_id: int, impulse_id: int, signal: dict) -> object:
    return client.post(
        f"/api/projects/{project_id}/impulses/{impulse_id}/learning/1/classify",
        json={"signal": signal},
    )


def test_live_classification_of_a_1_hz_recording_is_refused_naming_the_limit(
    client: TestClient, audio_impulse: tuple[int, int]
) -> None:
    # 100 000 values at 1 Hz into a 16 kHz impulse would be 1.6 billion values (6.4 GB).
    signal = {"values": [0.0] * 100_000, "axes": ["audio"], "frequency_hz": 1}

    response = _classify(client, *audio_impulse, signal)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert f"{100_000 * RATE_HZ} values once resampled to 16000 Hz" in detail
    assert f"the limit is {settings.max_resampled_values} values" in detail
    assert "MCUFORGE_MAX_RESAMPLED_VALUES" in detail


def test_live_classification_whose_windows_pass_the_limit_is_refused(
    client: TestClient, audio_impulse: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3 s at 16 kHz is 48 000 values, but its five overlapping 1 s windows hold 80 000.
    monkeypatch.setattr(settings, "max_resampled_values", 60_000)
    signal = {"values": [0.0] * 48_000, "axes": ["audio"], "frequency_hz": RATE_HZ}

    response = _classify(client, *audio_impulse, signal)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "5 windows" in detail and "80000 values" in detail
    assert "MCUFORGE_MAX_RESAMPLED_VALUES" in detail


def test_an_upload_of_too_many_columns_is_refused_and_stores_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_axes", 8)
    project = create_project(client, "wide")
    rng = np.random.default_rng(4)
    wide = csv_bytes(rng, rows=3, axes=tuple(f"a{i}" for i in range(9)))

    response = upload(client, project["id"], [("wide.csv", wide)])

    assert response.status_code == 422, response.text
    (rejected,) = response.json()["rejected"]
    assert "9 axis columns" in rejected["error"] and "MCUFORGE_MAX_AXES" in rejected["error"]
    assert stored_counts() == (0, 0)


def test_an_image_past_the_pixel_limit_is_refused_and_stores_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_image_pixels", 32 * 32)
    project = create_project(client, "pictures")
    rng = np.random.default_rng(5)
    files = [
        ("small.png", png_bytes(rng, size=(32, 32))),
        ("big.png", png_bytes(rng, size=(33, 32))),
    ]

    response = upload(client, project["id"], files)

    assert response.status_code == 207, response.text
    body = response.json()
    assert [sample["filename"] for sample in body["accepted"]] == ["small.png"]
    (rejected,) = body["rejected"]
    assert "33x32 = 1056 pixels" in rejected["error"]
    assert "MCUFORGE_MAX_IMAGE_PIXELS" in rejected["error"]
    assert stored_counts() == (1, 1)
