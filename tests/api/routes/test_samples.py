"""Samples over HTTP: listing, summary, plotting data, WAV, edits, crop, split and rebalance."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import csv_bytes, png_bytes, wav_bytes


@pytest.fixture
def project(client: TestClient) -> dict:
    return create_project(client, "samples")


def _url(project: dict, suffix: str = "") -> str:
    return f"/api/projects/{project['id']}/samples{suffix}"


def _upload_ok(client: TestClient, project: dict, files: list[tuple[str, bytes]], **form) -> list[dict]:  # type: ignore[no-untyped-def]
    response = upload(client, project["id"], files, **form)
    assert response.status_code == 201, response.text
    return response.json()["accepted"]


def test_listing_filters_pages_and_sorts(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    _upload_ok(client, project, [(f"yes.{k}.wav", wav_bytes(rng, seconds=0.1 + k / 100)) for k in range(5)], category="training")
    _upload_ok(client, project, [(f"no.{k}.wav", wav_bytes(rng, seconds=0.1)) for k in range(3)], category="testing")

    everything = client.get(_url(project)).json()
    assert everything["count"] == 8 and len(everything["data"]) == 8
    yes = client.get(_url(project), params={"label": "yes"}).json()
    assert yes["count"] == 5 and {s["label"] for s in yes["data"]} == {"yes"}
    testing = client.get(_url(project), params={"category": "testing"}).json()
    assert testing["count"] == 3 and {s["label"] for s in testing["data"]} == {"no"}
    assert client.get(_url(project), params={"label": "yes", "category": "testing"}).json()["count"] == 0

    by_name = client.get(_url(project), params={"sort": "filename"}).json()["data"]
    assert [s["filename"] for s in by_name] == sorted(s["filename"] for s in by_name)
    longest = client.get(_url(project), params={"sort": "-duration_ms", "limit": 1}).json()
    assert longest["count"] == 8 and longest["data"][0]["filename"] == "yes.4.wav"

    pages = [
        client.get(_url(project), params={"sort": "id", "offset": offset, "limit": 3}).json()["data"]
        for offset in (0, 3, 6)
    ]
    ids = [s["id"] for page in pages for s in page]
    assert ids == sorted(ids) and len(set(ids)) == 8


@pytest.mark.parametrize(
    "params",
    [{"sort": "content_hash; drop table samples"}, {"category": "validation"}, {"limit": 0}, {"limit": 5000}, {"offset": -1}],
)
def test_listing_refuses_bad_parameters(client: TestClient, project: dict, params: dict) -> None:
    response = client.get(_url(project), params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_summary_counts_and_durations(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    empty = client.get(_url(project, "/summary")).json()
    assert empty["count"] == 0 and empty["training_fraction"] == 0.0
    _upload_ok(client, project, [(f"yes.{k}.wav", wav_bytes(rng, seconds=0.25)) for k in range(3)], category="training")
    _upload_ok(client, project, [("no.1.wav", wav_bytes(rng, seconds=0.5))], category="testing")
    summary = client.get(_url(project, "/summary")).json()
    assert summary["count"] == 4
    assert summary["duration_ms"] == pytest.approx(1250.0)
    labels = {entry["label"]: entry for entry in summary["labels"]}
    assert labels["yes"] == {"label": "yes", "count": 3, "duration_ms": pytest.approx(750.0), "training_count": 3, "testing_count": 0}
    assert labels["no"]["testing_count"] == 1 and labels["no"]["duration_ms"] == pytest.approx(500.0)
    categories = {entry["category"]: entry for entry in summary["categories"]}
    assert categories["training"]["count"] == 3 and categories["testing"]["count"] == 1
    assert summary["training_fraction"] == pytest.approx(0.75)
    assert summary["testing_fraction"] == pytest.approx(0.25)


def test_summary_names_the_axes_and_the_kind_of_data(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    assert client.get(_url(project, "/summary")).json()["data_kind"] == "none"
    six = ("accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ")
    _upload_ok(client, project, [("wave.1.csv", csv_bytes(rng, axes=six))], label="wave")
    _upload_ok(client, project, [("idle.1.csv", csv_bytes(rng, axes=six))], label="idle")
    summary = client.get(_url(project, "/summary")).json()
    assert summary["data_kind"] == "time-series"
    assert summary["axes"] == list(six)

    audio = create_project(client, "audio summary")
    _upload_ok(client, audio, [("yes.1.wav", wav_bytes(rng, seconds=0.25))], label="yes")
    assert client.get(_url(audio, "/summary")).json()["data_kind"] == "audio"


def test_read_update_and_delete_one_sample(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    sample = _upload_ok(client, project, [("yes.1.wav", wav_bytes(rng))])[0]
    url = _url(project, f"/{sample['id']}")
    assert client.get(url).json() == sample

    updated = client.patch(url, json={"label": " maybe ", "category": "testing"}).json()
    assert updated["label"] == "maybe" and updated["category"] == "testing"
    assert client.get(url).json()["label"] == "maybe"
    assert client.patch(url, json={"category": "validation"}).status_code == 422
    assert client.patch(url, json={"label": ""}).status_code == 422
    assert client.get(url).json()["category"] == "testing"

    other = create_project(client, "other")
    assert client.get(f"/api/projects/{other['id']}/samples/{sample['id']}").status_code == 404
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).json() == {"detail": f"sample {sample['id']} does not exist in project {project['id']}"}
    assert stored_counts() == (0, 0)


def test_data_for_plotting_whole_and_as_an_envelope(client: TestClient, project: dict) -> None:
    frames = 1000
    values = np.zeros((frames, 3))
    values[:, 0] = np.arange(frames)
    values[500, 1] = 9.0  # one spike a stride would miss
    values[:, 2] = -np.arange(frames)
    lines = ["timestamp,accX,accY,accZ"] + [f"{k * 10},{a:g},{b:g},{c:g}" for k, (a, b, c) in enumerate(values)]
    sample = _upload_ok(client, project, [("walk.1.csv", "\n".join(lines).encode())])[0]
    url = _url(project, f"/{sample['id']}/data")

    whole = client.get(url, params={"max_points": 5000}).json()
    assert whole["downsampled"] is False and whole["method"] == "none"
    assert len(whole["time_ms"]) == frames and whole["time_ms"][:3] == [0.0, 10.0, 20.0]
    assert [a["name"] for a in whole["axes"]] == ["accX", "accY", "accZ"]
    assert whole["axes"][0]["values"] == values[:, 0].tolist()

    reduced = client.get(url, params={"max_points": 100}).json()
    assert reduced["downsampled"] is True and reduced["method"] == "minmax"
    assert len(reduced["time_ms"]) == 100 and reduced["length"] == frames
    acc_x, acc_y, acc_z = (np.array(a["values"]) for a in reduced["axes"])
    assert acc_x.min() == 0 and acc_x.max() == frames - 1
    assert np.all(np.diff(acc_x) >= 0)  # a rising line stays rising: min before max
    assert acc_y.max() == 9.0
    assert acc_z.min() == -(frames - 1)
    assert reduced["time_ms"][0] == 0.0 and reduced["time_ms"][-1] == (frames - 1) * 10.0

    assert client.get(url, params={"max_points": 1}).status_code == 422


def test_wav_of_an_audio_sample_plays_back_its_values(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    clip = wav_bytes(rng, rate_hz=8000, channels=2)
    stereo = create_project(client, "duet", downmix_audio=False)  # keeps both channels
    sample = _upload_ok(client, stereo, [("duet.1.wav", clip)])[0]
    response = client.get(_url(stereo, f"/{sample['id']}/wav"))
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as played, wave.open(io.BytesIO(clip)) as original:
        assert played.getframerate() == 8000 and played.getnchannels() == 2
        assert played.readframes(played.getnframes()) == original.readframes(original.getnframes())

    sensors = create_project(client, "sensors")
    series = _upload_ok(client, sensors, [("walk.1.csv", csv_bytes(rng))])[0]
    refused = client.get(f"/api/projects/{sensors['id']}/samples/{series['id']}/wav")
    assert refused.status_code == 422 and "not audio" in refused.json()["detail"]


def test_crop_keeps_the_frames_in_the_range(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    sample = _upload_ok(client, project, [("walk.1.csv", csv_bytes(rng, rows=100, interval_ms=10))])[0]
    before = client.get(_url(project, f"/{sample['id']}/data")).json()
    cropped = client.post(_url(project, f"/{sample['id']}/crop"), json={"start_ms": 200, "end_ms": 550}).json()
    assert cropped["length"] == 35 and cropped["duration_ms"] == pytest.approx(350.0)
    assert cropped["shape"] == [35, 3] and cropped["content_hash"] != sample["content_hash"]
    after = client.get(_url(project, f"/{sample['id']}/data")).json()
    assert after["axes"][0]["values"] == before["axes"][0]["values"][20:55]

    url = _url(project, f"/{sample['id']}/crop")
    for body, message in [
        ({"start_ms": 100, "end_ms": 50}, "must be greater than start_ms"),
        ({"start_ms": 0, "end_ms": 5000}, "past the end"),
        ({"start_ms": 101, "end_ms": 102}, "holds no frame"),
    ]:
        response = client.post(url, json=body)
        assert response.status_code == 422 and message in response.json()["detail"], response.text
    assert client.post(url, json={"start_ms": -1, "end_ms": 10}).status_code == 422
    assert client.get(_url(project, f"/{sample['id']}")).json()["length"] == 35


def test_split_replaces_the_sample_by_equal_windows(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    sample = _upload_ok(client, project, [("walk.1.csv", csv_bytes(rng, rows=105, interval_ms=10))], category="testing")[0]
    whole = client.get(_url(project, f"/{sample['id']}/data")).json()["axes"][1]["values"]
    response = client.post(_url(project, f"/{sample['id']}/split"), json={"window_ms": 250})
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["dropped_tail_ms"] == pytest.approx(50.0)
    pieces = result["data"]
    assert [p["filename"] for p in pieces] == ["walk.1.csv.s1", "walk.1.csv.s2", "walk.1.csv.s3", "walk.1.csv.s4"]
    assert all(p["length"] == 25 and p["label"] == "walk" and p["category"] == "testing" for p in pieces)
    joined = []
    for piece in pieces:
        joined += client.get(_url(project, f"/{piece['id']}/data")).json()["axes"][1]["values"]
    assert joined == whole[:100]
    assert client.get(_url(project, f"/{sample['id']}")).status_code == 404
    assert stored_counts() == (4, 4)

    piece_url = _url(project, f"/{pieces[0]['id']}/split")
    assert "longer than" in client.post(piece_url, json={"window_ms": 1000}).json()["detail"]
    assert "shorter than one frame" in client.post(piece_url, json={"window_ms": 1}).json()["detail"]
    assert client.post(piece_url, json={"window_ms": 0}).status_code == 422
    assert stored_counts() == (4, 4)


def test_images_are_shown_as_png_and_not_cropped_split_or_plotted(
    client: TestClient, rng: np.random.Generator
) -> None:
    images = create_project(client, "images")
    original = png_bytes(rng)
    image = _upload_ok(client, images, [("cat.1.png", original)])[0]
    base = f"/api/projects/{images['id']}/samples/{image['id']}"
    shown = client.get(f"{base}/image")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(shown.content))), np.asarray(Image.open(io.BytesIO(original))))
    series_project = create_project(client, "series")
    series = _upload_ok(client, series_project, [("walk.1.csv", csv_bytes(rng))])[0]
    assert client.get(f"/api/projects/{series_project['id']}/samples/{series['id']}/image").status_code == 422
    assert client.post(f"{base}/crop", json={"start_ms": 0, "end_ms": 1}).status_code == 422
    assert client.post(f"{base}/split", json={"window_ms": 1}).status_code == 422
    response = client.get(f"{base}/data")
    assert response.status_code == 422 and "image" in response.json()["detail"]


def test_rebalance_splits_every_label_80_20(client: TestClient, project: dict, rng: np.random.Generator) -> None:
    _upload_ok(client, project, [(f"yes.{k}.wav", wav_bytes(rng, seconds=0.05)) for k in range(10)], category="training")
    _upload_ok(client, project, [(f"no.{k}.wav", wav_bytes(rng, seconds=0.05)) for k in range(5)], category="training")
    result = client.post(_url(project, "/rebalance")).json()
    assert result["changed"] == 3
    labels = {entry["label"]: entry for entry in result["summary"]["labels"]}
    assert (labels["yes"]["training_count"], labels["yes"]["testing_count"]) == (8, 2)
    assert (labels["no"]["training_count"], labels["no"]["testing_count"]) == (4, 1)
    split = {s["id"]: s["category"] for s in client.get(_url(project)).json()["data"]}
    # Deterministic: a second rebalance changes nothing.
    assert client.post(_url(project, "/rebalance")).json()["changed"] == 0
    assert {s["id"]: s["category"] for s in client.get(_url(project)).json()["data"]} == split
