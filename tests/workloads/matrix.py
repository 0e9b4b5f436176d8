"""The workload matrix's parts, shared by tests/workloads/test_matrix.py (tiny data) and
bench/workloads.py (realistic size): each workload's generated data, its impulse, and the runs
through the API (upload, features, train, test, deploy) with the in-process worker (`run_job` on
the job row the API wrote, as tests/training does)."""

from __future__ import annotations

import io
import json
import subprocess
import time
import wave
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db.models import Impulse, Sample, TrainedModel
from backend.db.session import get_sessionmaker
from tests.deploy.conftest import host_driver, make_sdk
from tests.deploy.test_fusion_sdk import fusion_windows
from tests.deploy.test_image_sdk import frames
from tests.deploy.test_wasm import NODE_DRIVER
from tests.training.conftest import RATE_HZ, block_url, clip_wav, generate_features, impulse_url
from tests.training.test_expert_script import FLAT_SOFTMAX
from tests.utils.api import upload
from tests.worker.jobs_helpers import log_lines
from worker.deployment.job import run_build_deployment
from worker.deployment.targets import TARGETS
from worker.job_runtime import run_job
from worker.training.classify import sample_features
from worker.training.test_job import model_file, run_test_model
from worker.training.train_job import run_train_model

MOTION_HZ = 50.0
# Regression: the amplitude of a shake along X, the target of each sample.
AMPLITUDES = ("0.5", "1.5", "2.5")
# Expert mode for regression: one linear unit over the flattened features, mean squared error.
FLAT_LINEAR = '''\
"""Expert script: one linear unit over the flattened features."""
import tf_keras as keras
from tf_keras import layers

keras.utils.set_random_seed(settings.seed)
model = keras.Sequential([keras.Input(shape=input_shape), layers.Flatten(), layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate), loss="mse")
model.fit(train_dataset, validation_data=validation_dataset, epochs=2, callbacks=callbacks, verbose=0)
'''
EXPERT = "expert script"


def motion_csv(window: np.ndarray, axes: tuple[str, ...]) -> bytes:
    """A CSV upload of one (rows, axes) recording at MOTION_HZ."""
    lines = ["timestamp," + ",".join(axes)]
    for row, values in enumerate(window):
        lines.append(f"{row * 1000.0 / MOTION_HZ:g}," + ",".join(f"{v:.5f}" for v in values))
    return ("\n".join(lines) + "\n").encode()


def png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


Files = dict[str, list[tuple[str, bytes]]]  # label -> files


def audio_files(per_label: int, seed: int) -> Files:
    return {label: [(f"{label}.{seed}.{i}.wav", clip_wav(label, seed * 1000 + i))
                    for i in range(per_label)] for label in ("high", "low", "noise")}


def float_audio_files(per_label: int, seed: int) -> Files:
    """The tones as float audio in [-1, 1] (a CSV of one `audio` axis at 8 kHz), for MFE or
    spectrogram with `full_scale` 1."""
    files: Files = {}
    for label in ("high", "low", "noise"):
        files[label] = []
        for i in range(per_label):
            with wave.open(io.BytesIO(clip_wav(label, seed * 1000 + i))) as reader:
                pcm = np.frombuffer(reader.readframes(reader.getnframes()), "<i2")
            lines = ["timestamp,audio"] + [f"{k / RATE_HZ * 1000:g},{v / 32768:.6f}"
                                            for k, v in enumerate(pcm)]
            files[label].append((f"{label}.{seed}.{i}.csv", ("\n".join(lines) + "\n").encode()))
    return files


def motion_files(per_label: int, seed: int, labels: tuple[str, ...] = ("still", "shake"),
                 axes: int = 3) -> Files:
    """Fusion windows (tests/deploy/test_fusion_sdk.py) as CSV recordings of 2 s."""
    names = ("accX", "accY", "accZ", "temp")[:axes]
    windows = fusion_windows(per_label, seed)
    order = ("still", "shake", "warm")
    return {label: [(f"{label}.{seed}.{i}.csv",
                     motion_csv(windows[order.index(label) * per_label + i, :, :axes], names))
                    for i in range(per_label)] for label in labels}


def six_axis_files(per_label: int, seed: int) -> Files:
    """Accelerometer and gyroscope: the fusion windows' still and shake on accX/Y/Z, and on
    gyrX/Y/Z a rotation rate wobbling with the shake (noise when still)."""
    rng = np.random.default_rng(seed + 7)
    windows = fusion_windows(per_label, seed)[: 2 * per_label, :, :3]
    t = np.arange(windows.shape[1]) / MOTION_HZ
    names = ("accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ")
    files: Files = {}
    for k, label in enumerate(("still", "shake")):
        files[label] = []
        for i in range(per_label):
            gyro = rng.normal(0.0, 0.02, (len(t), 3))
            if label == "shake":
                gyro[:, 2] += rng.uniform(0.5, 1.5) * np.sin(2 * np.pi * rng.uniform(2, 4) * t)
            window = np.concatenate([windows[k * per_label + i], gyro], axis=1)
            files[label].append((f"{label}.{seed}.{i}.csv", motion_csv(window, names)))
    return files


def shake_files(per_label: int, seed: int) -> Files:
    """Regression: 2 s of a 3 Hz shake on X of the target's amplitude, gravity on Z."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(2 * MOTION_HZ)) / MOTION_HZ
    files: Files = {}
    for amplitude in AMPLITUDES:
        files[amplitude] = []
        for i in range(per_label):
            window = rng.normal(0.0, 0.05, (len(t), 3))
            window[:, 0] += float(amplitude) * np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6))
            window[:, 2] += 9.81
            files[amplitude].append(
                (f"shake{amplitude}.{seed}.{i}.csv", motion_csv(window, ("accX", "accY", "accZ"))))
    return files


def image_files(per_label: int, seed: int) -> Files:
    """Stripes across, stripes down, noise (tests/deploy/test_image_sdk.py) of 12 x 9 pixels."""
    images = frames((9, 12, 3), per_label, seed)
    labels = ("horizontal", "vertical", "blank")
    return {label: [(f"{label}.{seed}.{i}.png", png(images[k * per_label + i]))
                    for i in range(per_label)] for k, label in enumerate(labels)}


AUDIO_INPUT = {"window_size_ms": 500, "window_increase_ms": 250, "zero_pad": False}
MOTION_INPUT = {"window_size_ms": 1000, "window_increase_ms": 500, "zero_pad": False}


@dataclass(frozen=True)
class Workload:
    name: str
    files: Callable[[int, int], Files]
    input_block: dict[str, Any]
    dsp_blocks: list[dict[str, Any]]
    task: str = "classifier"  # or regression
    anomaly: bool = False  # a K-means block beside the classifier, on the same features
    # The preset each workload deploys and builds on the host (one build per workload).
    deployed: str = "dense_spectral"

    @property
    def labels_are_values(self) -> bool:
        return self.task == "regression"


WORKLOADS = [
    Workload("keyword audio (MFCC)", audio_files, AUDIO_INPUT,
             [{"id": 1, "type": "mfcc", "params": {"n_coefficients": 8}}], deployed="conv1d_audio"),
    Workload("audio events (MFE)", audio_files, AUDIO_INPUT,
             [{"id": 1, "type": "mfe", "params": {}}], deployed="conv2d_audio"),
    Workload("6-axis motion (spectral)", six_axis_files, MOTION_INPUT,
             [{"id": 1, "type": "spectral", "params": {}}]),
    Workload("3-axis regression (spectral)", shake_files, MOTION_INPUT,
             [{"id": 1, "type": "spectral", "params": {}}], task="regression"),
    Workload("image (Conv2D)", image_files, {"type": "image"},
             [{"id": 1, "type": "image", "params": {"width": 12, "height": 9}}],
             deployed="mobilenet_images"),
    Workload("motion + K-means anomaly", lambda n, s: motion_files(n, s), MOTION_INPUT,
             [{"id": 1, "type": "spectral", "params": {}}], anomaly=True),
    Workload("sensor fusion (spectral + raw)",
             lambda n, s: motion_files(n, s, ("still", "shake", "warm"), axes=4), MOTION_INPUT,
             [{"id": 1, "type": "spectral", "axes": ["accX", "accY", "accZ"], "params": {}},
              {"id": 2, "type": "raw", "axes": ["temp"], "params": {"scale_axes": 0.05}}]),
]


def upload_files(client: TestClient, project_id: int, files: Files, category: str,
                 values: bool) -> None:
    for label, named in files.items():
        # Regression targets are given as the label, as tests/deploy/test_deployment_kinds.py.
        response = upload(client, project_id, named, category=category, label=label)
        assert response.status_code in (200, 201), response.text


def features_shape(client: TestClient, project_id: int, impulse_id: int) -> tuple[int, ...]:
    """The learning block's input: one block's shape, or several blocks' flat features joined."""
    summary = client.get(f"{impulse_url(project_id, impulse_id)}/features").json()
    shapes = [tuple(block["shape"]) for block in summary["blocks"]]
    if len(shapes) == 1:
        return shapes[0]
    return (sum(int(np.prod(shape)) for shape in shapes),)


def presets(client: TestClient, shape: tuple[int, ...]) -> dict[str, str | None]:
    """Preset name -> None when it fits the input shape, else the reason it is not offered."""
    response = client.get("/api/learning-presets",
                          params={"input_shape": ",".join(map(str, shape))})
    assert response.status_code == 200, response.text
    return {p["name"]: (None if p["layers"] is not None else p["error"])
            for p in response.json()["data"]}


@dataclass
class Trained:
    project_id: int
    impulse_id: int
    network: str
    train_seconds: float
    model: dict[str, Any] = field(default_factory=dict)


def train_network(client: TestClient, workload: Workload, project_id: int, network: str,
                  settings: dict[str, Any]) -> Trained:
    """An impulse of `workload` with `network` (a preset or EXPERT), its features generated
    and its blocks trained through the API; the anomaly block after the network."""
    learning: dict[str, Any] = {"id": 1, "type": workload.task, "settings": settings,
                                "dsp_blocks": [b["id"] for b in workload.dsp_blocks]}
    if network != EXPERT:
        learning["preset"] = network
    blocks = [learning]
    if workload.anomaly:
        blocks.append({"id": 2, "type": "anomaly", "dsp_blocks": [1], "anomaly": {"clusters": 3}})
    response = client.post(impulse_url(project_id), json={
        "name": network[:100], "input_block": workload.input_block,
        "dsp_blocks": workload.dsp_blocks, "learning_blocks": blocks})
    assert response.status_code == 201, response.text
    impulse_id = int(response.json()["id"])
    if network == EXPERT:
        script = FLAT_LINEAR if workload.task == "regression" else FLAT_SOFTMAX
        put = client.put(f"{block_url(project_id, impulse_id)}/script", json={"script": script})
        assert put.status_code == 200, put.text
    generate_features(client, project_id, impulse_id)
    seconds = 0.0
    for block in blocks:
        response = client.post(f"{block_url(project_id, impulse_id, block['id'])}/train")
        assert response.status_code == 202, response.text
        job_id = int(response.json()["id"])
        start = time.perf_counter()
        state = run_job(job_id, run_train_model)
        seconds += time.perf_counter() - start
        assert state == "succeeded", (workload.name, network, "\n".join(log_lines(job_id)[-15:]))
    model = client.get(f"{block_url(project_id, impulse_id)}/model").json()
    return Trained(project_id, impulse_id, network, seconds, model)


def run_model_testing(client: TestClient, trained: Trained) -> dict[str, Any]:
    """Model testing on the test split (int8 and float32); the stored results."""
    base = block_url(trained.project_id, trained.impulse_id)
    response = client.post(f"{base}/test", json={"uncertain_below": 0.0})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert run_job(job_id, run_test_model) == "succeeded", log_lines(job_id)[-15:]
    return dict(client.get(f"{base}/test-results").json()["results"])


def build_target(client: TestClient, trained: Trained, target: str) -> bytes:
    """One deployment build through the API and its job; the zip (or model file) it made."""
    url = f"{impulse_url(trained.project_id, trained.impulse_id)}/deployment"
    precision = TARGETS[target].precisions[0]
    response = client.post(f"{url}/build", json={"target": target, "precision": precision})
    assert response.status_code == 202, (target, response.text)
    job_id = response.json()["id"]
    jobs = f"/api/projects/{trained.project_id}/jobs/{job_id}"
    assert run_job(job_id, run_build_deployment) == "succeeded", (
        target, client.get(jobs).json().get("error"))
    artifact = client.get(jobs).json()["result"]["artifact_id"]
    download = client.get(f"{url}/builds/{artifact}/download")
    assert download.status_code == 200
    return download.content


@dataclass
class PlatformWindows:
    """The platform's live classification of test samples, window by window (int8 on TFLM)."""

    raw: np.ndarray  # (windows, values of one raw window)
    scores: np.ndarray  # (windows, labels), or (windows, 1) of regression values
    anomaly: np.ndarray | None
    truth: list[str]


def platform_windows(client: TestClient, trained: Trained, labels: list[str]) -> PlatformWindows:
    samples = client.get(f"/api/projects/{trained.project_id}/samples",
                         params={"category": "testing", "limit": 1000}).json()["data"]
    base = block_url(trained.project_id, trained.impulse_id)
    raw, scores, anomaly, truth = [], [], [], []
    for sample in samples:
        response = client.post(f"{base}/classify",
                               json={"sample_id": sample["id"], "include_windows": True})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["raw_windows"] is not None, result.get("raw_windows_note")
        raw += result["raw_windows"]
        for window in result["windows"]:
            if window.get("scores"):
                scores.append([window["scores"][label] for label in labels])
            else:
                scores.append([window["value"]])
            anomaly.append(window.get("anomaly"))
            truth.append(sample["label"])
    return PlatformWindows(
        np.array(raw, dtype=np.float32), np.array(scores, dtype=np.float64),
        None if anomaly[0] is None else np.array(anomaly, dtype=np.float64), truth)


def int8_inputs(features: np.ndarray, tflite_int8: bytes) -> np.ndarray:
    """Features as the int8 model's input: divided by its scale, its zero point added, rounded
    half to even and clamped in float32, as the platform and the SDK (mf_quantize_feature) do."""
    import tensorflow as tf

    details = tf.lite.Interpreter(model_content=tflite_int8).get_input_details()[0]
    scale, zero = details["quantization"]
    values = (np.asarray(features, np.float32).reshape(len(features), -1) / np.float32(scale)
              + np.float32(zero))
    return np.clip(np.round(values), -128, 127).astype(np.int8)


def platform_features(client: TestClient, trained: Trained) -> tuple[np.ndarray, bytes]:
    """The platform's features of every test window, in platform_windows' order (the samples the
    API lists, each sample's windows), and the model's int8 flatbuffer, read from the database."""
    samples = client.get(f"/api/projects/{trained.project_id}/samples",
                         params={"category": "testing", "limit": 1000}).json()["data"]
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, trained.impulse_id)
        model = session.get(TrainedModel, int(trained.model["id"]))
        assert impulse is not None and model is not None
        blocks = [int(i) for i in model.feature_fingerprints]
        parts = []
        for listed in samples:
            sample = session.scalar(select(Sample).where(Sample.id == int(listed["id"]))
                                    .options(selectinload(Sample.data)))
            assert sample is not None
            features, _ = sample_features(impulse, blocks, sample)
            parts.append(features.reshape(len(features), -1))
        return np.concatenate(parts), model_file(session, int(trained.model["id"]), "tflite-int8")


def int8_inputs_of_both(client: TestClient, trained: Trained,
                        device_features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the device's int8 model inputs, the platform's) of every test window: the host row's
    features and the platform's, quantised alike."""
    features, int8_model = platform_features(client, trained)
    return int8_inputs(device_features, int8_model), int8_inputs(features, int8_model)


def unzip(data: bytes, into: Path) -> Path:
    zipfile.ZipFile(io.BytesIO(data)).extractall(into)
    return into


def host_rows(sdk_zip: bytes, scratch: Path, windows: np.ndarray, outputs: int) -> np.ndarray:
    """The C++ SDK from its zip built with its Makefile and tests/deploy's host driver; each
    window's row: `outputs` scores (or the value), anomaly, anomalous, value, features."""
    (makefile,) = unzip(sdk_zip, scratch / "cpp-sdk").rglob("Makefile")
    make_sdk_dir = makefile.parent
    make_sdk(_OutDir(make_sdk_dir))  # type: ignore[arg-type]
    driver = host_driver(make_sdk_dir)
    run = subprocess.run([str(driver)], input=np.ascontiguousarray(windows, "<f4").tobytes(),
                         capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    return np.frombuffer(run.stdout, "<f4").reshape(len(windows), -1)


@dataclass
class _OutDir:
    """make_sdk reads only the build's out_dir."""

    out_dir: Path


def wasm_rows(wasm_zip: bytes, scratch: Path, windows: np.ndarray) -> list[dict[str, Any]]:
    """The WebAssembly build from its zip, run under Node on each window (its classify())."""
    (package,) = unzip(wasm_zip, scratch / "wasm").rglob("package.json")
    raw = scratch / "windows.f32"
    raw.write_bytes(np.ascontiguousarray(windows, "<f4").tobytes())
    run = subprocess.run(["node", str(NODE_DRIVER), str(package.parent), str(raw)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.strip().splitlines()[:-1]]
