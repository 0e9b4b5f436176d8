"""Image impulses in the C++ SDK: frames of odd sizes resized in RGB and in grayscale by the
image DSP's C++ twin give the platform's features and int8 scores, fed as float pixels or as
RGB888 / RGB565 frame buffers; the example classifies its frame; the Arduino library gets the
camera-frame sketch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from deploy_targets.arduino import build_arduino_library
from deploy_targets.boards import get_board
from deploy_targets.sdk import DspSpec, SdkBuild, SdkError, build_cpp_sdk, image_impulse
from deploy_targets.wasm import build_wasm, emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import HOST_DRIVER, make_sdk
from tests.deploy.test_wasm import NODE_DRIVER
from worker.deployment.estimates import dsp_cost
from worker.features.generate import DspBlockConfig, extract_features
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import predict
from worker.learning.layers import Conv2D, Flatten
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

LABELS = ["horizontal", "vertical", "blank"]
FRAME_DRIVER = Path(__file__).resolve().parent / "host_classify_frame.cpp"
STUB_DIR = Path(__file__).resolve().parent / "arduino_stub"
# mf_pixel_format_t
RGB888, RGB565, RGB565_BE, GRAY8 = 0, 1, 2, 3
# (frame height, width, channels) of odd sizes and the image block's parameters.
CASES = {
    "rgb": ((23, 31, 3), {"width": 12, "height": 10, "color_mode": "rgb"}),
    "grayscale": ((17, 29, 3), {"width": 9, "height": 11, "color_mode": "grayscale"}),
    # Trained on one-channel images: the SDK takes gray frames, or RGB ones as their luma.
    "gray-images": ((15, 21, 1), {"width": 7, "height": 5, "color_mode": "grayscale"}),
}


def frames(shape: tuple[int, int, int], per_label: int, seed: int) -> np.ndarray:
    """(n, *shape) whole pixel values 0..255: stripes across, stripes down, noise only."""
    rng = np.random.default_rng(seed)
    height, width, channels = shape
    images = []
    for label in LABELS:
        for _ in range(per_label):
            image = rng.normal(110.0, 25.0, shape)
            period = rng.integers(3, 6)
            tint = rng.uniform(40.0, 90.0, channels)
            if label == "horizontal":
                image[(np.arange(height) // period) % 2 == 0, :, :] += tint
            elif label == "vertical":
                image[:, (np.arange(width) // period) % 2 == 0, :] += tint
            images.append(np.clip(np.rint(image), 0, 255))
    return np.stack(images).astype(np.float32)


def platform_features(images: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """The server's features: one group of same-sized images at its image rate of 1 Hz."""
    config = DspBlockConfig(1, "image", None, params)
    features = extract_features(images, config, sample_rate_hz=1.0)
    return features.reshape(len(features), -1)


def rgb565_bytes(images: np.ndarray, big_endian: bool) -> tuple[bytes, np.ndarray]:
    """RGB565 frame buffers of the images and the images as the SDK widens them back."""
    pixels = images.astype(np.uint16)
    red, green, blue = pixels[..., 0] >> 3, pixels[..., 1] >> 2, pixels[..., 2] >> 3
    packed = (red << 11) | (green << 5) | blue
    widened = np.stack(
        [(red << 3) | (red >> 2), (green << 2) | (green >> 4), (blue << 3) | (blue >> 2)], axis=-1
    ).astype(np.float32)
    return packed.astype(">u2" if big_endian else "<u2").tobytes(), widened


@dataclass
class ImageSdk:
    build: SdkBuild
    params: dict[str, Any]
    shape: tuple[int, int, int]
    driver: Path
    frame_driver: Path
    model_int8: bytes
    example_image: np.ndarray


@pytest.fixture(scope="module", params=sorted(CASES))
def image_sdk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ImageSdk:
    shape, params = CASES[request.param]
    features = platform_features(frames(shape, 12, seed=1), params)
    out_shape = (params["height"], params["width"], 3 if params["color_mode"] == "rgb" else 1)
    result = train(
        features.reshape(len(features), *out_shape),
        np.repeat(np.arange(len(LABELS)), 12), LABELS,
        LearningBlockSpec(layers=[Conv2D(filters=4, kernel_size=3, strides=2), Flatten()]),
        TrainingSettings(epochs=3, learning_rate=0.01, batch_size=8, seed=3),
        tmp_path_factory.mktemp(f"image-training-{request.param}"),
        limits=RunLimits(time_limit_s=300, threads=1), measure_arena=False,
    )
    model_int8 = result.artifacts.int8_tflite.read_bytes()
    out_dir = tmp_path_factory.mktemp(f"image-{request.param}") / "sdk"
    example_image = frames(shape, 1, seed=9)[1]  # a vertical-stripes frame
    build = build_cpp_sdk(
        image_impulse("Camera test", *shape), model_int8, LABELS,
        dsp_blocks=[DspSpec("image", params)], out_dir=out_dir,
        example_window=example_image, example_note="a generated frame of vertical stripes",
    )
    make_sdk(build)
    drivers = []
    for source in (HOST_DRIVER, FRAME_DRIVER):
        driver = out_dir / "build" / source.stem
        run = subprocess.run(
            ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{out_dir}",
             str(source), str(out_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        drivers.append(driver)
    return ImageSdk(build, params, shape, drivers[0], drivers[1], model_int8, example_image)


def compile_without_warnings(sdk_dir: Path, sources: list[str], scratch: Path) -> None:
    """Each of `sources` (paths in the SDK) compiles with -Wall -Wextra -Werror -Wshadow, as
    tests/deploy/test_cpp_sdk.py checks the audio SDK's."""
    for index, source in enumerate(sources):
        run = subprocess.run(
            ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wshadow",
             f"-I{sdk_dir}", "-c", str(sdk_dir / source), "-o", str(scratch / f"{index}.o")],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, f"{source}: {run.stderr}"


def run_rows(command: list[str], data: bytes, row: int) -> np.ndarray:
    run = subprocess.run(command, input=data, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    return np.frombuffer(run.stdout, "<f4").reshape(-1, row)


def test_float_frames_give_the_platform_features_and_int8_scores(image_sdk: ImageSdk) -> None:
    images = frames(image_sdk.shape, 6, seed=2)
    count = image_sdk.build.feature_count
    rows = run_rows([str(image_sdk.driver)], images.astype("<f4").tobytes(),
                    len(LABELS) + 3 + count)
    expected = platform_features(images, image_sdk.params)
    # As tests/dsp/test_cpp_parity_sensors.py's image parity.
    # After the scores: the anomaly score, the anomalous flag and the regression value.
    np.testing.assert_allclose(rows[:, len(LABELS) + 3 :], expected, rtol=0, atol=1e-6)
    platform = predict(image_sdk.model_int8, expected)
    scores = rows[:, : len(LABELS)]
    assert np.array_equal(scores.argmax(axis=1), platform.argmax(axis=1))
    # The features agree to float rounding, so the int8 scores are the platform's.
    assert np.array_equal(scores, platform)


def test_rgb888_and_rgb565_frame_buffers_classify_as_their_pixels(image_sdk: ImageSdk) -> None:
    images = frames(image_sdk.shape, 3, seed=3)
    count = image_sdk.build.feature_count
    row = len(LABELS) + count
    if image_sdk.shape[2] == 1:
        gray = run_rows([str(image_sdk.frame_driver), str(GRAY8)],
                        images.astype(np.uint8).tobytes(), row)
        expected = platform_features(images, image_sdk.params)
        np.testing.assert_allclose(gray[:, len(LABELS) :], expected, rtol=0, atol=1e-6)
        assert np.array_equal(gray[:, : len(LABELS)], predict(image_sdk.model_int8, expected))
        colour = frames((*image_sdk.shape[:2], 3), 3, seed=3)
        rgb = run_rows([str(image_sdk.frame_driver), str(RGB888)],
                       colour.astype(np.uint8).tobytes(), row)
        red, green, blue = (np.float32(w) * colour[..., i : i + 1]
                            for i, w in enumerate((0.299, 0.587, 0.114)))
        luma = platform_features((red + green) + blue, image_sdk.params)
        np.testing.assert_allclose(rgb[:, len(LABELS) :], luma, rtol=0, atol=1e-6)
        return
    rgb888 = run_rows([str(image_sdk.frame_driver), str(RGB888)],
                      images.astype(np.uint8).tobytes(), row)
    expected = platform_features(images, image_sdk.params)
    np.testing.assert_allclose(rgb888[:, len(LABELS) :], expected, rtol=0, atol=1e-6)
    assert np.array_equal(rgb888[:, : len(LABELS)], predict(image_sdk.model_int8, expected))
    for format_number, big_endian in ((RGB565, False), (RGB565_BE, True)):
        data, widened = rgb565_bytes(images, big_endian)
        rows = run_rows([str(image_sdk.frame_driver), str(format_number)], data, row)
        np.testing.assert_allclose(
            rows[:, len(LABELS) :], platform_features(widened, image_sdk.params),
            rtol=0, atol=1e-6,
        )


def test_example_classifies_its_frame_buffer(image_sdk: ImageSdk) -> None:
    height, width, _ = image_sdk.shape
    metadata = (image_sdk.build.out_dir / "model-parameters" / "model_metadata.h").read_text()
    assert f"#define MF_IMAGE_INPUT_WIDTH {width}\n" in metadata
    assert f"#define MF_IMAGE_INPUT_HEIGHT {height}\n" in metadata
    channels = image_sdk.shape[2]
    assert f"#define MF_IMAGE_INPUT_CHANNELS {channels}\n" in metadata
    source = (image_sdk.build.out_dir / "examples" / "standalone" / "main.cpp").read_text()
    assert "static const uint8_t frame_buffer[] = {" in source
    assert ("MF_PIXEL_RGB888" if channels == 3 else "MF_PIXEL_GRAY8") in source
    run = subprocess.run([str(image_sdk.build.out_dir / "build" / "example")],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    printed = dict(re.findall(r"^(\w+): ([0-9.]+)$", run.stdout, re.MULTILINE))
    platform = predict(image_sdk.model_int8,
                       platform_features(image_sdk.example_image[None], image_sdk.params))[0]
    assert [float(printed[label]) for label in LABELS] == pytest.approx(platform, abs=1e-7)
    assert image_sdk.build.sensor == "camera"


def test_sources_compile_without_warnings(image_sdk: ImageSdk, tmp_path: Path) -> None:
    compile_without_warnings(
        image_sdk.build.out_dir,
        ["mf_classifier.cpp", "mf_image.cpp", "model-parameters/mf_impulse.cpp",
         "examples/standalone/main.cpp", "dsp/mf_dsp_image.cpp"],
        tmp_path,
    )


def test_arduino_library_gets_the_camera_frame_sketch(image_sdk: ImageSdk, tmp_path: Path) -> None:
    library = build_arduino_library(image_sdk.build, tmp_path)
    assert sorted(p.name for p in (library / "examples").iterdir()) == ["camera_frame"]
    sketch = library / "examples" / "camera_frame" / "camera_frame.ino"
    assert "MF_PIXEL_RGB565_BE" in sketch.read_text()
    # The sketch compiles against the library as the Arduino IDE builds it (C++, Arduino.h).
    run = subprocess.run(
        ["g++", "-std=c++11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-include",
         "Arduino.h", f"-I{STUB_DIR}", f"-I{library / 'src'}", "-x", "c++", str(sketch)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.toolchain
def test_wasm_build_classifies_float_frames_like_the_platform(
    image_sdk: ImageSdk, tmp_path: Path
) -> None:
    reason = emscripten_unavailable()
    require(reason is None, str(reason))
    require(shutil.which("node") is not None, "node is not installed")
    wasm = build_wasm(image_sdk.build, tmp_path / "wasm")
    images = frames(image_sdk.shape, 2, seed=4)
    raw = tmp_path / "frames.f32"
    raw.write_bytes(images.astype("<f4").tobytes())
    run = subprocess.run(
        ["node", str(NODE_DRIVER), str(wasm.js_path), str(raw)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.strip().splitlines()][:-1]
    scores = np.array([[result[label] for label in LABELS] for result in results])
    platform = predict(image_sdk.model_int8, platform_features(images, image_sdk.params))
    assert np.array_equal(scores.argmax(axis=1), platform.argmax(axis=1))
    assert float(np.abs(scores - platform).max()) <= 1.0 / 256.0
    # The browser scales its camera to the frame the module names (the size alone is ambiguous).
    shape = subprocess.run(
        ["node", "-e", "require(process.argv[1])().then((c) => console.log(JSON.stringify("
         "c.imageShape)))", str(wasm.js_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert shape.returncode == 0, shape.stderr
    assert json.loads(shape.stdout) == list(image_sdk.shape)


def test_time_series_blocks_are_refused_for_images(tmp_path: Path) -> None:
    with pytest.raises(SdkError, match="'spectral' for an image frame"):
        build_cpp_sdk(image_impulse("x", 8, 8, 3), b"", LABELS,
                      dsp_blocks=[DspSpec("spectral", {})], out_dir=tmp_path / "sdk")


@pytest.mark.toolchain
def test_dsp_estimate_reads_the_frame_a_row_at_a_time() -> None:
    """The estimate measures the image DSP as the SDK runs it: its RAM is the features and two
    rows of the frame, not a float copy of the frame."""
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    cost = dsp_cost(image_impulse("x", 120, 160, 3), [DspSpec("image", {"width": 48, "height": 48})],
                    get_board("nano33ble"))
    assert cost.method == "qemu" and cost.ram_bytes is not None
    features_and_rows = (48 * 48 * 3 + 2 * 160 * 3) * 4
    assert features_and_rows <= cost.ram_bytes < features_and_rows + 4096
    assert cost.latency_ms is not None and cost.latency_ms > 0


def test_bad_image_input_is_refused_naming_the_problem(tmp_path: Path) -> None:
    with pytest.raises(SdkError, match="example frame holds 5 values; the impulse's frame is "
                                       r"8 x 6 pixels of 3 channels \(144\)"):
        build_cpp_sdk(image_impulse("x", 8, 6, 3), b"", LABELS,
                      dsp_blocks=[DspSpec("image", {"width": 4, "height": 4})],
                      out_dir=tmp_path / "sdk", example_window=np.zeros(5))
    with pytest.raises(SdkError, match="1 \\(grayscale\\) or 3 \\(RGB\\) channels; these have 4"):
        image_impulse("x", 8, 6, 4)
    with pytest.raises(SdkError, match="reads every channel"):
        build_cpp_sdk(image_impulse("x", 8, 6, 3), b"", LABELS,
                      dsp_blocks=[DspSpec("image", {}, (0,))], out_dir=tmp_path / "other")
