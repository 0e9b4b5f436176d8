"""A real `mcuforge worker` process picks up `mcuforge.features.generate` from the embedded
broker and stores the features (the API tests run the job function in-process)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import worker.celery_app as celery_app_module
from backend.db.migrate import upgrade
from backend.db.models import JobState, Project, Sample, SampleData
from backend.db.session import get_sessionmaker, set_database_url
from backend.schemas.impulses import ImpulseCreate
from backend.services.features import features_summary, start_generation
from backend.services.impulses import create_impulse
from tests.worker.jobs_helpers import log_lines, read_job, wait_for
from tests.worker.worker_process import BrokerSetup, WorkerProcess

pytestmark = pytest.mark.timeout(120)

RATE_HZ = 8000


def add_clip(session: object, project_id: int, name: str, label: str, seconds: float) -> None:
    values = np.random.default_rng(len(name)).normal(scale=3000, size=(int(RATE_HZ * seconds), 1))
    sample = Sample(
        project_id=project_id,
        filename=name,
        label=label,
        category="training",
        kind="timeseries",
        source_format="wav",
        axes=[{"name": "audio", "units": "wav"}],
        shape=list(values.shape),
        sample_rate_hz=float(RATE_HZ),
        interval_ms=1000.0 / RATE_HZ,
        length=len(values),
        duration_ms=1000.0 * seconds,
        content_hash=f"{name:0<64}"[:64],
    )
    sample.data = SampleData(values=values.astype("<f4").tobytes())
    session.add(sample)  # type: ignore[attr-defined]


def test_a_worker_process_generates_the_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'features.db'}"
    upgrade(database_url)
    set_database_url(database_url)
    setup = BrokerSetup("embedded", database_url, None, tmp_path)
    queue = "features-test"
    worker_process = WorkerProcess(setup, queue, tmp_path / "worker.log").start()
    try:
        with get_sessionmaker()() as session:
            project = Project(name="kws")
            session.add(project)
            session.flush()
            add_clip(session, project.id, "yes.1.wav", "yes", 1.0)
            add_clip(session, project.id, "no.1.wav", "no", 1.0)
            session.commit()
            impulse = create_impulse(
                session,
                project.id,
                ImpulseCreate.model_validate(
                    {
                        "input_block": {"window_size_ms": 500, "window_increase_ms": 250},
                        "dsp_blocks": [{"id": 1, "type": "mfe"}],
                    }
                ),
            )
            # Enqueue on the test worker's own queue and broker folder.
            monkeypatch.setattr(celery_app_module, "celery_app", setup.app(queue))
            job = start_generation(session, impulse)

        wait_for(
            lambda: JobState(read_job(job.id).state).is_terminal,
            timeout_seconds=90,
            what=f"feature job {job.id} to end",
        )
        finished = read_job(job.id)
        assert finished.state == JobState.succeeded, (
            finished.error,
            log_lines(job.id),
            worker_process.log_tail(),
        )
        assert finished.result is not None and finished.result["window_count"] == 6
        with get_sessionmaker()() as session:
            summary = features_summary(session, impulse)
        assert summary.blocks[0].state == "ready"
        assert summary.blocks[0].label_counts == {"no": 3, "yes": 3}
    finally:
        worker_process.stop()
