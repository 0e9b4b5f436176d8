"""Impulses: CRUD checked against the project's data, bad parameters, DSP preview, feature
generation end to end (the job function run as a worker would, no broker round trip), the
summary, staleness and the explorer, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from scipy.signal import resample_poly
from sqlalchemy import select

import worker.celery_app
from backend.db.models import Sample, SampleData
from backend.db.session import get_sessionmaker
from backend.services.sample_values import values_from_bytes
from dsp_blocks.registry import get_block
from tests.utils.api import create_project, upload
from tests.utils.files import csv_bytes, png_bytes, wav_bytes
from tests.worker.jobs_helpers import log_lines, read_job
from worker.celery_app import make_celery_app
from worker.features.job import run_generate_features
from worker.features.store import load_feature_matrix
from worker.job_runtime import run_job

RATE_HZ = 16000
MFCC_BLOCK = {"id": 1, "type": "mfcc", "name": "MFCC", "params": {}}
INPUT_BLOCK = {"window_size_ms": 1000, "window_increase_ms": 500, "zero_pad": False}


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enqueue on an embedded broker of our own, not the one in the repository's data folder."""
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


def upload_clips(client: TestClient, project_id: int, shared_audio: Path) -> dict[str, int]:
    """The shared 1 s clips, labelled by the word before the first underscore; name -> id."""
    files = []
    for path in sorted(shared_audio.glob("*.wav")):
        label = path.stem.split("_")[0]
        files.append((f"{label}.{path.stem}.wav", path.read_bytes()))
    response = upload(client, project_id, files, category="training")
    assert response.status_code in (200, 201), response.text
    with get_sessionmaker()() as session:
        rows = session.execute(
            select(Sample.filename, Sample.id).where(Sample.project_id == project_id)
        ).all()
    return {name: sample_id for name, sample_id in rows}


def stored_values(sample_id: int) -> np.ndarray:
    with get_sessionmaker()() as session:
        sample = session.get(Sample, sample_id)
        data = session.get(SampleData, sample_id)
        assert sample is not None and data is not None
        return values_from_bytes(data.values, sample.shape).astype(np.float32)


def impulses_url(project_id: int) -> str:
    return f"/api/projects/{project_id}/impulses"


def create_impulse(client: TestClient, project_id: int, **body: Any) -> dict[str, Any]:
    body.setdefault("input_block", INPUT_BLOCK)
    body.setdefault("dsp_blocks", [MFCC_BLOCK])
    response = client.post(impulses_url(project_id), json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def audio_project(client: TestClient, shared_audio: Path) -> tuple[int, dict[str, int]]:
    project = create_project(client, "keywords", downmix_audio=True)
    return project["id"], upload_clips(client, project["id"], shared_audio)


def generate(client: TestClient, project_id: int, impulse_id: int) -> dict[str, Any]:
    response = client.post(f"{impulses_url(project_id)}/{impulse_id}/features")
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"], job["params"]) == (
        "features.generate",
        "queued",
        {"impulse_id": impulse_id},
    )
    return job


# --- the impulse itself -------------------------------------------------------------------


def test_create_fills_axes_frequency_and_defaults_from_the_data(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(
        client, project_id, name="kws", learning_blocks=[{"id": 1, "dsp_blocks": [1]}]
    )

    assert impulse["name"] == "kws"
    assert impulse["input_block"] == {
        "type": "time-series",
        "axes": ["audio"],
        "window_size_ms": 1000.0,
        "window_increase_ms": 500.0,
        "frequency_hz": 16000.0,
        "zero_pad": False,
    }
    block = impulse["dsp_blocks"][0]
    assert (block["id"], block["type"], block["axes"]) == (1, "mfcc", ["audio"])
    assert block["params"]["n_coefficients"] == 13 and block["params"]["n_filters"] == 32
    learning = impulse["learning_blocks"][0]
    assert (learning["type"], learning["dsp_blocks"]) == ("classifier", [1])
    assert learning["layers"][0] == {"type": "reshape", "target_shape": [50, 13]}
    assert len(impulse["fingerprint"]) == 64


def test_a_project_holds_several_impulses_and_crud_works(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    first = create_impulse(client, project_id, name="one")
    second = create_impulse(
        client, project_id, name="two", dsp_blocks=[{"id": 3, "type": "mfe", "params": {}}]
    )

    listed = client.get(impulses_url(project_id)).json()
    assert listed["count"] == 2
    assert [i["name"] for i in listed["data"]] == ["one", "two"]
    read = client.get(f"{impulses_url(project_id)}/{second['id']}").json()
    assert read["dsp_blocks"][0]["params"]["n_filters"] == 40

    replaced = client.put(
        f"{impulses_url(project_id)}/{first['id']}",
        json={
            "name": "renamed",
            "input_block": {**INPUT_BLOCK, "window_increase_ms": 250},
            "dsp_blocks": [{"id": 2, "type": "spectrogram"}],
        },
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "renamed"
    assert replaced.json()["input_block"]["window_increase_ms"] == 250.0
    assert [b["type"] for b in replaced.json()["dsp_blocks"]] == ["spectrogram"]
    assert replaced.json()["fingerprint"] != first["fingerprint"]

    assert client.delete(f"{impulses_url(project_id)}/{first['id']}").status_code == 204
    assert client.get(f"{impulses_url(project_id)}/{first['id']}").status_code == 404
    assert client.get(impulses_url(project_id)).json()["count"] == 1


def test_an_impulse_of_another_project_is_not_found(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(client, project_id)
    other = create_project(client, "other")

    response = client.get(f"{impulses_url(other['id'])}/{impulse['id']}")
    assert response.status_code == 404
    assert f"impulse {impulse['id']} does not exist" in response.json()["detail"]


BAD_PARAMETERS: list[tuple[str, dict[str, Any], list[Any], str]] = [
    (
        "frame shorter than 4 samples",
        {"dsp_blocks": [{**MFCC_BLOCK, "params": {"frame_length_s": 0.0001}}]},
        ["dsp_blocks", 0, "params", "frame_length_s"],
        "at least 4 samples are needed",
    ),
    (
        "FFT length not a power of two",
        {"dsp_blocks": [{**MFCC_BLOCK, "params": {"fft_length": 300}}]},
        ["dsp_blocks", 0, "params", "fft_length"],
        "power of two",
    ),
    (
        "FFT shorter than the frame",
        {"dsp_blocks": [{**MFCC_BLOCK, "params": {"fft_length": 256, "frame_length_s": 0.02}}]},
        ["dsp_blocks", 0, "params", "fft_length"],
        "at least the frame length (320 samples)",
    ),
    (
        "window longer than a sample with zero-pad off",
        {"input_block": {**INPUT_BLOCK, "window_size_ms": 1500}},
        ["input_block", "window_size_ms"],
        "longer than sample",
    ),
    (
        "axis the data does not have",
        {"input_block": {**INPUT_BLOCK, "axes": ["accX"]}},
        ["input_block", "axes", 0],
        "axis 'accX' is not in the data; every sample has the axes audio",
    ),
    (
        "frequency above the data's rate",
        {"input_block": {**INPUT_BLOCK, "frequency_hz": 32000}},
        ["input_block", "frequency_hz"],
        "above the data's sample rate (16000 Hz)",
    ),
    (
        "unknown block type",
        {"dsp_blocks": [{"id": 1, "type": "wavelet"}]},
        ["dsp_blocks", 0, "type"],
        "unknown DSP block; choose one of",
    ),
    (
        "unknown parameter",
        {"dsp_blocks": [{**MFCC_BLOCK, "params": {"n_mfcc": 13}}]},
        ["dsp_blocks", 0, "params", "n_mfcc"],
        "Extra inputs are not permitted",
    ),
    (
        "DSP block on an axis the input block does not use",
        {"dsp_blocks": [{**MFCC_BLOCK, "axes": ["accY"]}]},
        ["dsp_blocks", 0, "axes"],
        "not used by the input block",
    ),
    (
        "two DSP blocks with one id",
        {"dsp_blocks": [MFCC_BLOCK, {"id": 1, "type": "mfe"}]},
        ["dsp_blocks", 1, "id"],
        "id 1 is used by another DSP block",
    ),
    (
        "window increase below one sample",
        {"input_block": {**INPUT_BLOCK, "window_increase_ms": 0.01}},
        ["input_block", "window_increase_ms"],
        "less than one sample at 16000 Hz",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "loc", "words"), BAD_PARAMETERS, ids=[case[0] for case in BAD_PARAMETERS]
)
def test_bad_parameters_are_422_naming_the_parameter_and_rule(
    client: TestClient,
    audio_project: tuple[int, dict[str, int]],
    case: str,
    body: dict[str, Any],
    loc: list[Any],
    words: str,
) -> None:
    project_id, _ = audio_project
    full = {"input_block": INPUT_BLOCK, "dsp_blocks": [MFCC_BLOCK], **body}

    created = client.post(impulses_url(project_id), json=full)
    impulse = create_impulse(client, project_id)
    replaced = client.put(f"{impulses_url(project_id)}/{impulse['id']}", json=full)

    for response in (created, replaced):
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail[0]["loc"] == ["body", *loc], detail
        assert words in detail[0]["msg"], detail
        assert detail[0]["type"] == "value_error"
    assert client.get(impulses_url(project_id)).json()["count"] == 1  # nothing was written
    assert client.get(f"{impulses_url(project_id)}/{impulse['id']}").json() == impulse


def test_a_window_longer_than_a_sample_is_fine_with_zero_pad(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(
        client, project_id, input_block={**INPUT_BLOCK, "window_size_ms": 1500, "zero_pad": True}
    )
    assert impulse["input_block"]["window_size_ms"] == 1500.0


def test_without_data_axes_and_frequency_must_be_given(client: TestClient) -> None:
    project = create_project(client)

    response = client.post(impulses_url(project["id"]), json={"input_block": INPUT_BLOCK})
    assert response.status_code == 422
    locs = [error["loc"] for error in response.json()["detail"]]
    assert locs == [["body", "input_block", "axes"], ["body", "input_block", "frequency_hz"]]

    given = create_impulse(
        client, project["id"], input_block={**INPUT_BLOCK, "axes": ["audio"], "frequency_hz": 8000}
    )
    assert given["input_block"]["frequency_hz"] == 8000.0


# --- preview ----------------------------------------------------------------------------


def test_preview_runs_the_block_on_one_window_with_its_graphs(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, samples = audio_project
    impulse = create_impulse(client, project_id, input_block={**INPUT_BLOCK, "window_size_ms": 500})
    sample_id = samples["yes.yes_1000ms.wav"]
    url = f"{impulses_url(project_id)}/{impulse['id']}/dsp/1/preview"

    response = client.post(url, json={"sample_id": sample_id, "window_start_ms": 250})

    assert response.status_code == 200, response.text
    preview = response.json()
    mfcc = get_block("mfcc")
    window = stored_values(sample_id)[4000:12000][None]
    expected = mfcc.extract(window, sample_rate_hz=RATE_HZ, params=mfcc.default_params())[0]
    assert preview["shape"] == list(expected.shape) == [25, 13]
    np.testing.assert_allclose(preview["features"], expected.ravel(), rtol=1e-6, atol=1e-5)
    names = [graph["name"] for graph in preview["graphs"]]
    assert names == ["After pre-emphasis", "Power spectrum", "Cepstral coefficients"]
    cepstrum = preview["graphs"][2]
    assert cepstrum["kind"] == "image" and len(cepstrum["matrix"]) == 13

    past_end = client.post(url, json={"sample_id": sample_id, "window_start_ms": 750})
    assert past_end.status_code == 422
    assert "runs past the end of sample" in past_end.json()["detail"]
    unknown_block = client.post(
        f"{impulses_url(project_id)}/{impulse['id']}/dsp/9/preview", json={"sample_id": sample_id}
    )
    assert unknown_block.status_code == 404
    assert "has no DSP block 9" in unknown_block.json()["detail"]
    unknown_sample = client.post(url, json={"sample_id": 999999})
    assert unknown_sample.status_code == 404


# --- feature generation -----------------------------------------------------------------


def test_feature_generation_end_to_end(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, samples = audio_project
    impulse = create_impulse(
        client,
        project_id,
        dsp_blocks=[MFCC_BLOCK, {"id": 2, "type": "mfe", "name": "MFE"}],
    )
    base = f"{impulses_url(project_id)}/{impulse['id']}"
    # Added after the impulse, this clip is shorter than its window: logged, never dropped silently.
    short = upload(
        client,
        project_id,
        [("yes.short.wav", wav_bytes(np.random.default_rng(7), seconds=0.25))],
        category="training",
    )
    assert short.status_code in (200, 201), short.text
    before = client.get(f"{base}/features").json()
    assert [block["state"] for block in before["blocks"]] == ["none", "none"]
    assert client.get(f"{base}/features/explorer", params={"dsp_block_id": 1}).status_code == 404

    job = generate(client, project_id, impulse["id"])
    again = client.post(f"{base}/features")
    assert again.status_code == 409
    assert f"job {job['id']}" in again.json()["detail"]

    assert run_job(job["id"], run_generate_features) == "succeeded"

    finished = read_job(job["id"])
    assert finished.progress == 100
    assert finished.result is not None and finished.result["window_count"] == 5
    lines = log_lines(job["id"])
    assert any("'yes.short.wav'" in line and "shorter than" in line for line in lines), lines

    summary = client.get(f"{base}/features").json()
    assert summary["latest_job"]["id"] == job["id"]
    assert summary["latest_job"]["state"] == "succeeded"
    mfcc_summary, mfe_summary = summary["blocks"]
    assert mfcc_summary["state"] == "ready" and mfe_summary["state"] == "ready"
    assert mfcc_summary["window_count"] == 5 and mfcc_summary["job_id"] == job["id"]
    assert mfcc_summary["shape"] == [50, 13]
    assert mfe_summary["shape"] == [99, 40]
    assert mfcc_summary["label_counts"] == {
        "marvin": 1,
        "no": 1,
        "noise": 1,
        "silence": 1,
        "yes": 1,
    }

    # The stored features are the block's own features of each clip (one 1 s window per clip).
    mfcc = get_block("mfcc")
    with get_sessionmaker()() as session:
        matrix = load_feature_matrix(session, impulse["id"], 1)
    assert matrix is not None
    clips = np.stack([stored_values(int(sample_id)) for sample_id in matrix.sample_ids])
    expected = mfcc.extract(clips, sample_rate_hz=RATE_HZ, params=mfcc.default_params())
    np.testing.assert_array_equal(matrix.features, expected)
    assert sorted(matrix.sample_ids.tolist()) == sorted(samples.values())  # not the short one

    explorer = client.get(f"{base}/features/explorer", params={"dsp_block_id": 1}).json()
    assert explorer["state"] == "ready" and explorer["method"] in ("pca", "umap")
    points = explorer["points"]
    assert len(points) == 5
    by_sample = {point["sample_id"]: point for point in points}
    yes = by_sample[samples["yes.yes_1000ms.wav"]]
    assert (yes["label"], yes["window_offset_ms"], yes["category"]) == ("yes", 0.0, "training")
    spread = np.array([[p["x"], p["y"]] for p in points])
    assert np.all(np.isfinite(spread)) and np.ptp(spread[:, 0]) > 0

    # No job is running any more: generating again is allowed.
    assert client.post(f"{base}/features").status_code == 202


def test_features_go_stale_when_a_parameter_changes(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(client, project_id, dsp_blocks=[MFCC_BLOCK, {"id": 2, "type": "mfe"}])
    base = f"{impulses_url(project_id)}/{impulse['id']}"
    job = generate(client, project_id, impulse["id"])
    assert run_job(job["id"], run_generate_features) == "succeeded"

    def states() -> list[str]:
        return [block["state"] for block in client.get(f"{base}/features").json()["blocks"]]

    def put(input_block: dict[str, Any], dsp_blocks: list[dict[str, Any]]) -> None:
        response = client.put(base, json={"input_block": input_block, "dsp_blocks": dsp_blocks})
        assert response.status_code == 200, response.text

    assert states() == ["ready", "ready"]
    put(INPUT_BLOCK, [{**MFCC_BLOCK, "name": "renamed"}, {"id": 2, "type": "mfe"}])
    assert states() == ["ready", "ready"]  # a name is not a parameter
    put(INPUT_BLOCK, [{**MFCC_BLOCK, "params": {"n_coefficients": 12}}, {"id": 2, "type": "mfe"}])
    assert states() == ["stale", "ready"]
    explorer = client.get(f"{base}/features/explorer", params={"dsp_block_id": 1}).json()
    assert explorer["state"] == "stale" and len(explorer["points"]) == 5
    put({**INPUT_BLOCK, "window_increase_ms": 250}, [MFCC_BLOCK, {"id": 2, "type": "mfe"}])
    assert states() == ["stale", "stale"]  # the input block feeds every DSP block
    put(INPUT_BLOCK, [MFCC_BLOCK, {"id": 2, "type": "mfe"}])
    assert states() == ["ready", "ready"]  # back to the parameters the features were made with


def test_generation_needs_a_dsp_block_and_a_real_impulse(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(client, project_id, dsp_blocks=[])

    response = client.post(f"{impulses_url(project_id)}/{impulse['id']}/features")
    assert response.status_code == 422
    assert "has no DSP block" in response.json()["detail"]
    assert client.post(f"{impulses_url(project_id)}/424242/features").status_code == 404


def test_a_job_whose_impulse_was_deleted_fails_with_a_reason(
    client: TestClient, audio_project: tuple[int, dict[str, int]]
) -> None:
    project_id, _ = audio_project
    impulse = create_impulse(client, project_id)
    job = generate(client, project_id, impulse["id"])
    assert client.delete(f"{impulses_url(project_id)}/{impulse['id']}").status_code == 204

    assert run_job(job["id"], run_generate_features) == "failed"
    assert read_job(job["id"]).error == f"impulse {impulse['id']} no longer exists"


# --- multi-axis sensor data -------------------------------------------------------------


def test_accelerometer_features_use_the_chosen_axis_after_resampling(client: TestClient) -> None:
    rng = np.random.default_rng(11)
    project = create_project(client, "gestures")
    files = [
        (f"{label}.{index}.csv", csv_bytes(rng, rows=300, interval_ms=10.0))
        for index, label in enumerate(["wave", "idle", "wave", "idle"])
    ]
    assert upload(client, project["id"], files, category="training").status_code in (200, 201)
    spectrogram = {"frame_length_s": 0.16, "frame_stride_s": 0.08, "fft_length": 16}
    impulse = create_impulse(
        client,
        project["id"],
        input_block={
            "axes": ["accZ", "accX"],
            "window_size_ms": 2000,
            "window_increase_ms": 1000,
            "frequency_hz": 50,
            "zero_pad": False,
        },
        dsp_blocks=[
            {"id": 1, "type": "spectrogram", "axes": ["accX"], "params": spectrogram},
            {"id": 2, "type": "spectral"},  # every input axis, in the input block's order
        ],
    )
    assert impulse["dsp_blocks"][0]["axes"] == ["accX"]
    assert impulse["dsp_blocks"][1]["axes"] == ["accZ", "accX"]

    job = generate(client, project["id"], impulse["id"])
    assert run_job(job["id"], run_generate_features) == "succeeded"

    with get_sessionmaker()() as session:
        matrix = load_feature_matrix(session, impulse["id"], 1)
        csv_samples = {s.id: s for s in session.scalars(select(Sample))}
    assert matrix is not None
    # 3 s at 100 Hz resampled to 50 Hz: 150 samples, 100-sample windows every 50: 2 per sample.
    assert len(matrix.sample_ids) == 8
    assert matrix.offsets_ms.tolist() == [0.0, 1000.0] * 4
    block = get_block("spectrogram")
    params = block.parse_params(spectrogram)
    for row, (sample_id, offset_ms) in enumerate(
        zip(matrix.sample_ids, matrix.offsets_ms, strict=True)
    ):
        sample = csv_samples[int(sample_id)]
        acc_x = stored_values(sample.id)[:, [a["name"] for a in sample.axes].index("accX")]
        at_50_hz = resample_poly(acc_x, 1, 2).astype(np.float32)
        start = int(offset_ms / 20)
        window = at_50_hz[start : start + 100].reshape(1, 100, 1)
        expected = block.extract(window, sample_rate_hz=50.0, params=params)[0]
        np.testing.assert_allclose(matrix.features[row], expected, rtol=1e-5, atol=1e-5)
    assert set(matrix.labels) == {"wave", "idle"}

    spectral = get_block("spectral")
    with get_sessionmaker()() as session:
        both = load_feature_matrix(session, impulse["id"], 2)
    assert both is not None
    first = csv_samples[int(both.sample_ids[0])]
    names = [a["name"] for a in first.axes]
    z_then_x = stored_values(first.id)[:, [names.index("accZ"), names.index("accX")]]
    window = resample_poly(z_then_x, 1, 2, axis=0).astype(np.float32)[:100][None]
    expected = spectral.extract(window, sample_rate_hz=50.0, params=spectral.default_params())
    np.testing.assert_allclose(both.features[0], expected[0], rtol=1e-5, atol=1e-5)


def test_an_audio_block_on_several_axes_is_422_on_its_axes(client: TestClient) -> None:
    rng = np.random.default_rng(12)
    project = create_project(client, "gestures")
    files = [("wave.0.csv", csv_bytes(rng, rows=300, interval_ms=10.0))]
    assert upload(client, project["id"], files).status_code in (200, 201)

    response = client.post(
        impulses_url(project["id"]),
        json={
            "input_block": {**INPUT_BLOCK, "window_size_ms": 2000},
            "dsp_blocks": [{"id": 1, "type": "mfcc", "params": {"frame_length_s": 0.1}}],
        },
    )

    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "dsp_blocks", 0, "axes"]
    assert "works on one axis" in error["msg"]


# --- images -------------------------------------------------------------------------------

IMAGE_INPUT = {"type": "image"}
IMAGE_BLOCK = {"id": 1, "type": "image", "params": {"width": 8, "height": 6}}


def test_image_features_are_the_image_block_on_each_whole_image(client: TestClient) -> None:
    rng = np.random.default_rng(21)
    project = create_project(client, "pictures")
    files = [
        ("cat.0.png", png_bytes(rng, size=(12, 10))),
        ("dog.0.png", png_bytes(rng, size=(20, 16))),  # another size: another batch
        ("cat.1.png", png_bytes(rng, size=(12, 10))),
    ]
    assert upload(client, project["id"], files, category="training").status_code in (200, 201)
    impulse = create_impulse(
        client, project["id"], input_block=IMAGE_INPUT, dsp_blocks=[IMAGE_BLOCK]
    )
    assert impulse["input_block"]["type"] == "image"
    assert impulse["input_block"]["axes"] == ["r", "g", "b"]
    assert impulse["input_block"]["window_size_ms"] is None

    job = generate(client, project["id"], impulse["id"])
    assert run_job(job["id"], run_generate_features) == "succeeded"

    block = get_block("image")
    params = block.parse_params(IMAGE_BLOCK["params"])
    with get_sessionmaker()() as session:
        matrix = load_feature_matrix(session, impulse["id"], 1)
    assert matrix is not None and matrix.features.shape == (3, 6, 8, 3)
    for row, sample_id in enumerate(matrix.sample_ids):
        image = stored_values(int(sample_id))[None]
        expected = block.extract(image, sample_rate_hz=1.0, params=params)[0]
        np.testing.assert_array_equal(matrix.features[row], expected)
    summary = client.get(f"{impulses_url(project['id'])}/{impulse['id']}/features").json()
    assert summary["blocks"][0]["label_counts"] == {"cat": 2, "dog": 1}
    assert summary["blocks"][0]["state"] == "ready"

    preview = client.post(
        f"{impulses_url(project['id'])}/{impulse['id']}/dsp/1/preview",
        json={"sample_id": int(matrix.sample_ids[0])},
    ).json()
    assert preview["shape"] == [6, 8, 3]
    np.testing.assert_allclose(preview["features"], matrix.features[0].ravel(), atol=1e-7)
    assert [graph["name"] for graph in preview["graphs"]] == ["Channel 0", "Channel 1", "Channel 2"]


@pytest.mark.parametrize(
    ("input_block", "dsp_block", "words"),
    [
        (IMAGE_INPUT, MFCC_BLOCK, "an image input block feeds only the image block"),
        (INPUT_BLOCK, IMAGE_BLOCK, "the image block needs an image input block"),
    ],
)
def test_image_and_time_series_blocks_do_not_mix(
    client: TestClient,
    audio_project: tuple[int, dict[str, int]],
    input_block: dict[str, Any],
    dsp_block: dict[str, Any],
    words: str,
) -> None:
    project_id, _ = audio_project
    response = client.post(
        impulses_url(project_id), json={"input_block": input_block, "dsp_blocks": [dsp_block]}
    )

    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "dsp_blocks", 0, "type"] and words in error["msg"]


def test_colour_output_from_grayscale_images_is_422_on_color_mode(client: TestClient) -> None:
    project = create_project(client, "gray")
    gray = io.BytesIO()
    Image.fromarray(np.zeros((4, 4), dtype=np.uint8), mode="L").save(gray, format="PNG")
    assert upload(client, project["id"], [("dark.png", gray.getvalue())]).status_code in (
        200,
        201,
    )

    rgb_block = {**IMAGE_BLOCK, "params": {**IMAGE_BLOCK["params"], "color_mode": "rgb"}}
    response = client.post(
        impulses_url(project["id"]),
        json={"input_block": IMAGE_INPUT, "dsp_blocks": [rgb_block]},
    )

    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "dsp_blocks", 0, "params", "color_mode"]
    assert "rgb output needs RGB images" in error["msg"]

    # Left out, the colour mode is the one the images' channels allow.
    impulse = create_impulse(
        client, project["id"], input_block=IMAGE_INPUT, dsp_blocks=[IMAGE_BLOCK]
    )
    assert impulse["dsp_blocks"][0]["params"]["color_mode"] == "grayscale"
