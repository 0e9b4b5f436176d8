"""Model testing on a held-out split, live classification, and the notebook that reproduces training."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from tests.learning.conftest import CLASS_NAMES, TrainedClassifier, mfcc_like_dataset
from worker.learning.model_testing import classify_windows, run_model_test
from worker.learning.notebook import export_training_bundle, write_training_notebook
from worker.learning.runner import REPO_ROOT

pytestmark = pytest.mark.slow


def _models(trained: TrainedClassifier) -> tuple[bytes, bytes]:
    artifacts = trained.result.artifacts
    return artifacts.float32_tflite.read_bytes(), artifacts.int8_tflite.read_bytes()


def test_model_test_on_a_new_split(trained_classifier: TrainedClassifier) -> None:
    features, labels = mfcc_like_dataset(20, noise_seed=99)
    result = run_model_test(*_models(trained_classifier), features, labels, CLASS_NAMES)
    assert result.float32.accuracy >= 0.9 and result.int8.accuracy >= 0.9
    assert np.array(result.int8.confusion_matrix).sum() == 60
    assert len(result.samples) == 60
    assert result.differences is not None
    right = [s for s in result.samples if s.int8_prediction == s.label]
    assert len(right) == round(result.int8_accuracy_with_uncertain * 60)


def test_uncertain_threshold_marks_low_confidence_windows(
    trained_classifier: TrainedClassifier,
) -> None:
    features, labels = mfcc_like_dataset(10, noise_seed=5)
    # A window halfway between two class centres is not confidently either.
    blend = (features[labels == 0][:5] + features[labels == 1][:5]) / 2
    strict = run_model_test(
        *_models(trained_classifier),
        np.concatenate([features, blend]),
        np.concatenate([labels, np.zeros(5, int)]),
        CLASS_NAMES,
        uncertain_below=0.999,
    )
    lenient = run_model_test(
        *_models(trained_classifier), features, labels, CLASS_NAMES, uncertain_below=0.0
    )
    assert lenient.uncertain_windows == 0
    assert strict.uncertain_windows > 0
    assert all(s.int8_prediction == -1 for s in strict.samples if s.uncertain)
    assert all(s.int8_confidence < 0.999 for s in strict.samples if s.uncertain)


def test_live_classification_of_a_new_sample(trained_classifier: TrainedClassifier) -> None:
    features, labels = mfcc_like_dataset(3, noise_seed=42)
    windows = classify_windows(_models(trained_classifier)[1], features, CLASS_NAMES)
    assert [w.top for w in windows] == [CLASS_NAMES[i] for i in labels]
    assert set(windows[0].scores) == set(CLASS_NAMES)
    with pytest.raises(ValueError, match=r"50 feature values .*model takes 130"):
        classify_windows(_models(trained_classifier)[1], features[:, :5, :], CLASS_NAMES)


def test_notebook_reproduces_the_training(
    trained_classifier: TrainedClassifier, tmp_path: Path
) -> None:
    workdir = trained_classifier.workdir
    notebook_path = write_training_notebook(workdir)
    notebook = nbformat.read(str(notebook_path), as_version=4)
    nbformat.validate(notebook)
    bundle = export_training_bundle(workdir, tmp_path / "bundle.zip")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "run")
        assert {"training.ipynb", "script.py", "X_train.npy", "y_validation.npy"} <= set(
            archive.namelist()
        )
    # Run the notebook's code cells as one script, away from the repository.
    code = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    code += "\nimport json\nprint('HISTORY', json.dumps(model.history.history))\n"
    (tmp_path / "run" / "notebook.py").write_text(code)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
    completed = subprocess.run(
        [sys.executable, "notebook.py"],
        cwd=tmp_path / "run",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    line = next(x for x in completed.stdout.splitlines() if x.startswith("HISTORY "))
    history = json.loads(line.removeprefix("HISTORY "))
    platform = trained_classifier.result.history
    assert history["loss"] == pytest.approx([epoch["loss"] for epoch in platform], rel=1e-5)
    assert history["val_accuracy"] == pytest.approx([e["val_accuracy"] for e in platform])
    assert (tmp_path / "run" / "model_int8.tflite").stat().st_size > 0
    assert str(REPO_ROOT) not in code
    shutil.rmtree(tmp_path / "run" / "saved_model", ignore_errors=True)
