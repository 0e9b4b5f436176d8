"""The workload matrix at realistic size: for each workload x network (every preset that fits
the features, and an expert script), float32 and int8 test accuracy (or MAE), the int8 drop,
training time, int8 model size, TFLM arena, and whether the C++ SDK built on the host agrees
with the platform on every test window (the network each workload deploys; the others: "-"):
windows that agree, how many of them are identical, and how many had int8 model inputs a step
apart (the README's workload matrix paragraph says why that can happen and what it may cost).

Run: .venv/bin/python bench/workloads.py [--samples 100] [--epochs N] [--learning-rate R]
     [--only NAME] [--speech]
The same workloads, data generators and API/job calls as tests/workloads/test_matrix.py (upload
through the HTTP API in-process, features, training, testing and deployment run by the worker's
job functions on the jobs the API wrote, against SQLite), with `--samples` training samples per
label and a quarter as many for testing. Each network trains with the settings a user gets by
default (its preset's epochs and learning rate, worker/learning/architectures.py PRESET_SETTINGS;
TrainingSettings' for the expert script), batch 32, unless --epochs / --learning-rate say. --speech makes the keyword row spoken words from
espeak-ng (bench/kws.py's dataset, 540 words + 90 noise clips) instead of generated tones.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SCORE_TOLERANCE = 1.0 / 256.0
VALUE_TOLERANCE = 1e-5


def metric(results: dict[str, Any], precision: str, regression: bool) -> float:
    part = results[precision]
    return float(part["mean_absolute_error"] if regression else part["accuracy"] * 100)


def agreement(host: np.ndarray, platform: np.ndarray, regression: bool,
              anomaly: tuple[np.ndarray, np.ndarray] | None,
              inputs: tuple[np.ndarray, np.ndarray] | None = None) -> str:
    """'n/n' windows where the device agrees (label equal and scores within 1/256, or value and
    anomaly score within 1e-5), then how many of them are identical (every score bit for bit) and
    how many windows' int8 inputs differ (the device's features and the platform's quantised with
    the model's input scale: a feature within the DSP's float difference of a rounding boundary
    lands one step apart, which the model may pass on to its scores)."""
    if regression:
        ok = np.abs(host - platform).max(axis=1) <= VALUE_TOLERANCE
    else:
        ok = (host.argmax(axis=1) == platform.argmax(axis=1)) & (
            np.abs(host - platform).max(axis=1) <= SCORE_TOLERANCE)
    identical = np.all(host == platform, axis=1)
    worst = ""
    if anomaly is not None:
        off = np.abs(anomaly[0] - anomaly[1])
        ok &= off <= VALUE_TOLERANCE
        identical &= off == 0
        # How far off, relative to the score: float32 K-means on the device vs float64 here.
        worst = f" (anomaly: worst {off.max():.2g}, {np.max(off / np.maximum(1e-9, np.abs(anomaly[1]))):.2g} relative)"
    detail = f", {int(identical.sum())} identical"
    if inputs is not None:
        steps = np.abs(inputs[0].astype(np.int32) - inputs[1].astype(np.int32))
        apart = steps.max(axis=1) > 0
        detail += (f", {int(apart.sum())} with int8 inputs apart (up to {int(steps.max())} step,"
                   f" {int((steps > 0).sum())} of {steps.size} inputs)")
    return f"{int(ok.sum())}/{len(ok)}" + detail + ("" if ok.all() else worst)


def speech_files(seed: int) -> tuple[Any, Any]:
    """bench/kws.py's espeak-ng dataset as the matrix's {label: files} for training and testing."""
    from bench.kws import build_dataset

    split: dict[str, dict[str, list[tuple[str, bytes]]]] = {"training": {}, "testing": {}}
    for name, category, data in build_dataset(seed):
        split[category].setdefault(name.split(".")[0], []).append((name, data))
    return split["training"], split["testing"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100, help="training samples per label")
    parser.add_argument("--epochs", type=int, help="instead of each preset's default")
    parser.add_argument("--learning-rate", type=float, help="instead of each preset's default")
    parser.add_argument("--only", help="only the workloads whose name contains one of these (comma-separated)")
    parser.add_argument("--speech", action="store_true", help="espeak-ng words for keywords")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    import worker.celery_app
    from backend.app import create_app
    from backend.db.migrate import upgrade
    from backend.db.session import set_database_url
    from tests.utils.api import create_project, sign_up
    from tests.workloads.matrix import (
        EXPERT,
        WORKLOADS,
        build_target,
        features_shape,
        host_rows,
        int8_inputs_of_both,
        platform_windows,
        presets,
        run_model_testing,
        train_network,
        upload_files,
    )
    from worker.celery_app import make_celery_app

    settings: dict[str, Any] = {"batch_size": 32, "seed": args.seed}
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.learning_rate is not None:
        settings["learning_rate"] = args.learning_rate
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="workloads-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        set_database_url(url)
        worker.celery_app.celery_app = make_celery_app(redis_url=None, data_dir=Path(folder))
        with TestClient(create_app()) as client:
            sign_up(client, "bench")
            for workload in WORKLOADS:
                wanted = [part.strip().lower() for part in (args.only or "").split(",") if part]
                if wanted and not any(part in workload.name.lower() for part in wanted):
                    continue
                regression = workload.task == "regression"
                project_id = int(create_project(client, workload.name[:40])["id"])
                if args.speech and "keyword" in workload.name:
                    training, testing = speech_files(args.seed)
                else:
                    training = workload.files(args.samples, args.seed)
                    testing = workload.files(max(1, args.samples // 4), args.seed + 1000)
                upload_files(client, project_id, training, "training", regression)
                upload_files(client, project_id, testing, "testing", regression)
                labels = sorted(training) if not regression else ["value"]
                deployed = train_network(client, workload, project_id, workload.deployed,
                                         settings)
                offered = presets(client, features_shape(client, project_id, deployed.impulse_id))
                networks = [workload.deployed] + [
                    name for name, why in offered.items()
                    if why is None and name != workload.deployed] + [EXPERT]
                for network in networks:
                    try:
                        trained = deployed if network == workload.deployed else train_network(
                            client, workload, project_id, network, settings)
                    except AssertionError as failed:  # the job failed: its reason is the row
                        reason = str(failed).split("failed: ")[-1][:100]
                        rows.append((workload.name, network, f"training failed: {reason}",
                                     *[""] * 6))
                        print(" | ".join(rows[-1]), flush=True)
                        continue
                    results = run_model_testing(client, trained)
                    model = client.get(
                        f"/api/projects/{project_id}/impulses/{trained.impulse_id}/learning/1/model"
                    ).json()
                    agree = "-"
                    if network == workload.deployed:
                        platform = platform_windows(client, trained, labels)
                        host = host_rows(build_target(client, trained, "cpp-sdk"),
                                         Path(tempfile.mkdtemp(dir=folder)), platform.raw,
                                         len(labels))
                        anomaly = None if platform.anomaly is None else (
                            host[:, len(labels)], platform.anomaly)
                        # The host row: scores (or the value), anomaly, anomalous, value, features.
                        inputs = int8_inputs_of_both(client, trained, host[:, len(labels) + 3:])
                        agree = agreement(host[:, : len(labels)], platform.scores, regression,
                                          anomaly, inputs)
                    f32, i8 = (metric(results, p, regression) for p in ("float32", "int8"))
                    drop = (i8 - f32) if regression else (f32 - i8)
                    rows.append((
                        workload.name, network,
                        f"{f32:.3f}" if regression else f"{f32:.1f} %",
                        f"{i8:.3f}" if regression else f"{i8:.1f} %",
                        f"{drop:+.3f}" if regression else f"{drop:+.1f} pt",
                        f"{trained.train_seconds:.1f}", str(model.get("int8_model_bytes")),
                        str(model.get("tflm_arena_bytes")), agree,
                    ))
                    print(" | ".join(rows[-1]), flush=True)
    header = ("workload", "network", "float32 acc/MAE", "int8 acc/MAE", "int8 drop",
              "training s", "model bytes", "arena bytes", "device = platform")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
