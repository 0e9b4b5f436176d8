"""Peak memory of the API process and of a feature worker on the paths whose input size is
bounded (ARCHITECTURE principle 8).

API cases, each against a fresh `mcuforge serve` (SQLite in a temporary data directory), the
request streamed from this process so that only the server's memory is measured:
  (a) one upload request of --png-files compressible PNGs of --png-side pixels a side,
  (b) one upload request of --wav-mib MiB of WAV files (16 kHz mono, at most 64 MiB each),
  (c) live classification of the largest recording the schema takes (1 000 000 values) with a
      trained int8 model (trained here first; the server never imports TensorFlow), and the same
      recording at 1 Hz, which the limit refuses.
Worker case: feature generation (MFE) for --clips one-second 16 kHz clips, each count in a fresh
process (`tests/memory/workloads.py features`).

Peak RSS is VmHWM of /proc/PID/status (the server's own high-water mark; Linux only).
Targets: the API under 1 GiB in every case; the worker's peak does not grow with the clips (the
feature matrix goes to a file as it is made and is stored in chunks).

Run: .venv/bin/python bench/memory.py [--png-files 500] [--png-side 2048] [--wav-mib 500]
     [--clips 1000,4000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

# The training of case (c) runs in this process: keep TensorFlow quiet and small.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
for path in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from ingest import start_server  # noqa: E402

from tests.memory.workloads import compressible_png  # noqa: E402
from tests.utils.api import create_project, sign_up  # noqa: E402

MIB = 1024 * 1024
RATE_HZ = 16000
BOUNDARY = "mcuforge-bench-boundary"


def vm_hwm_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmHWM for process {pid}")


def multipart(files: Iterable[tuple[str, bytes]], fields: dict[str, str]) -> Iterator[bytes]:
    """A multipart body generated file by file (httpx sends it chunked), so this process never
    holds the whole request either."""
    for name, value in fields.items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    for filename, data in files:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\n\r\n'
        ).encode()
        yield data
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def noise_wav(frames: int, seed: int) -> bytes:
    pcm = np.random.default_rng(seed).integers(-12000, 12000, size=frames, dtype=np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE_HZ)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


class Server:
    """`mcuforge serve` on a fresh SQLite database, signed in as one user with one project."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="mcuforge-memory-")
        self.process, url = start_server(Path(self.folder.name), None)
        self.client = httpx.Client(base_url=url, timeout=3600)
        sign_up(self.client, "bench")
        self.project_id = int(create_project(self.client, "memory")["id"])

    @property
    def database_url(self) -> str:
        return f"sqlite:///{Path(self.folder.name) / 'mcuforge.db'}"

    def peak_mib(self) -> float:
        return vm_hwm_mib(self.process.pid)

    def upload(self, files: Iterable[tuple[str, bytes]], label: str | None = "x") -> dict[str, Any]:
        response = self.client.post(
            f"/api/projects/{self.project_id}/samples",
            content=multipart(files, {} if label is None else {"label": label}),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert response.status_code == 201, response.text[:2000]
        return dict(response.json())

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(30)
        self.folder.cleanup()


def png_case(files: int, side: int) -> dict[str, Any]:
    server = Server()
    try:
        server.upload([("warm.png", compressible_png(side, 9999))])
        before = server.peak_mib()
        sent = [0]

        def pngs() -> Iterator[tuple[str, bytes]]:
            for index in range(files):
                data = compressible_png(side, index)
                sent[0] += len(data)
                yield f"image.{index}.png", data

        started = time.monotonic()
        stored = len(server.upload(pngs())["accepted"])
        return {
            "case": f"(a) upload: {files} PNGs of {side}x{side} in one request",
            "request_mib": sent[0] / MIB,
            "stored": stored,
            "seconds": time.monotonic() - started,
            "peak_before_mib": before,
            "peak_mib": server.peak_mib(),
        }
    finally:
        server.close()


def wav_case(total_mib: int) -> dict[str, Any]:
    server = Server()
    try:
        server.upload([("warm.wav", noise_wav(RATE_HZ, 9999))])
        before = server.peak_mib()
        file_frames = (60 * MIB) // 2  # 60 MiB of 16-bit frames per file, under the 64 MiB limit
        count = max(1, round(total_mib / 60))

        def wavs() -> Iterator[tuple[str, bytes]]:
            for index in range(count):
                yield f"noise.{index}.wav", noise_wav(file_frames, index)

        started = time.monotonic()
        stored = len(server.upload(wavs())["accepted"])
        return {
            "case": f"(b) upload: {count} WAVs of 60 MiB ({count * 60} MiB) in one request",
            "request_mib": count * (60 + 44 / MIB),
            "stored": stored,
            "seconds": time.monotonic() - started,
            "peak_before_mib": before,
            "peak_mib": server.peak_mib(),
        }
    finally:
        server.close()


def _train_model(server: Server) -> tuple[int, int]:
    """Upload tones, make an impulse (MFCC + classifier, as the training tests do) and run its feature and training jobs in
    this process (TensorFlow stays out of the server). Returns (impulse id, block id)."""
    from backend.db.session import set_database_url
    from tests.training.conftest import FAST_SETTINGS, INPUT_BLOCK, LABELS, MFCC_BLOCK, clip_wav
    from tests.training.conftest import RATE_HZ as TONE_RATE_HZ
    from worker.features.job import run_generate_features
    from worker.job_runtime import run_job
    from worker.training.train_job import run_train_model

    assert TONE_RATE_HZ == 8000
    server.upload(
        ((f"{label}.{i}.wav", clip_wav(label, i)) for label in LABELS for i in range(6)), label=None
    )
    impulse = server.client.post(
        f"/api/projects/{server.project_id}/impulses",
        json={
            "input_block": INPUT_BLOCK,
            "dsp_blocks": [MFCC_BLOCK],
            "learning_blocks": [{"id": 1, "dsp_blocks": [1], "settings": FAST_SETTINGS}],
        },
    )
    assert impulse.status_code == 201, impulse.text
    impulse_id = int(impulse.json()["id"])
    set_database_url(server.database_url)
    base = f"/api/projects/{server.project_id}/impulses/{impulse_id}"
    for path, function in (
        (f"{base}/features", run_generate_features),
        (f"{base}/learning/1/train", run_train_model),
    ):
        job_id = server.client.post(path).json()["id"]
        if run_job(job_id, function) != "succeeded":
            job = server.client.get(f"/api/projects/{server.project_id}/jobs/{job_id}").json()
            raise SystemExit(f"{path}: {job.get('error')}")
    return impulse_id, 1


def classify_case() -> list[dict[str, Any]]:
    server = Server()
    try:
        impulse_id, block_id = _train_model(server)
        url = (
            f"/api/projects/{server.project_id}/impulses/{impulse_id}/learning/{block_id}/classify"
        )
        values = np.random.default_rng(1).normal(scale=3000, size=1_000_000).round(3)
        rows = []
        for frequency_hz, what in ((8000, "at the impulse's rate"), (1, "at 1 Hz (refused)")):
            body = json.dumps(
                {
                    "signal": {
                        "values": values.tolist(),
                        "axes": ["audio"],
                        "frequency_hz": frequency_hz,
                    }
                }
            ).encode()
            before = server.peak_mib()
            started = time.monotonic()
            response = server.client.post(
                url, content=body, headers={"content-type": "application/json"}
            )
            rows.append(
                {
                    "case": f"(c) live classification: 1 000 000 values {what}, HTTP "
                    f"{response.status_code}",
                    "request_mib": len(body) / MIB,
                    "stored": 0,
                    "seconds": time.monotonic() - started,
                    "peak_before_mib": before,
                    "peak_mib": server.peak_mib(),
                }
            )
        return rows
    finally:
        server.close()


def _workload(*args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.memory.workloads", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(completed.stderr[-3000:])
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def features_case(clips: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mcuforge-memory-") as folder:
        url = f"sqlite:///{Path(folder) / 'features.db'}"
        setup = _workload(
            "feature-project", "--database-url", url, "--clips", str(clips), "--dsp-block", "mfe"
        )
        started = time.monotonic()
        result = _workload("features", "--database-url", url, "--job-id", str(setup["job_id"]))
        assert result["state"] == "succeeded", result
        windows = clips * 3  # 500 ms windows every 250 ms over 1 s, zero-padded
        return {
            "case": f"worker: MFE features of {clips} one-second clips ({windows} windows)",
            "request_mib": clips * RATE_HZ * 4 / MIB,
            "stored": clips,
            "seconds": time.monotonic() - started,
            "peak_before_mib": result["peak_before_mib"],
            "peak_mib": result["peak_mib"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--png-files", type=int, default=500)
    parser.add_argument("--png-side", type=int, default=2048)
    parser.add_argument("--wav-mib", type=int, default=500)
    parser.add_argument("--clips", default="1000,4000")
    parser.add_argument("--skip", default="", help="comma-separated: png,wav,classify,features")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rows: list[dict[str, Any]] = []
    if "png" not in skip:
        rows.append(png_case(args.png_files, args.png_side))
    if "wav" not in skip:
        rows.append(wav_case(args.wav_mib))
    if "classify" not in skip:
        rows.extend(classify_case())
    if "features" not in skip:
        rows.extend(features_case(int(n)) for n in args.clips.split(","))
    print(f"{'case':<78} {'input MiB':>9} {'stored':>6} {'s':>6} {'peak before':>11} {'peak':>8}")
    for row in rows:
        print(
            f"{row['case']:<78} {row['request_mib']:>9.1f} {row['stored']:>6} "
            f"{row['seconds']:>6.1f} {row['peak_before_mib']:>8.0f} MiB {row['peak_mib']:>4.0f} MiB"
        )
    print("target: the API under 1024 MiB in (a), (b), (c); the worker's peak flat in the clips")


if __name__ == "__main__":
    main()
