"""Workloads whose peak memory is measured in a process of their own: `python -m
tests.memory.workloads NAME --database-url URL ...` prints one JSON line with the peak RSS
(read by the process itself, see peak_rss_mib) before and after the work. The memory tests run them
small; bench/memory.py runs them at the limits."""

from __future__ import annotations

import argparse
import io
import json
import resource
import types
from typing import Any

import numpy as np

MIB = 1024 * 1024
RATE_HZ = 16000


def peak_rss_mib() -> float:
    """The highest resident set size of this process so far, in MiB.

    VmHWM of /proc/self/status where there is one: ru_maxrss (getrusage) survives exec, so a
    process started by a large parent (pytest after other tests) would report the parent's
    peak; VmHWM belongs to the address space, which exec makes new."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _migrated(database_url: str) -> None:
    from backend.db.migrate import upgrade
    from backend.db.session import set_database_url

    upgrade(database_url)
    set_database_url(database_url)


def _signed_in_client() -> Any:
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from tests.utils.api import sign_up

    client = TestClient(create_app())
    client.__enter__()
    sign_up(client, "alice")
    return client


def compressible_png(side: int, seed: int = 0) -> bytes:
    """A side x side RGB PNG that compresses to a few kB (a gradient), different per seed."""
    from PIL import Image

    row = (np.arange(side, dtype=np.int64) + seed) % 256
    pixels = np.array(np.broadcast_to(row.astype(np.uint8)[None, :, None], (side, side, 3)))
    pixels[0, :8, 0] = list((seed % 2**64).to_bytes(8, "little"))  # no two seeds alike
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def noise_wav(seconds: float, seed: int) -> bytes:
    from tests.utils.files import wav_bytes

    return wav_bytes(np.random.default_rng(seed), rate_hz=RATE_HZ, seconds=seconds)


def upload_workload(args: argparse.Namespace) -> dict[str, Any]:
    """A warm-up upload of `--warmup-files` files, then `--requests` requests of `--files` files
    each, so the growth past the warm-up is what the number of files adds."""
    from tests.utils.api import create_project, upload

    _migrated(args.database_url)
    client = _signed_in_client()
    project = create_project(client, "memory")
    if args.kind == "png":
        make = lambda index: (f"image.{index}.png", compressible_png(args.side, index))  # noqa: E731
    else:
        make = lambda index: (f"noise.{index}.wav", noise_wav(args.seconds, index))  # noqa: E731
    warm_up = [make(-1 - index) for index in range(args.warmup_files)]
    response = upload(client, project["id"], warm_up, label="x")
    assert response.status_code == 201, response.text
    after_warm_up = peak_rss_mib()
    stored = args.warmup_files
    sent_bytes = 0
    for request in range(args.requests):
        first = request * args.files
        files = [make(index) for index in range(first, first + args.files)]
        sent_bytes += sum(len(data) for _, data in files)
        response = upload(client, project["id"], files, label="x")
        assert response.status_code == 201, response.text[:2000]
        stored += len(response.json()["accepted"])
        del files, response
    return {
        "peak_after_warm_up_mib": after_warm_up,
        "peak_mib": peak_rss_mib(),
        "stored": stored,
        "sent_bytes": sent_bytes,
    }


def classify_workload(args: argparse.Namespace) -> dict[str, Any]:
    """Live classification of a recording of `--values` values at `--frequency-hz` into a 16 kHz
    impulse (its classifier is not trained: the size checks come before the model)."""
    from tests.utils.api import create_project, upload

    _migrated(args.database_url)
    client = _signed_in_client()
    project = create_project(client, "memory")
    clips = [("yes.1.wav", noise_wav(1.0, 1)), ("no.1.wav", noise_wav(1.0, 2))]
    assert upload(client, project["id"], clips).status_code == 201
    impulse = client.post(
        f"/api/projects/{project['id']}/impulses",
        json={
            "input_block": {"window_size_ms": 1000, "window_increase_ms": 500},
            "dsp_blocks": [{"id": 1, "type": "mfe"}],
            "learning_blocks": [{"id": 1, "dsp_blocks": [1]}],
        },
    ).json()
    body = json.dumps(
        {
            "signal": {
                "values": [0.5] * args.values,
                "axes": ["audio"],
                "frequency_hz": args.frequency_hz,
            }
        }
    ).encode()
    before = peak_rss_mib()
    response = client.post(
        f"/api/projects/{project['id']}/impulses/{impulse['id']}/learning/1/classify",
        content=body,
        headers={"content-type": "application/json"},
    )
    return {
        "peak_before_mib": before,
        "peak_mib": peak_rss_mib(),
        "status": response.status_code,
        "detail": str(response.json().get("detail"))[:300],
        "body_bytes": len(body),
    }


def make_feature_project(database_url: str, clips: int, seconds: float, dsp_block: str) -> int:
    """A project of `clips` noise clips at 16 kHz, stored directly, an impulse and a pending
    generation job; returns the job id (run it with the `features` workload)."""
    from backend.db.models import Project, Sample, SampleData
    from backend.db.session import get_sessionmaker
    from backend.schemas.impulses import ImpulseCreate
    from backend.services.features import start_generation
    from backend.services.impulses import create_impulse
    from worker import celery_app

    _migrated(database_url)
    rng = np.random.default_rng(7)
    length = int(RATE_HZ * seconds)
    with get_sessionmaker()() as session:
        project = Project(name="memory")
        session.add(project)
        session.flush()
        for index in range(clips):
            values = rng.normal(scale=3000, size=(length, 1)).astype("<f4")
            sample = Sample(
                project_id=project.id,
                filename=f"clip.{index}.wav",
                label="yes" if index % 2 else "no",
                category="training",
                kind="timeseries",
                source_format="wav",
                axes=[{"name": "audio", "units": "wav"}],
                shape=[length, 1],
                sample_rate_hz=float(RATE_HZ),
                interval_ms=1000.0 / RATE_HZ,
                length=length,
                duration_ms=1000.0 * seconds,
                content_hash=f"{index:064x}",
            )
            sample.data = SampleData(values=values.tobytes())
            session.add(sample)
            if index % 500 == 0:
                session.flush()
        session.commit()
        impulse = create_impulse(
            session,
            project.id,
            ImpulseCreate.model_validate(
                {
                    "input_block": {"window_size_ms": 500, "window_increase_ms": 250},
                    "dsp_blocks": [{"id": 1, "type": dsp_block}],
                }
            ),
        )
        # No broker: the job is run in the measured process by `features`.
        celery_app.celery_app.send_task = lambda *a, **k: types.SimpleNamespace(id="local")  # type: ignore[method-assign]
        job = start_generation(session, impulse)
        return int(job.id)


def feature_project_workload(args: argparse.Namespace) -> dict[str, Any]:
    """Setup, not measured: in a process of its own so no test process's globals change."""
    job_id = make_feature_project(args.database_url, args.clips, args.seconds, args.dsp_block)
    return {"job_id": job_id}


def features_workload(args: argparse.Namespace) -> dict[str, Any]:
    from backend.db.session import set_database_url
    from worker.features.job import run_generate_features
    from worker.job_runtime import run_job

    set_database_url(args.database_url)
    before = peak_rss_mib()
    state = run_job(args.job_id, run_generate_features)
    return {"peak_before_mib": before, "peak_mib": peak_rss_mib(), "state": str(state)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["upload", "classify", "feature-project", "features"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--kind", choices=["png", "wav"], default="png")
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1)
    parser.add_argument("--warmup-files", type=int, default=2)
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--frequency-hz", type=float, default=1.0)
    parser.add_argument("--job-id", type=int, default=0)
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--dsp-block", default="spectral")
    args = parser.parse_args()
    run = {
        "upload": upload_workload,
        "classify": classify_workload,
        "feature-project": feature_project_workload,
        "features": features_workload,
    }
    print(json.dumps(run[args.workload](args)))


if __name__ == "__main__":
    main()
