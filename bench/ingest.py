"""Ingestion throughput: 1 s WAV clips uploaded through the HTTP API by concurrent clients.

Starts `mcuforge serve` in a subprocess against SQLite (a temporary data directory) and against
PostgreSQL (a fresh schema), uploads for --seconds, and prints samples per second, p50/p99
latency and the error count (which must be 0). Uploads enqueue no job, so the broker plays no
part here. Run: .venv/bin/python bench/ingest.py [--seconds 30] [--clients 8] [--database both]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLIP_RATE_HZ = 16000


def clip_wav(rng: np.random.Generator) -> bytes:
    """One second of 16 kHz 16-bit noise: every clip differs, so none is refused as a duplicate."""
    pcm = rng.integers(-12000, 12000, size=CLIP_RATE_HZ, dtype=np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(CLIP_RATE_HZ)
        writer.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


@dataclass
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(url: str, project_id: int, seed: int, deadline: float, tally: Tally) -> None:
    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=url, timeout=120) as client:
        k = 0
        while time.monotonic() < deadline:
            files = [("files", (f"noise.c{seed}-{k}.wav", clip_wav(rng)))]
            k += 1
            started = time.perf_counter()
            try:
                response = client.post(f"/api/projects/{project_id}/samples", files=files)
                error = None if response.status_code == 201 else f"{response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with tally.lock:
                if error is None:
                    tally.latencies_s.append(elapsed)
                else:
                    tally.errors.append(error)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(MCUFORGE_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO_ROOT))
    if database_url:
        env["DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=data_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start within 90 s")


def run_one(name: str, database_url: str | None, seconds: float, clients: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="mcuforge-bench-") as data_dir:
        process, url = start_server(Path(data_dir), database_url)
        try:
            project = httpx.post(f"{url}/api/projects", json={"name": f"bench {name}"}).json()
            tally = Tally()
            deadline = time.monotonic() + seconds
            threads = [
                threading.Thread(target=client_loop, args=(url, project["id"], seed, deadline, tally))
                for seed in range(clients)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall_s = time.monotonic() - started
            stored = httpx.get(f"{url}/api/projects/{project['id']}").json()["sample_count"]
        finally:
            process.terminate()
            process.wait(timeout=30)
    latencies_ms = np.array(tally.latencies_s) * 1000.0
    for error in tally.errors[:5]:
        print(f"  error: {error}", file=sys.stderr)
    return {
        "uploads": len(latencies_ms),
        "stored": stored,
        "samples_per_s": len(latencies_ms) / wall_s,
        "p50_ms": float(np.percentile(latencies_ms, 50)) if len(latencies_ms) else float("nan"),
        "p99_ms": float(np.percentile(latencies_ms, 99)) if len(latencies_ms) else float("nan"),
        "errors": len(tally.errors),
    }


def fresh_postgres_schema(url: str, schema: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    # search_path puts the tables, and Alembic's version table, in the fresh schema.
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


def drop_postgres_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="upload for this long (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES_URL, help=f"default {DEFAULT_POSTGRES_URL}")
    args = parser.parse_args()

    results: list[tuple[str, dict[str, float]]] = []
    if args.database in ("sqlite", "both"):
        results.append(("sqlite", run_one("sqlite", None, args.seconds, args.clients)))
    if args.database in ("postgres", "both"):
        schema = f"bench_ingest_{os.getpid()}"
        try:
            url = fresh_postgres_schema(args.postgres, schema)
            results.append(("postgres", run_one("postgres", url, args.seconds, args.clients)))
        finally:
            drop_postgres_schema(args.postgres, schema)

    print(f"ingest: 1 s 16 kHz 16-bit mono WAV clips, {args.clients} clients, {args.seconds:g} s each")
    print(f"{'database':<10}{'uploads':>9}{'stored':>8}{'samples/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in results:
        print(
            f"{name:<10}{r['uploads']:>9.0f}{r['stored']:>8.0f}{r['samples_per_s']:>11.1f}"
            f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8.0f}"
        )
    print("reference: none (BENCHMARKS.md: state the figure); target: 0 errors")
    failed = any(r["errors"] or r["stored"] != r["uploads"] for _, r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
