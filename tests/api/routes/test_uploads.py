"""Uploads over HTTP: every format, labels and categories, and every kind of bad input.

A rejected file must change nothing: each refusal is checked against the stored counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.settings import settings
from tests.utils.api import create_project, raw_multipart, stored_counts, upload
from tests.utils.files import acquisition_cbor, acquisition_json, csv_bytes, png_bytes, wav_bytes


@pytest.fixture
def project(client: TestClient) -> dict:
    return create_project(client, "uploads")


def _only_rejection(response) -> str:  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["accepted"] == []
    assert len(body["rejected"]) == 1
    return body["rejected"][0]["error"]


def test_every_format_is_stored_with_its_metadata(
    client: TestClient, rng: np.random.Generator
) -> None:
    series = create_project(client, "series")
    response = upload(
        client,
        series["id"],
        [
            ("walk.1.csv", csv_bytes(rng)),
            ("walk.2.json", acquisition_json(rng)),
            ("run.3.cbor", acquisition_cbor(rng)),
        ],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rejected"] == []
    by_name = {s["filename"]: s for s in body["accepted"]}
    assert {s["label"] for s in body["accepted"]} == {"walk", "run"}
    for name, fmt in [("walk.1.csv", "csv"), ("walk.2.json", "json"), ("run.3.cbor", "cbor")]:
        sample = by_name[name]
        assert sample["source_format"] == fmt
        assert [a["name"] for a in sample["axes"]] == ["accX", "accY", "accZ"]
        assert sample["sample_rate_hz"] == pytest.approx(100.0)
        assert sample["length"] == 50 and sample["shape"] == [50, 3]
        assert sample["duration_ms"] == pytest.approx(500.0)
        assert len(sample["content_hash"]) == 64

    images = create_project(client, "images")
    response = upload(client, images["id"], [("cat.1.png", png_bytes(rng))], category="testing")
    assert response.status_code == 201, response.text
    image = response.json()["accepted"][0]
    assert image["kind"] == "image" and image["shape"] == [6, 8, 3]
    assert image["category"] == "testing" and image["sample_rate_hz"] is None
    assert stored_counts() == (4, 4)


def test_label_comes_from_the_form_then_the_content_then_the_name(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    response = upload(client, project["id"], [("x.1.json", acquisition_json(rng, label="wave"))])
    assert response.json()["accepted"][0]["label"] == "wave"
    response = upload(client, project["id"], [("idle.2.json", acquisition_json(rng))])
    assert response.json()["accepted"][0]["label"] == "idle"
    response = upload(
        client, project["id"], [("x.3.json", acquisition_json(rng, label="wave"))], label="  forced "
    )
    assert response.json()["accepted"][0]["label"] == "forced"


def test_auto_category_keeps_each_label_within_one_sample_of_20_percent(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    files = [(f"noise.{k}.wav", wav_bytes(rng, seconds=0.05)) for k in range(60)]
    first = upload(client, project["id"], files).json()["accepted"]
    assert sum(s["category"] == "testing" for s in first) == 12
    categories = [s["category"] for s in first]
    # The same files in the same order land on the same sides in another project.
    again = create_project(client, "again")
    second = upload(client, again["id"], files).json()["accepted"]
    assert [s["category"] for s in second] == categories
    forced = upload(client, again["id"], [("x.1.wav", wav_bytes(rng))], category="training")
    assert forced.json()["accepted"][0]["category"] == "training"


def test_one_file_at_a_time_in_random_order_splits_every_label_80_20(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    labels = ["yes"] * 50 + ["no"] * 33 + ["noise"] * 17
    order = rng.permutation(len(labels))
    for position, index in enumerate(order):
        name = f"{labels[index]}.{position}.wav"
        response = upload(client, project["id"], [(name, wav_bytes(rng, seconds=0.02))])
        assert response.status_code == 201, response.text
        # After every upload, not only at the end, each label is within a sample of 20 %.
        label = labels[index]
        stored = client.get(f"/api/projects/{project['id']}/samples", params={"limit": 200})
        mine = [s for s in stored.json()["data"] if s["label"] == label]
        testing = sum(s["category"] == "testing" for s in mine)
        assert abs(testing - 0.2 * len(mine)) <= 1, (label, testing, len(mine))
    stored = client.get(f"/api/projects/{project['id']}/samples", params={"limit": 200}).json()
    for label, count in (("yes", 50), ("no", 33), ("noise", 17)):
        testing = sum(s["category"] == "testing" for s in stored["data"] if s["label"] == label)
        assert abs(testing - 0.2 * count) <= 1, (label, testing)


STEREO_CLIP = "marvin_617de221_0.wav"


def _real_clips(shared_audio: Path, *, stereo_first: bool) -> list[tuple[str, bytes]]:
    clips = sorted(
        shared_audio.glob("*.wav"),
        key=lambda clip: ((clip.name == STEREO_CLIP) != stereo_first, clip.name),
    )
    return [(clip.name, clip.read_bytes()) for clip in clips]


@pytest.mark.parametrize("stereo_first", [True, False])
@pytest.mark.parametrize("one_by_one", [True, False])
def test_audio_is_mono_by_default_whatever_order_clips_arrive_in(
    client: TestClient, shared_audio: Path, stereo_first: bool, one_by_one: bool
) -> None:
    files = _real_clips(shared_audio, stereo_first=stereo_first)
    assert (files[0][0] == STEREO_CLIP) == stereo_first
    project = create_project(client, "keywords")
    assert project["downmix_audio"] is True
    if one_by_one:
        responses = [upload(client, project["id"], [file]) for file in files]
    else:
        responses = [upload(client, project["id"], files)]
    assert [r.status_code for r in responses] == [201] * len(responses), responses[-1].text
    accepted = [s for r in responses for s in r.json()["accepted"]]
    assert len(accepted) == len(files)
    assert all(s["shape"] == [16000, 1] and s["axes"][0]["name"] == "audio" for s in accepted)
    assert {s["label"] for s in accepted} == {name.split(".")[0] for name, _ in files}


def test_keeping_channels_refuses_other_widths_and_names_the_setting(
    client: TestClient, shared_audio: Path
) -> None:
    stereo = (STEREO_CLIP, (shared_audio / STEREO_CLIP).read_bytes())
    mono = [f for f in _real_clips(shared_audio, stereo_first=False) if f[0] != STEREO_CLIP]

    # Mono first, then stereo: the stereo clip keeps two axes and cannot join.
    separate = create_project(client, "separate", downmix_audio=False)
    response = upload(client, separate["id"], [*mono, stereo], label="speech")
    assert response.status_code == 207, response.text
    body = response.json()
    assert [r["filename"] for r in body["rejected"]] == [STEREO_CLIP]
    error = body["rejected"][0]["error"]
    assert "its axes (ch0, ch1) differ" in error
    assert "keeps WAV channels as axes" in error and "downmix_audio to true" in error
    for sample in body["accepted"]:
        assert sample["sample_rate_hz"] == 16000 and sample["length"] == 16000
        assert sample["duration_ms"] == pytest.approx(1000.0) and len(sample["axes"]) == 1

    # Stereo first, then mono, in two uploads: the mono clip is refused with the same hint.
    alone = create_project(client, "stereo", downmix_audio=False)
    first = upload(client, alone["id"], [stereo])
    assert first.status_code == 201
    assert first.json()["accepted"][0]["shape"] == [16000, 2]
    refused = upload(client, alone["id"], mono[:1])
    assert refused.status_code == 422
    error = _only_rejection(refused)
    assert "its axes (audio) differ from those of the project's data (ch0, ch1)" in error
    assert "downmix_audio to true" in error

    # Switched to downmixing, the project's stored stereo sample still has two axes: the
    # message says the setting now differs from the data.
    client.patch(f"/api/projects/{alone['id']}", json={"downmix_audio": True})
    error = _only_rejection(upload(client, alone["id"], mono[:1]))
    assert "downmixes WAV channels" in error and "downmix_audio to false" in error
    assert stored_counts()[0] == len(mono) + 1


@pytest.mark.parametrize(
    ("filename", "make_data", "reason"),
    [
        ("fake.1.wav", lambda rng: b"timestamp,accX\n0,1\n10,2\n", "not"),
        ("cut.1.wav", lambda rng: wav_bytes(rng)[:30], "truncated"),
        ("empty.1.wav", lambda rng: b"", "empty"),
        ("empty.1.csv", lambda rng: b"", "empty"),
        ("nan.1.csv", lambda rng: b"timestamp,accX\n0,1\n10,nan\n20,3\n", "NaN"),
        ("word.1.csv", lambda rng: b"timestamp,accX\n0,1\n10,abc\n20,3\n", "abc"),
        ("ragged.1.csv", lambda rng: b"timestamp,accX,accY\n0,1,2\n10,2\n20,3,4\n", "row"),
        ("image.1.png", lambda rng: b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, ""),
        ("broken.1.json", lambda rng: b'{"protected": {', ""),
        ("notes.1.txt", lambda rng: b"hello", "extension"),
    ],
)
def test_bad_files_are_rejected_and_nothing_is_stored(
    client: TestClient, project: dict, rng: np.random.Generator, filename: str, make_data, reason: str  # type: ignore[no-untyped-def]
) -> None:
    before = stored_counts()
    response = upload(client, project["id"], [(filename, make_data(rng))])
    assert response.status_code == 422, response.text
    error = _only_rejection(response)
    assert filename in error and reason.lower() in error.lower()
    assert response.json()["rejected"][0]["filename"] == filename
    assert "No file was stored" in response.json()["detail"]
    assert stored_counts() == before


@pytest.mark.parametrize("filename", ["../evil.wav", "a/b.wav", "..", "C:evil.wav", "tab\there.wav"])
def test_unsafe_file_names_are_rejected(
    client: TestClient, project: dict, rng: np.random.Generator, filename: str
) -> None:
    body, headers = raw_multipart([(filename, wav_bytes(rng))])
    response = client.post(f"/api/projects/{project['id']}/samples", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "unsafe file name" in _only_rejection(response)
    assert stored_counts() == (0, 0)


def test_rate_and_axes_must_match_the_project_and_the_request(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    assert upload(client, project["id"], [("a.1.wav", wav_bytes(rng, rate_hz=16000))]).status_code == 201
    response = upload(client, project["id"], [("a.2.wav", wav_bytes(rng, rate_hz=8000))])
    assert response.status_code == 422
    assert "8000 Hz" in _only_rejection(response) and "16000 Hz" in _only_rejection(response)
    response = upload(client, project["id"], [("a.3.csv", csv_bytes(rng))])
    assert "axes" in _only_rejection(response)
    response = upload(client, project["id"], [("a.4.png", png_bytes(rng))])
    assert "time series" in _only_rejection(response)
    assert stored_counts() == (1, 1)

    # In an empty project the first file of the request sets the rule for the others.
    fresh = create_project(client, "fresh")
    response = upload(
        client,
        fresh["id"],
        [
            ("b.1.csv", csv_bytes(rng, interval_ms=10)),
            ("b.2.csv", csv_bytes(rng, interval_ms=20)),
            ("b.3.csv", csv_bytes(rng, axes=("gyrX", "gyrY", "gyrZ"))),
            ("b.4.csv", csv_bytes(rng, interval_ms=10)),
        ],
    )
    assert response.status_code == 207
    body = response.json()
    assert [s["filename"] for s in body["accepted"]] == ["b.1.csv", "b.4.csv"]
    assert [r["filename"] for r in body["rejected"]] == ["b.2.csv", "b.3.csv"]
    assert "b.1.csv" in body["rejected"][0]["error"] and "50 Hz" in body["rejected"][0]["error"]
    assert stored_counts() == (3, 3)


def test_duplicates_are_refused_unless_allowed(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    clip = wav_bytes(rng)
    assert upload(client, project["id"], [("yes.1.wav", clip)]).status_code == 201
    response = upload(client, project["id"], [("yes.2.wav", clip)])
    assert response.status_code == 422
    assert "same content" in _only_rejection(response) and "yes.1.wav" in _only_rejection(response)

    other = wav_bytes(rng)
    response = upload(client, project["id"], [("no.1.wav", other), ("no.2.wav", other)])
    assert response.status_code == 207
    assert "earlier in this upload" in response.json()["rejected"][0]["error"]
    assert stored_counts() == (2, 2)

    response = upload(client, project["id"], [("yes.3.wav", clip)], allow_duplicates=True)
    assert response.status_code == 201
    assert stored_counts() == (3, 3)


def test_mixed_upload_stores_the_good_files_and_lists_every_rejection(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    files = [
        ("yes.1.wav", wav_bytes(rng)),
        ("bad.1.wav", b"RIFF\x00\x00"),
        ("no.1.wav", wav_bytes(rng)),
        ("../up.wav", wav_bytes(rng)),
        ("slow.1.wav", wav_bytes(rng, rate_hz=8000)),
        ("empty.1.wav", b""),
    ]
    response = upload(client, project["id"], files)
    assert response.status_code == 207, response.text
    body = response.json()
    assert [s["filename"] for s in body["accepted"]] == ["yes.1.wav", "no.1.wav"]
    assert [r["filename"] for r in body["rejected"]] == ["bad.1.wav", "../up.wav", "slow.1.wav", "empty.1.wav"]
    assert all(r["error"] for r in body["rejected"])
    assert stored_counts() == (2, 2)
    listed = client.get(f"/api/projects/{project['id']}/samples").json()
    assert {s["filename"] for s in listed["data"]} == {"yes.1.wav", "no.1.wav"}


def test_signed_acquisition_files_when_the_project_has_a_key(
    client: TestClient, rng: np.random.Generator
) -> None:
    signed_project = create_project(client, "signed", hmac_key="s3cret")
    response = upload(
        client,
        signed_project["id"],
        [
            ("a.1.json", acquisition_json(rng, hmac_key="s3cret")),
            ("a.2.json", acquisition_json(rng)),
            ("a.3.json", acquisition_json(rng, hmac_key="wrong")),
        ],
    )
    assert response.status_code == 207, response.text
    body = response.json()
    assert [s["filename"] for s in body["accepted"]] == ["a.1.json"]
    assert [r["filename"] for r in body["rejected"]] == ["a.2.json", "a.3.json"]
    assert all("sign" in r["error"].lower() for r in body["rejected"])


def test_file_over_the_size_limit_is_413_and_others_still_stored(
    client: TestClient, project: dict, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, big = wav_bytes(rng, seconds=0.01), wav_bytes(rng, seconds=0.5)
    monkeypatch.setattr(settings, "max_upload_file_bytes", len(small) + 10)
    response = upload(client, project["id"], [("big.1.wav", big)])
    assert response.status_code == 413
    error = _only_rejection(response)
    assert f"{len(big)} bytes" in error and f"limit is {len(small) + 10} bytes" in error
    response = upload(client, project["id"], [("big.1.wav", big), ("small.1.wav", small)])
    assert response.status_code == 207
    assert [s["filename"] for s in response.json()["accepted"]] == ["small.1.wav"]
    assert stored_counts() == (1, 1)


def test_request_over_the_size_or_count_limit_is_413(
    client: TestClient, project: dict, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [(f"x.{k}.wav", wav_bytes(rng, seconds=0.05)) for k in range(3)]
    monkeypatch.setattr(settings, "max_upload_request_bytes", 2000)
    response = upload(client, project["id"], files)
    assert response.status_code == 413
    assert "2000 bytes" in response.json()["detail"]
    monkeypatch.setattr(settings, "max_upload_request_bytes", 10_000_000)
    monkeypatch.setattr(settings, "max_upload_files", 2)
    response = upload(client, project["id"], files)
    assert response.status_code == 413
    assert "limit is 2 files" in response.json()["detail"]
    assert stored_counts() == (0, 0)


def test_size_limit_holds_without_content_length(
    client: TestClient, project: dict, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A chunked body has no Content-Length; the limit must hold on the bytes that arrive.
    monkeypatch.setattr(settings, "max_upload_request_bytes", 2000)
    body, headers = raw_multipart([("x.1.wav", wav_bytes(rng))])

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = client.post(
        f"/api/projects/{project['id']}/samples",
        content=chunks(),
        headers=headers,
    )
    assert response.status_code == 413
    assert stored_counts() == (0, 0)


def test_regression_targets_from_the_value_field_the_name_and_the_content(
    client: TestClient, project: dict, rng: np.random.Generator
) -> None:
    files = [
        ("1.08.n000.csv", csv_bytes(rng)),  # was label "1" before the decimal rule
        ("any.2.csv", b"# interval_ms=10\n# value=-0.25\naccX,accY,accZ\n1,2,3\n4,5,6\n"),
        ("any.3.json", acquisition_json(rng, label="21.5")),
    ]
    stored = upload(client, project["id"], files).json()["accepted"]
    assert {s["filename"]: s["label"] for s in stored} == {
        "1.08.n000.csv": "1.08",
        "any.2.csv": "-0.25",
        "any.3.json": "21.5",
    }
    forced = upload(client, project["id"], [("x.1.csv", csv_bytes(rng))], value=" 3.50 ")
    assert forced.status_code == 201 and forced.json()["accepted"][0]["label"] == "3.5"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"category": "validation"}, "not one of training, testing, auto"),
        ({"allow_duplicates": "maybe"}, "allow_duplicates must be true or false"),
        ({"label": "a" * 101}, "at most 100 characters"),
        ({"label": "new\nline"}, "control characters"),
        ({"colour": "red"}, 'Unknown form field "colour"'),
        ({"value": "warm"}, "The value field is not valid: the target value 'warm' is not a number"),
        ({"value": "nan"}, "not a finite number"),
        ({"value": "1.5", "label": "x"}, "a label or a value"),
    ],
)
def test_invalid_form_fields_are_422_and_store_nothing(
    client: TestClient, project: dict, rng: np.random.Generator, form: dict, expected: str
) -> None:
    response = upload(client, project["id"], [("yes.1.wav", wav_bytes(rng))], **form)
    assert response.status_code == 422
    assert expected in response.json()["detail"]
    assert stored_counts() == (0, 0)


def test_requests_that_are_not_an_upload_are_422(client: TestClient, project: dict) -> None:
    url = f"/api/projects/{project['id']}/samples"
    body, headers = raw_multipart([], {"label": "x"})
    no_files = client.post(url, content=body, headers=headers)
    assert no_files.status_code == 422 and "no files" in no_files.json()["detail"]
    as_json = client.post(url, json={"files": []})
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.json()["detail"]
    truncated = client.post(
        url,
        content=b'--zz\r\nContent-Disposition: form-data; name="files"; filename="a.wav"\r\n\r\nRIFF',
        headers={"content-type": "multipart/form-data; boundary=zz"},
    )
    assert truncated.status_code == 422 and "truncated" in truncated.json()["detail"]
    assert client.post("/api/projects/999/samples", files=[("files", ("a.wav", b"x"))]).status_code == 404
    assert stored_counts() == (0, 0)
