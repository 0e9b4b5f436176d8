"""Benchmark of the training sandbox: the cost of bubblewrap per training run.

Run: .venv/bin/python bench/sandbox.py [--repeats 5] [--tf-repeats 2]
Two runs through `run_sandbox`, each in a plain limited process and in bubblewrap:
- start-up: a script with a syntax error, which the child rejects before importing TensorFlow,
  so the time is the launch (bubblewrap's namespaces and mounts, the interpreter) and nothing else;
- a trivial training: a one-layer network, 24 windows, 1 epoch, saved and quantized.
Repeats alternate between the two and the best of each is kept (these machines are shared).
The target is an overhead under 0.5 s per job.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from worker.learning.errors import TrainingError  # noqa: E402
from worker.learning.runner import RunLimits, run_sandbox, write_workdir  # noqa: E402
from worker.learning.sandbox_launcher import probe  # noqa: E402

SYNTAX_ERROR = "def (:\n"
TINY_TRAINING = """
import tf_keras as keras
model = keras.Sequential([
    keras.Input(shape=input_shape),
    keras.layers.Flatten(),
    keras.layers.Dense(num_classes, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_dataset, validation_data=validation_dataset, epochs=1, callbacks=callbacks,
          verbose=0)
"""
JOB = {
    "task": "classification",
    "input_shape": [13, 10],
    "num_classes": 3,
    "settings": {
        "epochs": 1,
        "learning_rate": 0.01,
        "batch_size": 8,
        "class_weight": None,
        "seed": 1,
    },
    "augmentation": None,
    "early_stopping_patience": None,
    "representative_samples": 10,
}


def one_run(script: str, limits: RunLimits) -> float:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 13, 10)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(30) % 3]
    with tempfile.TemporaryDirectory(prefix="mcuforge-bench-") as scratch:
        workdir = Path(scratch) / "run"
        write_workdir(
            workdir,
            script=script,
            job=JOB,
            x_train=x[:24],
            y_train=y[:24],
            x_validation=x[24:],
            y_validation=y[24:],
        )
        started = time.perf_counter()
        try:
            run_sandbox(workdir, limits=limits)
        except TrainingError as error:
            if script != SYNTAX_ERROR:
                raise
            assert "syntax error" in error.message, error.message
        return time.perf_counter() - started


def best_of(script: str, repeats: int, limits: RunLimits) -> dict[str, float]:
    times: dict[str, list[float]] = {"process": [], "bubblewrap": []}
    for _ in range(repeats):
        for isolation in times:
            run_limits = dataclasses.replace(limits, isolation=isolation)  # type: ignore[arg-type]
            times[isolation].append(one_run(script, run_limits))
    return {isolation: min(values) for isolation, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="start-up runs (at least 1)")
    parser.add_argument(
        "--tf-repeats", type=int, default=2, help="training runs; 0 leaves that row out"
    )
    args = parser.parse_args()
    limits = RunLimits(time_limit_s=300, threads=1)
    available = probe(limits.bwrap_path)
    if not available.available:
        sys.exit(f"bubblewrap is {available.describe()}")
    rows = [("start-up (syntax error, no TF)", best_of(SYNTAX_ERROR, max(1, args.repeats), limits))]
    if args.tf_repeats > 0:
        rows.append(
            ("tiny training (1 epoch + int8)", best_of(TINY_TRAINING, args.tf_repeats, limits))
        )
    print(f"{'run':34} {'process s':>10} {'bubblewrap s':>13} {'overhead s':>11}")
    for name, best in rows:
        overhead = best["bubblewrap"] - best["process"]
        print(f"{name:34} {best['process']:10.3f} {best['bubblewrap']:13.3f} {overhead:11.3f}")


if __name__ == "__main__":
    main()
