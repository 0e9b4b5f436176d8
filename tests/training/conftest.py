"""One keyword-like project trained once for the whole folder: tones of two pitches and noise,
uploaded through the API, MFCC features, a small Conv1D network trained 3 epochs (seconds).

Jobs run in-process through `run_job`, as a worker runs them, with no broker round trip.
"""

from __future__ import annotations

import io
import uuid
import wave
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import worker.celery_app
from backend.api.routes.auth import login_limiter
from backend.app import create_app
from backend.db.migrate import upgrade
from backend.db.models import Sample
from backend.db.session import get_sessionmaker, set_database_url
from tests.utils.api import create_project, sign_up, upload
from worker.celery_app import make_celery_app
from worker.features.job import run_generate_features
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model

RATE_HZ = 8000
TONE_HZ = {"low": 500.0, "high": 2500.0}
LABELS = ("high", "low", "noise")
TRAINING_SAMPLES, TEST_SAMPLES = 6, 2
INPUT_BLOCK = {"window_size_ms": 500, "window_increase_ms": 250, "zero_pad": False}
MFCC_BLOCK = {
    "id": 1,
    "type": "mfcc",
    "name": "MFCC",
    "params": {"n_coefficients": 8, "normalize_variance": True},
}
EPOCHS = 10
FAST_SETTINGS = {"epochs": EPOCHS, "learning_rate": 0.005, "batch_size": 8, "seed": 3}
LEARNING_BLOCK = {"id": 1, "dsp_blocks": [1], "settings": FAST_SETTINGS}


def clip_wav(label: str, index: int, *, seconds: float = 1.0) -> bytes:
    """Beeps of the label's pitch (100 ms on, 100 ms off, random phase and level) in light
    noise, or only noise. Beeps, not a steady tone: MFCC's mean normalisation removes a steady one."""
    rng = np.random.default_rng(zlib.crc32(f"{label}/{index}".encode()))
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    signal = rng.normal(0.0, 0.05, t.shape)
    if label in TONE_HZ:
        beeping = (np.floor((t + rng.uniform(0, 0.2)) / 0.1) % 2).astype(np.float64)
        tone = np.sin(2 * np.pi * TONE_HZ[label] * t + rng.uniform(0, 6))
        signal += rng.uniform(0.3, 0.6) * beeping * tone
    else:
        signal = rng.normal(0.0, rng.uniform(0.1, 0.3), t.shape)
    pcm = np.clip(signal * 32767, -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE_HZ)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def upload_clips(
    client: TestClient, project_id: int, labels: tuple[str, ...], count: int, category: str
) -> None:
    files = [
        (f"{label}.{category}{i}.wav", clip_wav(label, i + (100 if category == "testing" else 0)))
        for label in labels
        for i in range(count)
    ]
    response = upload(client, project_id, files, category=category)
    assert response.status_code in (200, 201), response.text


def sample_ids(project_id: int) -> dict[str, int]:
    with get_sessionmaker()() as session:
        rows = session.execute(
            select(Sample.filename, Sample.id).where(Sample.project_id == project_id)
        ).all()
    return {name: sample_id for name, sample_id in rows}


def impulse_url(project_id: int, impulse_id: int | None = None) -> str:
    base = f"/api/projects/{project_id}/impulses"
    return base if impulse_id is None else f"{base}/{impulse_id}"


def block_url(project_id: int, impulse_id: int, block_id: int = 1) -> str:
    return f"{impulse_url(project_id, impulse_id)}/learning/{block_id}"


def make_impulse(client: TestClient, project_id: int, **body: Any) -> dict[str, Any]:
    body.setdefault("input_block", INPUT_BLOCK)
    body.setdefault("dsp_blocks", [MFCC_BLOCK])
    body.setdefault("learning_blocks", [LEARNING_BLOCK])
    response = client.post(impulse_url(project_id), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def generate_features(client: TestClient, project_id: int, impulse_id: int) -> None:
    response = client.post(f"{impulse_url(project_id, impulse_id)}/features")
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_generate_features) == "succeeded"


def start_training(client: TestClient, project_id: int, impulse_id: int, **body: Any) -> int:
    response = client.post(f"{block_url(project_id, impulse_id)}/train", json=body or None)
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"]) == ("training.train", "queued")
    return int(job["id"])


@dataclass
class TrainingWorld:
    url: str
    client: TestClient
    project_id: int
    impulse_id: int
    train_job_id: int
    samples: dict[str, int] = field(default_factory=dict)

    def use(self) -> None:
        set_database_url(self.url)

    def new_project(self, name: str) -> int:
        # Project names are unique per owner; tests that run twice get fresh ones.
        return int(create_project(self.client, f"{name} {uuid.uuid4().hex[:8]}")["id"])


@pytest.fixture(scope="session")
def training_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainingWorld]:
    folder = tmp_path_factory.mktemp("training")
    url = f"sqlite:///{folder / 'training.db'}"
    upgrade(url)
    set_database_url(url)
    original_app = worker.celery_app.celery_app
    # API requests enqueue on an embedded broker of this test's own (nothing consumes it).
    worker.celery_app.celery_app = make_celery_app(redis_url=None, data_dir=Path(folder))
    login_limiter.clear()
    try:
        with TestClient(create_app()) as client:
            sign_up(client, "trainer")
            project_id = int(create_project(client, "tones")["id"])
            upload_clips(client, project_id, LABELS, TRAINING_SAMPLES, "training")
            upload_clips(client, project_id, LABELS, TEST_SAMPLES, "testing")
            impulse = make_impulse(client, project_id)
            generate_features(client, project_id, impulse["id"])
            job_id = start_training(client, project_id, impulse["id"])
            assert run_job(job_id, run_train_model) == "succeeded"
            yield TrainingWorld(
                url, client, project_id, impulse["id"], job_id, sample_ids(project_id)
            )
    finally:
        worker.celery_app.celery_app = original_app


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:
    """The trained world, with every session of the process pointed at its database."""
    training_world.use()
    return training_world
