"""A small motion project for the tuner: three gestures as 3-axis accelerometer-like signals at
50 Hz (seconds of data, features in milliseconds), and a way to run trial jobs in-process."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import worker.celery_app
from backend.db.models import Project, Sample, SampleData
from backend.db.session import get_sessionmaker
from backend.schemas.impulses import ImpulseCreate
from backend.services.impulses import create_impulse
from worker.job_runtime import run_job
from worker.tuning.job import run_tuner_trial

RATE_HZ = 50.0
GESTURES = {"idle": 0.0, "wave": 2.0, "shake": 7.0}  # dominant frequency in Hz
SAMPLES_PER_GESTURE = 5
SECONDS = 3.0
AXES = ["accX", "accY", "accZ"]


def gesture_values(label: str, index: int) -> np.ndarray:
    """Three axes: noise plus, but for idle, a sine of the gesture's frequency (random phase and
    level) on two axes."""
    rng = np.random.default_rng(zlib.crc32(f"{label}/{index}".encode()))
    t = np.arange(int(RATE_HZ * SECONDS)) / RATE_HZ
    values = rng.normal(0.0, 0.3, (len(t), 3))
    values[:, 2] += 9.8
    frequency = GESTURES[label]
    if frequency:
        level = rng.uniform(2.0, 4.0)
        values[:, 0] += level * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6))
        values[:, 1] += 0.5 * level * np.cos(2 * np.pi * frequency * t + rng.uniform(0, 6))
    return values.astype("<f4")


def add_motion_project(session: Any, name: str = "gestures") -> tuple[int, int]:
    """(project id, impulse id): the samples and an impulse with a spectral block and a
    classifier, as a user would have set it up before tuning."""
    project = Project(name=name, description="")
    session.add(project)
    session.flush()
    for label in GESTURES:
        for index in range(SAMPLES_PER_GESTURE):
            session.add(motion_sample(project.id, label, index, gesture_values(label, index)))
    session.commit()
    return project.id, add_spectral_impulse(session, project.id, '{"id": 1, "dsp_blocks": [1]}')


def motion_sample(project_id: int, label: str, index: int, values: np.ndarray) -> Sample:
    """A stored 3-axis training recording at RATE_HZ named `<label>.<index>.csv`."""
    sample = Sample(
        project_id=project_id,
        filename=f"{label}.{index}.csv",
        label=label,
        category="training",
        kind="timeseries",
        source_format="csv",
        axes=[{"name": axis, "units": "m/s2"} for axis in AXES],
        shape=list(values.shape),
        sample_rate_hz=RATE_HZ,
        interval_ms=1000.0 / RATE_HZ,
        length=len(values),
        duration_ms=1000.0 * SECONDS,
        content_hash=f"{zlib.crc32(values.tobytes()):08x}{label}{index}".ljust(64, "0"),
    )
    sample.data = SampleData(values=values.tobytes())
    return sample


def add_spectral_impulse(session: Any, project_id: int, learning_block: str) -> int:
    """The id of a new 1 s impulse: one spectral block feeding `learning_block` (JSON)."""
    impulse = create_impulse(
        session,
        project_id,
        ImpulseCreate.model_validate_json(
            '{"input_block": {"window_size_ms": 1000, "window_increase_ms": 500},'
            ' "dsp_blocks": [{"id": 1, "type": "spectral"}],'
            f' "learning_blocks": [{learning_block}]}}'
        ),
    )
    return impulse.id


@dataclass
class RecordingApp:
    """Stands in for the broker in in-process tests: keeps the jobs sent, in order; the test
    runs each with run_job exactly as a worker's task would."""

    sent: list[int] = field(default_factory=list)  # tuner trial jobs
    others: list[tuple[str, int]] = field(default_factory=list)  # (task, job id) of the rest

    def send_task(self, name: str, args: list[Any], queue: str | None = None) -> Any:
        if name == "mcuforge.tuner.trial":
            self.sent.append(int(args[0]))
        else:
            self.others.append((name, int(args[0])))
        return type("Sent", (), {"id": f"local-{args[0]}"})()


@pytest.fixture
def local_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingApp]:
    app = RecordingApp()
    monkeypatch.setattr(worker.celery_app, "celery_app", app)
    yield app


def run_queued(app: RecordingApp, *, limit: int = 50) -> list[Any]:
    """Run every queued trial job (and those they queue) in this process, oldest first."""
    states = []
    while app.sent and limit:
        states.append(run_job(app.sent.pop(0), run_tuner_trial))
        limit -= 1
    return states


@pytest.fixture
def motion_project(sqlite_database_url: str) -> tuple[int, int]:
    with get_sessionmaker()() as session:
        return add_motion_project(session)


IMAGE_LABELS = ("bars", "plain")
IMAGES_PER_LABEL = 6
IMAGE_SIZE = (30, 40)  # height, width


def image_values(label: str, index: int) -> np.ndarray:
    """RGB pixels (0..255): noise, with horizontal bars of a random colour for `bars`."""
    rng = np.random.default_rng(zlib.crc32(f"image/{label}/{index}".encode()))
    pixels = rng.uniform(0, 80, (*IMAGE_SIZE, 3))
    if label == "bars":
        pixels[rng.integers(0, 4) :: 6, :, :] += rng.uniform(120, 170, 3)
    return np.clip(pixels, 0, 255).astype(np.float32)


def add_image_project(session: Any, name: str = "pictures") -> tuple[int, int]:
    """(project id, impulse id): RGB images of two labels and an image impulse (image block at
    24 x 24, the default network), as a user would have set it up before tuning."""
    from backend.ingest.image import _RGB_AXES
    from backend.ingest.sample import make_sample
    from backend.services.uploads import new_sample

    project = Project(name=name, description="")
    session.add(project)
    session.flush()
    for label in IMAGE_LABELS:
        for index in range(IMAGES_PER_LABEL):
            parsed = make_sample(
                kind="image",
                values=image_values(label, index),
                axes=_RGB_AXES,
                interval_ms=None,
                source_format="png",
            )
            sample = new_sample(project, f"{label}.{index}.png", label, "training", parsed)
            sample.data = SampleData(values=parsed.values.tobytes())
            session.add(sample)
    session.commit()
    impulse = create_impulse(
        session,
        project.id,
        ImpulseCreate.model_validate_json(
            '{"input_block": {"type": "image"},'
            ' "dsp_blocks": [{"id": 1, "type": "image", "params": {"width": 24, "height": 24}}],'
            ' "learning_blocks": [{"id": 1, "dsp_blocks": [1]}]}'
        ),
    )
    return project.id, impulse.id


def add_regression_project(session: Any, *, bad_label: str | None = None) -> tuple[int, int]:
    """(project id, impulse id): 3-axis recordings labelled with the frequency (Hz) of the sine
    they carry, and an impulse regressing it from a spectral block. `bad_label` replaces one
    sample's number (a label the regression cannot read)."""
    project = Project(name="frequencies", description="")
    session.add(project)
    session.flush()
    t = np.arange(int(RATE_HZ * SECONDS)) / RATE_HZ
    for index, frequency in enumerate(np.linspace(1.0, 8.0, 12)):
        rng = np.random.default_rng(index)
        values = rng.normal(0.0, 0.3, (len(t), 3))
        values[:, 0] += 3.0 * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6))
        values = values.astype("<f4")
        label = bad_label if bad_label and index == 5 else f"{frequency:.2f}"
        session.add(motion_sample(project.id, label, index, values))
    session.commit()
    regression = '{"id": 1, "type": "regression", "dsp_blocks": [1]}'
    return project.id, add_spectral_impulse(session, project.id, regression)
