"""FOMO trained on generated shapes through the sandbox: better than chance in float32 and int8,
the SDK's decoder finds the platform's objects on every validation image, and a second model
started from the first keeps its frozen layers exactly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.arduino import build_arduino_library
from deploy_targets.sdk import DspSpec, SdkBuild, build_cpp_sdk, image_impulse
from deploy_targets.wasm import build_wasm, emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import make_sdk
from tests.deploy.test_image_sdk import STUB_DIR, compile_without_warnings
from tests.deploy.test_wasm import NODE_DRIVER
from tests.detection.host_decoder import build_host_decoder, host_decode, parse_objects
from tests.utils.shapes import SHAPE_LABELS, shapes_dataset
from worker.features.generate import DspBlockConfig, extract_features
from worker.learning import detection
from worker.learning.errors import TrainingError
from worker.learning.fomo import DetectionBlockSpec, DetectionResult, output_maps, train_detection
from worker.learning.inference import predict_int8_raw
from worker.learning.initial_model import InitialModelSpec
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings

FRAME_DRIVER = Path(__file__).resolve().parent / "host_detect_frame.cpp"
LIMITS = RunLimits(time_limit_s=300, threads=1)
SETTINGS = TrainingSettings(epochs=15, learning_rate=0.01, batch_size=16, seed=2)
FROZEN = 8


IMAGE_PARAMS = {"width": 48, "height": 48, "color_mode": "rgb"}


@pytest.fixture(scope="module")
def frames_and_boxes() -> tuple[np.ndarray, list]:
    """Camera frames (0..255 RGB) of the generated shapes and their boxes."""
    images, boxes = shapes_dataset(160, 48, seed=1)
    return np.rint(images * 255.0).astype(np.uint8), boxes


@pytest.fixture(scope="module")
def shapes(frames_and_boxes) -> tuple[np.ndarray, list]:
    """The image block's features of the frames, as the platform trains on them."""
    frames, boxes = frames_and_boxes
    config = DspBlockConfig(1, "image", None, IMAGE_PARAMS)
    features = extract_features(frames.astype(np.float32), config, sample_rate_hz=1.0)
    return features.reshape(len(frames), 48, 48, 3), boxes


@pytest.fixture(scope="module")
def trained(shapes, tmp_path_factory: pytest.TempPathFactory) -> DetectionResult:
    images, boxes = shapes
    return train_detection(
        images, boxes, SHAPE_LABELS, DetectionBlockSpec(), SETTINGS,
        tmp_path_factory.mktemp("fomo"), limits=LIMITS, measure_arena=False,
    )  # fmt: skip


def _chance_f1(images: np.ndarray, boxes: list) -> float:
    """F1 of guessing: every image's true objects replaced by as many objects at random cells
    with random labels."""
    rng = np.random.default_rng(0)
    guesses = []
    for image_boxes in boxes:
        guesses.append(
            [
                detection.DetectedObject(
                    label=SHAPE_LABELS[int(rng.integers(2))],
                    x=int(rng.integers(6)) * 8,
                    y=int(rng.integers(6)) * 8,
                    width=8,
                    height=8,
                    score=1.0,
                )  # fmt: skip
                for _ in image_boxes
            ]
        )
    return detection.detection_metrics(guesses, boxes, SHAPE_LABELS).f1


def test_fomo_finds_the_shapes_far_better_than_chance(trained: DetectionResult, shapes) -> None:
    images, boxes = shapes
    validation = [boxes[i] for i in trained.validation_indices]
    chance = _chance_f1(images[trained.validation_indices], validation)
    assert trained.output_shape == (6, 6, 3)
    assert trained.float32.f1 > max(0.6, 2 * chance), trained.float32
    assert trained.int8.f1 > max(0.6, 2 * chance), trained.int8
    assert sum(label.support for label in trained.int8.per_label) == sum(map(len, validation))
    assert "weighted_cross_entropy" in trained.artifacts.script.read_text()


def test_sdk_decoding_equals_the_platform_on_every_validation_image(
    trained: DetectionResult, shapes, tmp_path: Path
) -> None:
    images, _ = shapes
    validation = images[trained.validation_indices]
    int8_bytes = trained.artifacts.int8_tflite.read_bytes()
    platform = [
        detection.decode(m, SHAPE_LABELS) for m in output_maps(int8_bytes, validation, SHAPE_LABELS)
    ]
    raw = predict_int8_raw(int8_bytes, validation).reshape(len(validation), 6, 6, 3)
    from tflite_micro.python.tflite_micro import runtime

    output = runtime.Interpreter.from_bytes(int8_bytes).get_output_details(0)
    quantization = (
        float(output["quantization_parameters"]["scales"][0]),
        int(output["quantization_parameters"]["zero_points"][0]),
    )
    device = host_decode(
        build_host_decoder(tmp_path), raw, SHAPE_LABELS, threshold=detection.DEFAULT_THRESHOLD,
        max_objects=detection.MAX_OBJECTS, quantization=quantization,
    )  # fmt: skip
    assert device == platform
    assert sum(map(len, platform)) > len(validation) // 2


@pytest.fixture(scope="module")
def detection_sdk(trained: DetectionResult, frames_and_boxes, tmp_path_factory) -> SdkBuild:
    frames, _ = frames_and_boxes
    build = build_cpp_sdk(
        image_impulse("Shapes", 48, 48, 3), trained.artifacts.int8_tflite.read_bytes(),
        SHAPE_LABELS, dsp_blocks=[DspSpec("image", IMAGE_PARAMS)], task="object_detection",
        out_dir=tmp_path_factory.mktemp("detection-sdk") / "sdk",
        example_window=frames[0].astype(np.float32),
    )  # fmt: skip
    make_sdk(build)
    return build


def _platform_objects(trained: DetectionResult, features: np.ndarray) -> list:
    maps = output_maps(trained.artifacts.int8_tflite.read_bytes(), features, SHAPE_LABELS)
    return [detection.decode(m, SHAPE_LABELS) for m in maps]


def test_the_sdk_finds_the_platforms_objects_in_every_camera_frame(
    trained: DetectionResult, detection_sdk: SdkBuild, frames_and_boxes, shapes, tmp_path: Path
) -> None:
    frames, _ = frames_and_boxes
    features, _ = shapes
    frames, features = frames[trained.validation_indices], features[trained.validation_indices]
    driver = tmp_path / "host_detect_frame"
    out_dir = detection_sdk.out_dir
    run = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{out_dir}",
         str(FRAME_DRIVER), str(out_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    run = subprocess.run([str(driver)], input=frames.tobytes(), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    device = parse_objects(run.stdout.decode(), SHAPE_LABELS, by_name=True)
    platform = _platform_objects(trained, features)
    assert device == platform
    assert sum(map(len, platform)) > len(frames) // 2
    # The example prints the first frame's objects.
    example = out_dir / "examples" / "standalone" / "main.cpp"
    assert "MF_OBJECT_DETECTION" in example.read_text()


def test_the_example_and_the_arduino_sketch_print_the_objects(
    trained: DetectionResult, detection_sdk: SdkBuild, shapes, tmp_path: Path
) -> None:
    features, _ = shapes
    out_dir = detection_sdk.out_dir
    compile_without_warnings(
        out_dir,
        ["mf_classifier.cpp", "mf_detection.cpp", "examples/standalone/main.cpp"],
        tmp_path,
    )
    run = subprocess.run(
        [str(out_dir / "build" / "example")], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0, run.stdout + run.stderr
    printed = re.findall(r"^object (\w+) (\d+) (\d+) (\d+) (\d+) ", run.stdout, re.MULTILINE)
    (platform,) = _platform_objects(trained, features[:1])  # the example's frame is frame 0
    assert platform, "frame 0 holds a disc and a square"
    assert printed == [(o.label, str(o.x), str(o.y), str(o.width), str(o.height)) for o in platform]
    library = build_arduino_library(detection_sdk, tmp_path / "arduino")
    sketch = library / "examples" / "camera_frame" / "camera_frame.ino"
    assert "result.bounding_boxes" in sketch.read_text()
    run = subprocess.run(
        ["g++", "-std=c++11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-include",
         "Arduino.h", f"-I{STUB_DIR}", f"-I{library / 'src'}", "-x", "c++", str(sketch)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


@pytest.mark.toolchain
def test_webassembly_finds_the_platforms_objects_in_every_camera_frame(
    trained: DetectionResult, detection_sdk: SdkBuild, frames_and_boxes, shapes, tmp_path: Path
) -> None:
    reason = emscripten_unavailable()
    require(reason is None, str(reason))
    require(shutil.which("node") is not None, "node is not installed")
    frames, _ = frames_and_boxes
    features, _ = shapes
    frames, features = frames[trained.validation_indices], features[trained.validation_indices]
    wasm = build_wasm(detection_sdk, tmp_path / "wasm")
    raw = tmp_path / "frames.f32"
    raw.write_bytes(np.ascontiguousarray(frames, dtype="<f4").tobytes())
    run = subprocess.run(
        ["node", str(NODE_DRIVER), str(wasm.js_path), str(raw)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.strip().splitlines()][:-1]
    browser = [
        [
            detection.DetectedObject(
                label=b["label"],
                x=b["x"],
                y=b["y"],
                width=b["width"],
                height=b["height"],
                score=float(np.float32(b["value"])),
            )  # fmt: skip
            for b in result["bounding_boxes"]
        ]
        for result in results
    ]
    assert browser == _platform_objects(trained, features)


def _layer_weights(keras_file: Path) -> dict[str, list[np.ndarray]]:
    import tf_keras as keras

    model = keras.models.load_model(keras_file, compile=False, safe_mode=True)
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers}


def test_starting_from_an_earlier_model_keeps_its_frozen_layers(
    trained: DetectionResult, shapes, tmp_path: Path
) -> None:
    images, boxes = shapes
    assert trained.artifacts.keras is not None
    block = DetectionBlockSpec(initial_model=InitialModelSpec(frozen_layers=FROZEN))
    settings = TrainingSettings(epochs=3, learning_rate=0.01, batch_size=16, seed=4)
    second = train_detection(
        images, boxes, SHAPE_LABELS, block, settings, tmp_path, limits=LIMITS,
        measure_arena=False, initial_model=trained.artifacts.keras.read_bytes(),
    )  # fmt: skip
    assert "safe_mode=True" in second.artifacts.script.read_text()
    assert second.artifacts.keras is not None
    before = _layer_weights(trained.artifacts.keras)
    after = _layer_weights(second.artifacts.keras)
    names = [name for name in before if not name.startswith("fomo_head")][1:]  # after the input
    frozen, trained_on = names[:FROZEN], names[FROZEN:]
    assert sum(len(before[name]) for name in frozen) > 0
    for name in frozen:
        for old, new in zip(before[name], after[name], strict=True):
            np.testing.assert_array_equal(old, new, err_msg=name)
    changed = [
        name
        for name in trained_on
        if any(not np.array_equal(o, n) for o, n in zip(before[name], after[name], strict=True))
    ]
    assert changed, "the layers after the frozen ones were trained too"
    assert second.int8.f1 > 0.6


def test_an_initial_model_must_be_a_keras_file(shapes, tmp_path: Path) -> None:
    images, boxes = shapes
    block = DetectionBlockSpec(initial_model=InitialModelSpec(frozen_layers=2))
    with pytest.raises(TrainingError, match="neither a .keras file"):
        train_detection(
            images, boxes, SHAPE_LABELS, block, SETTINGS, tmp_path, limits=LIMITS,
            initial_model=b"print('hello')",
        )  # fmt: skip
    with pytest.raises(TrainingError, match="no model file"):
        train_detection(images, boxes, SHAPE_LABELS, block, SETTINGS, tmp_path, limits=LIMITS)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_an_initial_model_with_code_in_it_is_refused(shapes, tmp_path: Path, suffix: str) -> None:
    """A Lambda layer carries Python bytecode: safe mode refuses it in either format."""
    import tf_keras as keras

    images, boxes = shapes
    inputs = keras.Input(shape=(48, 48, 3))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    model_file = tmp_path / f"lambda{suffix}"
    keras.Model(inputs, outputs).save(model_file)
    block = DetectionBlockSpec(initial_model=InitialModelSpec(frozen_layers=0))
    with pytest.raises(TrainingError, match="Lambda"):
        train_detection(
            images, boxes, SHAPE_LABELS, block, SETTINGS, tmp_path / "run", limits=LIMITS,
            initial_model=model_file.read_bytes(),
        )  # fmt: skip


def test_images_without_boxes_are_refused(shapes, tmp_path: Path) -> None:
    images, boxes = shapes
    with pytest.raises(TrainingError, match="no image has a bounding box"):
        train_detection(
            images, [[] for _ in images], SHAPE_LABELS, DetectionBlockSpec(), SETTINGS, tmp_path
        )
    with pytest.raises(TrainingError, match="multiples of 8"):
        train_detection(
            images[:, :44, :44], boxes, SHAPE_LABELS, DetectionBlockSpec(),
            SETTINGS, tmp_path,
        )  # fmt: skip
