"""Features go stale when the dataset changes, not only when parameters do: after each kind of
sample edit the features summary and the explorer say stale and what changed, and generating
again makes them ready. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

import worker.celery_app
from backend.db.models import FeatureSet
from backend.db.session import get_sessionmaker
from tests.utils.api import create_project, upload
from tests.utils.files import wav_bytes
from worker.celery_app import make_celery_app
from worker.features.job import run_generate_features
from worker.job_runtime import run_job

INPUT_BLOCK = {"window_size_ms": 500, "window_increase_ms": 500, "zero_pad": False}
MFCC_BLOCK = {"id": 1, "type": "mfcc", "name": "MFCC", "params": {}}
CLIPS = ("yes.0.wav", "yes.1.wav", "no.0.wav", "no.1.wav")


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


class Project:
    """A project of four 1 s clips with an MFCC impulse whose features were generated."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.id = create_project(client, "staleness")["id"]
        rng = np.random.default_rng(5)
        files = [(name, wav_bytes(rng, rate_hz=8000, seconds=1.0)) for name in CLIPS]
        assert upload(client, self.id, files, category="training").status_code in (200, 201)
        created = client.post(
            f"/api/projects/{self.id}/impulses",
            json={"input_block": INPUT_BLOCK, "dsp_blocks": [MFCC_BLOCK]},
        )
        assert created.status_code == 201, created.text
        self.impulse_url = f"/api/projects/{self.id}/impulses/{created.json()['id']}"
        self.generate()

    def generate(self) -> None:
        response = self.client.post(f"{self.impulse_url}/features")
        assert response.status_code == 202, response.text
        assert run_job(response.json()["id"], run_generate_features) == "succeeded"

    def summary(self) -> dict[str, Any]:
        (block,) = self.client.get(f"{self.impulse_url}/features").json()["blocks"]
        return dict(block)

    def explorer(self) -> dict[str, Any]:
        response = self.client.get(f"{self.impulse_url}/features/explorer?dsp_block_id=1")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def sample_id(self, filename: str) -> int:
        listed = self.client.get(f"/api/projects/{self.id}/samples", params={"limit": 100})
        (sample,) = [s for s in listed.json()["data"] if s["filename"] == filename]
        return int(sample["id"])

    def edit(self, method: str, path: str, **kwargs: Any) -> None:
        response = self.client.request(method, f"/api/projects/{self.id}/samples{path}", **kwargs)
        assert response.status_code in (200, 201, 204), response.text


def _add(p: Project) -> None:
    wav = wav_bytes(np.random.default_rng(9), rate_hz=8000, seconds=1.0)
    assert upload(p.client, p.id, [("no.2.wav", wav)], category="testing").status_code in (200, 201)


def _delete(p: Project) -> None:
    p.edit("DELETE", f"/{p.sample_id('no.1.wav')}")


def _relabel(p: Project) -> None:
    p.edit("PATCH", f"/{p.sample_id('yes.1.wav')}", json={"label": "no"})


def _move(p: Project) -> None:
    p.edit("PATCH", f"/{p.sample_id('yes.0.wav')}", json={"category": "testing"})


def _crop(p: Project) -> None:
    p.edit("POST", f"/{p.sample_id('yes.1.wav')}/crop", json={"start_ms": 0, "end_ms": 750})


def _split(p: Project) -> None:
    p.edit("POST", f"/{p.sample_id('no.0.wav')}/split", json={"window_ms": 500})


EDITS: dict[str, tuple[Callable[[Project], None], str]] = {
    "add": (_add, "1 sample(s) added ('no.2.wav')"),
    "delete": (_delete, "1 sample(s) removed ('no.1.wav')"),
    "relabel": (_relabel, "1 sample(s) relabelled ('yes.1.wav (yes -> no)')"),
    "category move": (
        _move,
        "1 sample(s) moved between splits ('yes.0.wav (training -> testing)')",
    ),
    "crop": (_crop, "1 sample(s) cropped ('yes.1.wav')"),
    "split": (
        _split,
        "2 sample(s) added ('no.0.wav.s1', 'no.0.wav.s2'); 1 sample(s) removed ('no.0.wav')",
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_sample_edit_makes_the_features_stale_until_generated_again(
    client: TestClient, edit: str
) -> None:
    project = Project(client)
    assert (project.summary()["state"], project.summary()["stale_reason"]) == ("ready", None)
    apply, change = EDITS[edit]

    apply(project)

    expected = f"the dataset changed since the features were generated: {change}"
    summary = project.summary()
    assert (summary["state"], summary["stale_reason"]) == ("stale", expected)
    explorer = project.explorer()
    assert (explorer["state"], explorer["stale_reason"]) == ("stale", expected)

    project.generate()
    assert (project.summary()["state"], project.summary()["stale_reason"]) == ("ready", None)
    assert project.explorer()["state"] == "ready"


def test_parameters_and_dataset_both_named_when_both_changed(client: TestClient) -> None:
    project = Project(client)
    _crop(project)
    changed = {**MFCC_BLOCK, "params": {"n_coefficients": 12}}
    response = client.put(
        project.impulse_url, json={"input_block": INPUT_BLOCK, "dsp_blocks": [changed]}
    )
    assert response.status_code == 200, response.text
    assert project.summary()["stale_reason"] == (
        "the input or DSP block parameters changed since the features were generated. Also the "
        "dataset changed since the features were generated: 1 sample(s) cropped ('yes.1.wav')"
    )


def test_an_edit_undone_leaves_them_ready(client: TestClient) -> None:
    project = Project(client)
    _relabel(project)
    project.edit("PATCH", f"/{project.sample_id('yes.1.wav')}", json={"label": "yes"})
    # The samples are again the ones the features were made from.
    assert (project.summary()["state"], project.summary()["stale_reason"]) == ("ready", None)


def test_a_sample_too_short_for_a_window_is_no_change(client: TestClient) -> None:
    project = Project(client)
    short = wav_bytes(np.random.default_rng(3), rate_hz=8000, seconds=0.25)
    assert upload(client, project.id, [("yes.short.wav", short)]).status_code in (200, 201)
    assert project.summary()["state"] == "stale"
    project.generate()
    # It gave no window, yet the features were made knowing it: nothing was added since.
    assert project.summary()["window_count"] == 8
    assert project.summary()["state"] == "ready"


def test_features_from_before_the_dataset_was_recorded_are_stale(client: TestClient) -> None:
    project = Project(client)
    with get_sessionmaker()() as session:
        session.execute(update(FeatureSet).values(dataset_digest=None))
        session.commit()
    summary = project.summary()
    assert summary["state"] == "stale"
    assert summary["stale_reason"].startswith(
        "the features were generated before mcuforge recorded which samples features come from"
    )
    project.generate()
    assert project.summary()["state"] == "ready"
