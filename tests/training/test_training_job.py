"""The training job on a real (tiny) project: per-epoch progress in the log, float32 and int8
metrics, sizes and arena on the model, and the files it stores."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import tflite

from tests.training.conftest import EPOCHS, LABELS, TRAINING_SAMPLES, TrainingWorld, block_url
from tests.worker.jobs_helpers import log_lines, read_job

EPOCH_LINE = re.compile(
    rf"^Epoch (\d+)/{EPOCHS}: loss [\d.]+, accuracy [\d.]+, val_loss [\d.]+, val_accuracy [\d.]+$"
)


def model_of(world: TrainingWorld) -> dict:
    response = world.client.get(f"{block_url(world.project_id, world.impulse_id)}/model")
    assert response.status_code == 200, response.text
    return response.json()


def test_every_epoch_reports_its_loss_and_accuracy_in_the_job_log(world: TrainingWorld) -> None:
    job = read_job(world.train_job_id)
    assert job.state == "succeeded" and job.progress == 100
    epochs = [int(m.group(1)) for line in log_lines(job.id) if (m := EPOCH_LINE.match(line))]
    assert epochs == list(range(1, EPOCHS + 1))
    assert job.result is not None and job.result["epochs"] == EPOCHS


def test_validation_holds_out_whole_samples_of_every_label(world: TrainingWorld) -> None:
    lines = [line for line in log_lines(world.train_job_id) if line.startswith("Training on ")]
    match = re.match(
        r"Training on (\d+) windows of (\d+) samples, validating on (\d+) windows of (\d+) samples",
        lines[0],
    )
    assert match, lines
    train_windows, train_samples, validation_windows, validation_samples = map(int, match.groups())
    assert train_samples + validation_samples == len(LABELS) * TRAINING_SAMPLES
    # Each label holds out round(20 %) of its samples, at least one.
    held_per_label = max(1, round(0.2 * TRAINING_SAMPLES))
    assert validation_samples == len(LABELS) * min(held_per_label, TRAINING_SAMPLES - 1)
    metrics = model_of(world)["metrics"]
    assert (metrics["training_windows"], metrics["validation_windows"]) == (
        train_windows,
        validation_windows,
    )


def test_the_model_has_float32_and_int8_metrics_side_by_side(world: TrainingWorld) -> None:
    model = model_of(world)
    assert model["class_names"] == list(LABELS)
    assert model["input_shape"][1] == 8  # frames x 8 MFCC coefficients
    metrics = model["metrics"]
    validation_windows = metrics["validation_windows"]
    for precision in ("float32", "int8"):
        numbers = metrics[precision]
        assert 0.0 <= numbers["accuracy"] <= 1.0
        assert np.asarray(numbers["confusion_matrix"]).shape == (3, 3)
        assert np.sum(numbers["confusion_matrix"]) == validation_windows
        assert [c["name"] for c in numbers["per_class"]] == list(LABELS)
    # Pitches this far apart are easy: even a few epochs separate most windows.
    assert metrics["float32"]["accuracy"] >= 0.6
    assert metrics["differences"]["accuracy"] == (
        metrics["int8"]["accuracy"] - metrics["float32"]["accuracy"]
    )
    assert [sorted(epoch) for epoch in model["history"]] == [
        ["accuracy", "loss", "val_accuracy", "val_loss"]
    ] * EPOCHS
    sizes = model["sizes"]
    assert sizes["int8"]["flatbuffer_bytes"] < sizes["float32"]["flatbuffer_bytes"]
    assert model["int8_model_bytes"] == sizes["int8"]["flatbuffer_bytes"]
    assert model["mac_count"] > 1000
    assert model["tflm_arena_bytes"] > 0


def test_downloads_are_the_models_script_and_notebook(world: TrainingWorld) -> None:
    model = model_of(world)
    listing = world.client.get(f"/api/projects/{world.project_id}/models/{model['id']}/artifacts")
    assert listing.status_code == 200
    artifacts = {a["kind"]: a for a in listing.json()["data"]}
    assert sorted(artifacts) == [
        "notebook-zip",
        "savedmodel-zip",
        "tflite-float32",
        "tflite-int8",
        "training-script",
    ]
    files = {}
    for kind, artifact in artifacts.items():
        response = world.client.get(
            f"/api/projects/{world.project_id}/artifacts/{artifact['id']}/download"
        )
        assert response.status_code == 200
        assert artifact["file_name"] in response.headers["content-disposition"]
        assert len(response.content) == artifact["size_bytes"]
        files[kind] = response.content
    for kind, expected_type in (
        ("tflite-float32", tflite.TensorType.FLOAT32),
        ("tflite-int8", tflite.TensorType.INT8),
    ):
        assert files[kind][4:8] == b"TFL3"
        graph = tflite.Model.GetRootAsModel(files[kind], 0).Subgraphs(0)
        assert graph.Tensors(graph.Inputs(0)).Type() == expected_type
    with zipfile.ZipFile(io.BytesIO(files["savedmodel-zip"])) as archive:
        assert any(name.endswith("saved_model.pb") for name in archive.namelist())
    with zipfile.ZipFile(io.BytesIO(files["notebook-zip"])) as archive:
        names = archive.namelist()
        assert {"training.ipynb", "X_train.npy", "y_train.npy"} <= set(names)
        notebook = json.loads(archive.read("training.ipynb"))
        assert notebook["nbformat"] == 4
    script = files["training-script"].decode()
    assert "layers.Conv1D(" in script and "model.fit(" in script
