"""The tuner against the default impulse: the best trial that fits a board (accuracy, DSP + model
latency, RAM) next to the default impulse of the same project, with the trials run and wall time.

Run: nice .venv/bin/python bench/tune.py [--workload kws|motion] [--trials 30] [--epochs 30]
kws: bench/kws.py's espeak-ng keyword dataset (6 words + noise, 1 s at 16 kHz), default impulse
MFCC -> conv1d_audio. motion: four gestures as 3-axis accelerometer recordings at 50 Hz (sines of
a gesture's frequencies in noise, harder than tests/tuning's), default impulse spectral analysis
-> dense_spectral. Both run as a user would, through the HTTP API in-process; the jobs (features,
training, the tuner's trials) run by their job functions in this process, one after the other,
against SQLite. Accuracy is int8 accuracy on the validation windows for both (the same split:
same samples, same seed), latency and RAM are measured in QEMU for the board (the deployment
estimate for the default, the trial's compile-first measurement for trials).
The comparison is against trial 0, the default impulse's own configuration run as a trial
(same epochs, split, seed and measurement as the searched trials); the default as its training
job trains it is printed beside it as a check.
Reference (BENCHMARKS.md): Edge Impulse's EON Tuner. Target: within 30 trials, a configuration at
least as accurate as the default that is >= 2x faster on the board, or >= 2 points more
accurate at the same latency.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MOTION_HZ = 50.0
GESTURES = {"idle": (), "wave": (1.5,), "circle": (1.5, 3.0), "shake": (6.0,)}


def motion_clips(per_label: int, seed: int) -> dict[str, list[tuple[str, bytes]]]:
    """Per gesture, CSV recordings of 3 s: gravity on Z, noise, and the gesture's frequencies
    (wave and circle share 1.5 Hz; circle adds its harmonic on the other axis)."""
    from tests.workloads.matrix import motion_csv

    t = np.arange(int(3 * MOTION_HZ)) / MOTION_HZ
    files: dict[str, list[tuple[str, bytes]]] = {}
    for label, frequencies in GESTURES.items():
        files[label] = []
        for index in range(per_label):
            rng = np.random.default_rng(zlib.crc32(f"{seed}/{label}/{index}".encode()))
            window = rng.normal(0.0, 0.6, (len(t), 3))
            window[:, 2] += 9.8
            for axis, frequency in enumerate(frequencies):
                level = rng.uniform(0.8, 2.5)
                window[:, axis] += level * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6))
            files[label].append(
                (f"{label}.{seed}.{index}.csv", motion_csv(window, ("accX", "accY", "accZ")))
            )
    return files


def kws_clips(seed: int) -> dict[str, dict[str, list[tuple[str, bytes]]]]:
    import bench.kws
    from bench.kws import build_dataset

    shared = os.environ.get("MCUFORGE_SHARED_DIR")
    if shared:  # a checkout whose ../shared is elsewhere (a worktree)
        bench.kws.NOISE_WAV = Path(shared) / "audio" / "noise_1000ms.wav"
    split: dict[str, dict[str, list[tuple[str, bytes]]]] = {"training": {}, "testing": {}}
    for name, category, data in build_dataset(seed):
        split[category].setdefault(name.split(".")[0], []).append((name, data))
    return split


def checked(response: Any, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json()


def run_jobs(app: Any) -> None:
    """Run every job the API (or a job) queued, in this process, oldest first."""
    from worker.job_runtime import run_job
    from worker.registry import JOB_KINDS

    by_task = {}
    for kind in JOB_KINDS.values():
        module = {
            "features.generate": "worker.features.job:run_generate_features",
            "training.train": "worker.training.train_job:run_train_model",
            "tuner.trial": "worker.tuning.job:run_tuner_trial",
        }.get(kind.name)
        if module:
            path, name = module.split(":")
            by_task[kind.task_name] = getattr(__import__(path, fromlist=[name]), name)
    while app.queue:
        task, job_id = app.queue.pop(0)
        run_job(job_id, by_task[task])


class LocalQueue:
    """The broker of this benchmark: keeps what was sent; run_jobs runs it in this process."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, int]] = []

    def send_task(self, name: str, args: list[Any], queue: str | None = None) -> Any:
        self.queue.append((name, int(args[0])))
        return type("Sent", (), {"id": f"local-{args[0]}"})()


def default_impulse(
    client: Any, app: LocalQueue, project_id: int, dsp: str, epochs: int, seed: int, board: str
) -> dict[str, Any]:
    impulse = checked(
        client.post(
            f"/api/projects/{project_id}/impulses",
            json={
                "input_block": {"window_size_ms": 1000, "window_increase_ms": 500},
                "dsp_blocks": [{"id": 1, "type": dsp}],
                "learning_blocks": [
                    {
                        "id": 1,
                        "dsp_blocks": [1],
                        "settings": {
                            "epochs": epochs,
                            "learning_rate": 0.005,
                            "batch_size": 32,
                            "seed": seed,
                        },
                    }
                ],
            },
        ),
        201,
    )
    base = f"/api/projects/{project_id}/impulses/{impulse['id']}"
    checked(client.post(f"{base}/features"), 202)
    run_jobs(app)
    started = time.monotonic()
    checked(client.post(f"{base}/learning/1/train"), 202)
    run_jobs(app)
    train_s = time.monotonic() - started
    model = checked(client.get(f"{base}/learning/1/model"), 200)
    estimate = checked(client.get(f"{base}/deployment/estimates", params={"board": board}), 200)
    total = estimate["int8"]["total"]
    return {
        "impulse_id": impulse["id"],
        "accuracy": model["metrics"]["int8"]["accuracy"],
        "float32": model["metrics"]["float32"]["accuracy"],
        "dsp_ms": (estimate["int8"]["dsp"] or {}).get("latency_ms"),
        "model_ms": estimate["int8"]["model"]["latency_ms"],
        "latency_ms": total["latency_ms"],
        "ram_bytes": total["ram_bytes"],
        "flash_bytes": total["flash_bytes"],
        "train_s": train_s,
        "description": f"{dsp} -> {model['learning_block'].get('preset') or 'default preset'}",
    }


def trial_figures(trial: dict[str, Any]) -> dict[str, Any]:
    result = trial["result"] or {}
    cost = result.get("cost") or {}
    config = trial["config"]
    return {
        "accuracy": result["int8"]["accuracy"],
        "float32": result["float32"]["accuracy"],
        "dsp_ms": cost.get("dsp_latency_ms"),
        "model_ms": cost.get("model_latency_ms"),
        "latency_ms": cost.get("latency_ms"),
        "ram_bytes": cost.get("ram_bytes"),
        "flash_bytes": cost.get("flash_bytes"),
        "description": f"#{trial['number']} {config['dsp']['type']} {config['dsp']['params']}; "
        f"{config['network']['description']}; lr {config['learning_rate']:.3g}",
    }


def row(name: str, figures: dict[str, Any]) -> str:
    def ms(value: Any) -> str:
        return "-" if value is None else f"{value:8.2f}"

    return (
        f"{name:<26} {100 * figures['accuracy']:6.2f} % {ms(figures['dsp_ms'])} "
        f"{ms(figures['model_ms'])} {ms(figures['latency_ms'])} "
        f"{(figures['ram_bytes'] or 0) / 1024:8.1f} {(figures['flash_bytes'] or 0) / 1024:8.1f}"
        f"  {figures['description']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["kws", "motion"], default="motion")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--samples", type=int, default=30, help="motion: recordings per gesture")
    parser.add_argument("--board", default="nano33ble")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    import worker.celery_app
    from backend.app import create_app
    from backend.db.migrate import upgrade
    from backend.db.session import set_database_url
    from tests.utils.api import create_project, sign_up, upload

    with tempfile.TemporaryDirectory(prefix="tune-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        os.environ["MCUFORGE_DATA_DIR"] = folder
        upgrade(url)
        set_database_url(url)
        app = LocalQueue()
        worker.celery_app.celery_app = app  # type: ignore[assignment]
        with TestClient(create_app()) as client:
            sign_up(client, "bench")
            project_id = int(create_project(client, f"tune {args.workload}")["id"])
            if args.workload == "kws":
                split, dsp = kws_clips(args.seed), "mfcc"
            else:
                split = {
                    "training": motion_clips(args.samples, args.seed),
                    "testing": motion_clips(max(1, args.samples // 4), args.seed + 1000),
                }
                dsp = "spectral"
            for category, files in split.items():
                for label, named in files.items():
                    for start in range(0, len(named), 200):
                        checked(
                            upload(
                                client,
                                project_id,
                                named[start : start + 200],
                                category=category,
                                label=label,
                            ),
                            200,
                            201,
                        )
            default = default_impulse(
                client, app, project_id, dsp, args.epochs, args.seed, args.board
            )
            started = time.monotonic()
            search = checked(
                client.post(
                    f"/api/projects/{project_id}/tuner/searches",
                    json={
                        "impulse_id": default["impulse_id"],
                        "board": args.board,
                        # Trial 0 is the default impulse itself; then `--trials` searched ones.
                        "max_trials": args.trials + 1,
                        "parallel_trials": 1,
                        "epochs": args.epochs,
                        "seed": args.seed,
                    },
                ),
                202,
            )
            run_jobs(app)
            wall_s = time.monotonic() - started
            search = checked(
                client.get(f"/api/projects/{project_id}/tuner/searches/{search['id']}"), 200
            )

    # Repeats of an earlier configuration were not trained and are no place of the budget.
    repeats = [t for t in search["trials"] if (t["result"] or {}).get("same_as") is not None]
    trials = [t for t in search["trials"] if t not in repeats]
    states: dict[str, int] = {}
    for trial in trials:
        states[trial["state"]] = states.get(trial["state"], 0) + 1
    print(
        f"workload {args.workload}, board {args.board}, {args.epochs} epochs per training; "
        f"{len(trials)} trials ({', '.join(f'{n} {s}' for s, n in sorted(states.items()))}) "
        f"in {wall_s:.0f} s wall ({wall_s / max(1, len(trials)):.1f} s per trial), and "
        f"{len(repeats)} repeated configurations not trained again; "
        f"default trained by its training job in {default['train_s']:.0f} s"
    )
    for trial in repeats:
        print(f"  trial #{trial['number']} same as #{trial['result']['same_as']} (not trained)")
    for trial in trials:
        if trial["state"] in ("failed", "pruned"):
            # In full: settings and reason are what a user reads to act on a failure.
            reason = (trial["result"] or {}).get("reason") or trial["error"] or ""
            config = trial["config"] or {}
            settings = (
                f"{config['dsp']['type']} {config['dsp']['params']}; "
                f"{config['network']['description']}; lr {config['learning_rate']:.3g}"
                if "dsp" in config
                else str(config)
            )
            print(f"  trial #{trial['number']} {trial['state']}: {settings}\n    {reason}")
    print(
        f"{'':<26} {'int8 acc':>8} {'DSP ms':>8} {'model ms':>8} {'total ms':>8} "
        f"{'RAM kB':>8} {'flash kB':>8}"
    )
    print(row("default, training job", default))
    baseline = next((t for t in trials if (t["config"] or {}).get("current_impulse")), None)
    if baseline is None or baseline["state"] != "complete":
        raise SystemExit(
            "trial 0 (the default impulse's own configuration) did not complete: "
            f"{baseline and (baseline['error'] or baseline['result'])}"
        )
    # The reference: the default impulse as trial 0, trained for the same epochs on the same
    # split and measured the same way as every other trial.
    reference = trial_figures(baseline)
    print(row("default, trial 0", reference))
    searched = [t for t in trials if t is not baseline]
    complete = [t for t in searched if t["state"] == "complete" and (t["result"] or {}).get("fits")]
    if not complete:
        print("no searched trial completed that fits the board")
        return
    print("Pareto front of int8 accuracy vs latency (searched trials):")
    for trial in sorted(
        (t for t in searched if t["on_pareto_front"]), key=lambda t: t["latency_ms"] or 0.0
    ):
        print(row("  front", trial_figures(trial)))
    best = trial_figures(
        max(complete, key=lambda t: (t["objective_value"], -(t["latency_ms"] or 0)))
    )
    print(row("best trial (accuracy)", best))
    as_accurate = [t for t in complete if t["objective_value"] >= reference["accuracy"] - 1e-9]
    if as_accurate:
        fastest = trial_figures(min(as_accurate, key=lambda t: t["latency_ms"] or 1e12))
        print(row("fastest as accurate", fastest))
        speedup = reference["latency_ms"] / fastest["latency_ms"]
    else:
        speedup = 0.0
    same_latency = [t for t in complete if (t["latency_ms"] or 1e12) <= reference["latency_ms"]]
    gain = max((t["objective_value"] for t in same_latency), default=0.0) - reference["accuracy"]
    print(
        f"against trial 0, over {len(searched)} searched trials: fastest trial at least as "
        f"accurate {speedup:.2f}x faster; best accuracy at no more latency "
        f"{100 * gain:+.2f} points"
    )
    print(
        f"target (EON Tuner reference): >= 2x faster at equal accuracy, or >= +2 points at "
        f"equal latency, within 30 trials -> "
        f"{'met' if (speedup >= 2 or gain >= 0.02) and len(searched) <= 30 else 'not met'}"
    )


if __name__ == "__main__":
    main()
