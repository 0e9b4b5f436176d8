"""Expert scripts in the sandbox: every way a script can fail ends in a TrainingError with its
traceback, and the sandbox does not see the server's secrets."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require
from tests.learning.conftest import CLASS_NAMES, TEST_LIMITS, mfcc_like_dataset
from worker.learning import sandbox_launcher
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.reporting import RecordingReporter
from worker.learning.runner import RunLimits, sandbox_environment
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

SETTINGS = TrainingSettings(
    epochs=2, batch_size=16, balance_classes=True, early_stopping_patience=5
)

TINY_MODEL = """
import tf_keras as keras
model = keras.Sequential([
    keras.Input(shape=input_shape),
    keras.layers.Flatten(),
    keras.layers.Dense(NUM_OUTPUTS, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""


def _run_expert(
    tmp_path: Path,
    script: str,
    *,
    limits: RunLimits = TEST_LIMITS,
    reporter: RecordingReporter | None = None,
    windows_per_class: int = 18,
) -> None:
    features, labels = mfcc_like_dataset(windows_per_class)
    # Windows per class 6, 12, 18: unbalanced, so balancing gives distinct weights.
    keep = np.r_[
        np.flatnonzero(labels == 0)[:6],
        np.flatnonzero(labels == 1)[:12],
        np.flatnonzero(labels == 2),
    ]
    block = LearningBlockSpec(expert_script=script)
    train(
        features[keep],
        labels[keep],
        CLASS_NAMES,
        block,
        SETTINGS,
        tmp_path,
        reporter,
        limits=limits,
        measure_arena=False,
    )


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(TrainingError) as caught:
        _run_expert(tmp_path, "import tf_keras as keras\nmodel = keras.Sequential(\n")
    assert "syntax error on line" in caught.value.message
    assert "SyntaxError" in caught.value.log


def test_an_exception_in_the_script_carries_its_traceback(tmp_path: Path) -> None:
    script = "x = 1\n\ndef build():\n    raise ValueError('the kernel size is wrong')\n\nbuild()\n"
    with pytest.raises(TrainingError) as caught:
        _run_expert(tmp_path, script)
    assert caught.value.message == "the training script raised ValueError: the kernel size is wrong"
    assert "Traceback" in caught.value.log
    assert 'script.py", line 6' in caught.value.log
    assert "raise ValueError('the kernel size is wrong')" in caught.value.log


def test_a_script_without_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="without defining a global `model`"):
        _run_expert(tmp_path, "import tf_keras as keras\nnet = None\n")


def test_a_model_with_the_wrong_output_shape_is_refused(tmp_path: Path) -> None:
    # Trains a right model, then leaves another one in `model`.
    script = TINY_MODEL.replace("NUM_OUTPUTS", "num_classes")
    script += "model.fit(train_dataset, epochs=1, callbacks=callbacks, verbose=0)\n"
    script += "model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),"
    script += " keras.layers.Dense(num_classes + 1)])\n"
    with pytest.raises(TrainingError, match=r"output shape is \(None, 4\).*3 classes"):
        _run_expert(tmp_path, script)


def test_a_keras_error_is_summed_up_in_one_line(tmp_path: Path) -> None:
    script = TINY_MODEL.replace("NUM_OUTPUTS", "num_classes + 1")
    script += "model.fit(train_dataset, epochs=1, callbacks=callbacks, verbose=0)\n"
    with pytest.raises(TrainingError) as caught:
        _run_expert(tmp_path, script)
    assert caught.value.message == (
        "the training script raised ValueError: Shapes (None, 3) and (None, 4) are incompatible"
    )
    assert "in user code" in caught.value.log and 'script.py", line 9' in caught.value.log


def test_an_untrained_model_is_refused(tmp_path: Path) -> None:
    script = TINY_MODEL.replace("NUM_OUTPUTS", "num_classes")
    with pytest.raises(TrainingError, match=r"never trained.*callbacks=callbacks"):
        _run_expert(tmp_path, script)


def test_a_script_past_the_time_limit_is_stopped(tmp_path: Path) -> None:
    limits = RunLimits(time_limit_s=3, threads=1)
    started = time.monotonic()
    with pytest.raises(TrainingError, match="past its time limit of 3 s"):
        _run_expert(tmp_path, "import time\ntime.sleep(600)\n", limits=limits)
    assert time.monotonic() - started < 30


def test_a_script_past_the_time_limit_in_bubblewrap_is_stopped_with_all_it_started(
    tmp_path: Path,
) -> None:
    limits = RunLimits(time_limit_s=3, threads=1, isolation="bubblewrap")
    probe = sandbox_launcher.probe(limits.bwrap_path)
    require(probe.available, f"bubblewrap is {probe.describe()}")
    # A grandchild in a session of its own escapes a process-group kill, not the pid namespace.
    script = (
        "import subprocess, time\n"
        "subprocess.Popen(['/usr/bin/sleep', '608.321'], start_new_session=True)\n"
        "time.sleep(600)\n"
    )
    with pytest.raises(TrainingError, match="past its time limit of 3 s"):
        _run_expert(tmp_path, script, limits=limits)
    time.sleep(0.5)  # the kernel reaps the namespace's processes after its init dies
    survivors = subprocess.run(["pgrep", "-f", "sleep 608.321"], capture_output=True)
    assert survivors.stdout == b""


def test_a_script_over_the_memory_limit_fails_clearly(tmp_path: Path) -> None:
    limits = RunLimits(time_limit_s=300, memory_limit_bytes=6 * 2**30, threads=1)
    with pytest.raises(TrainingError, match="ran out of memory"):
        _run_expert(tmp_path, "hoard = bytearray(8 * 2**30)\n", limits=limits)


def test_sandbox_contract_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker's environment holds secrets; the script must see none of them.
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:hunter2@db/mcuforge")
    monkeypatch.setenv("MCUFORGE_SECRET_KEY", "s3cret-key")
    monkeypatch.setenv("REDIS_URL", "redis://db:6379/0")
    script = (
        "import os\n"
        "print('ENV', sorted(os.environ))\n"
        "print('CONTRACT', input_shape, num_classes, settings.epochs, settings.class_weight)\n"
        "print('FILES', sorted(os.listdir('.')))\n"
        "print('CALLBACKS', [type(c).__name__ for c in callbacks])\n"
        + TINY_MODEL.replace("NUM_OUTPUTS", "num_classes")
        + "model.fit(train_dataset, validation_data=validation_dataset, epochs=settings.epochs,"
        " class_weight=settings.class_weight, callbacks=callbacks, verbose=0)\n"
    )
    reporter = RecordingReporter()
    _run_expert(tmp_path, script, reporter=reporter)
    output = "\n".join(reporter.lines)
    assert "hunter2" not in output and "s3cret-key" not in output
    assert "cuInit" not in output and "absl::InitializeLog" not in output  # start-up noise
    env_line = next(line for line in reporter.lines if line.startswith("ENV "))
    for secret in ("DATABASE_URL", "MCUFORGE_SECRET_KEY", "REDIS_URL"):
        assert secret not in env_line
    assert "'HOME'" in env_line
    contract = next(line for line in reporter.lines if line.startswith("CONTRACT "))
    # 6/12/18 windows, 0.2 held out: 5/10/14 train windows -> weights 29/(3*n).
    assert contract.startswith("CONTRACT (13, 10) 3 2 {0: 1.933")
    assert "1: 0.966" in contract and "2: 0.690" in contract
    files_line = next(line for line in reporter.lines if line.startswith("FILES "))
    assert "X_train.npy" in files_line and "X_validation.npy" in files_line
    callbacks_line = next(line for line in reporter.lines if line.startswith("CALLBACKS "))
    assert "EarlyStopping" in callbacks_line  # early_stopping_patience=5 adds it for any script
    assert reporter.progress_calls == [(1, 2), (2, 2)]


def test_sandbox_environment_is_built_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///secret.db")
    environment = sandbox_environment(tmp_path, threads=1)
    assert "DATABASE_URL" not in environment
    assert environment["HOME"] == str(tmp_path)
    assert environment["TF_USE_LEGACY_KERAS"] == "1"
    assert environment["TF_NUM_INTRAOP_THREADS"] == "1"
