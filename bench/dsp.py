"""Benchmark of the DSP blocks: server speed vs librosa, the C++ twin on devices, the whole impulse.

Run: .venv/bin/python bench/dsp.py [--clips 1000] [--repeats 9] [--job-clips 10000]

1. Server: a batch of one-second 16 kHz clips (the shared clips tiled, each with its own noise)
   through our extractor and through librosa called once on the whole 2-D batch with the same
   frame, hop, mel count and coefficient count (BENCHMARKS.md). Repeats alternate between the two
   and the best of each is kept: these machines are shared, so the ratio is the figure. Wall and
   CPU time are both given (ours runs on one thread; librosa's BLAS may use two).
2. Device: each block's C++ for its impulse (keyword: 1 s at 16 kHz; motion: 2 s of 6 axes at
   100 Hz) measured the way the Deployment page's estimates are (the estimator: built -Os for the
   board, one window in QEMU -icount), on the Cortex-M4F (nano33ble) and the Cortex-M0+ without
   FPU (rp2040); RAM = the DSP's buffers + stack; and the largest |C++ - Python| of the host build
   over a few windows, beside the features' range.
3. The whole impulse (DSP + model) per board as the Deployment page shows it, with the MLPerf
   Tiny KWS DS-CNN (int8, from the shared models) standing in for the keyword network.
4. The feature job: --job-clips clips windowed and extracted by the functions the feature job
   calls (stream_windows, generate_features_streaming, its explorer projection included); the
   database read is not part of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa  # noqa: E402
import scipy.fft  # noqa: E402

from deploy_targets.boards import BOARDS, get_board  # noqa: E402
from deploy_targets.estimate import estimate_library  # noqa: E402
from deploy_targets.sdk import DspSpec, ImpulseSpec  # noqa: E402
from deploy_targets.sdk.dsp_estimate import (  # noqa: E402
    DSP_ESTIMATE_NAME,
    write_dsp_estimate_library,
)
from dsp_blocks.registry import get_block  # noqa: E402
from tests.dsp.cpp_runner import CppBuilder, run_program  # noqa: E402
from tests.dsp.test_cpp_parity_sensors import motion_windows  # noqa: E402
from worker.deployment.estimates import deployment_estimates  # noqa: E402
from worker.features.generate import (  # noqa: E402
    DspBlockConfig,
    batch_windows,
    generate_features_streaming,
)
from worker.features.windowing import InputBlock, SeriesSample, stream_windows  # noqa: E402

SAMPLE_RATE_HZ = 16000
SHARED_DIR = Path(os.environ.get("MCUFORGE_SHARED_DIR") or REPO_ROOT.parent / "shared")
SHARED_AUDIO = SHARED_DIR / "audio"
STAND_IN_MODEL = SHARED_DIR / "models" / "mlperf_kws_dscnn_int8.tflite"
KEYWORD = ImpulseSpec("keyword", ("audio",), float(SAMPLE_RATE_HZ), SAMPLE_RATE_HZ)
MOTION = ImpulseSpec("motion", ("accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ"), 100.0, 200)
NO_FPU_BOARD = "rp2040"

# BENCHMARKS.md: 13 coefficients, 32 mels, 20 ms frame and hop, n_fft 512 (librosa has no
# sliding normalisation, so none here; the platform's default has 101 frames of it).
MFCC_SETTINGS = {
    "n_coefficients": 13,
    "n_filters": 32,
    "frame_length_s": 0.02,
    "frame_stride_s": 0.02,
    "fft_length": 512,
    "normalization_window_frames": 0,
}
# The batch is float audio in [-1, 1]: full scale 1, so that the dB levels are the clips' own and
# the features are not all floored at 0 (the 16-bit default would put them 90 dB down).
MFE_SETTINGS = {
    "n_filters": 40,
    "frame_length_s": 0.02,
    "frame_stride_s": 0.01,
    "fft_length": 512,
    "full_scale": 1.0,
}
SPECTROGRAM_SETTINGS = {
    "frame_length_s": 0.02,
    "frame_stride_s": 0.01,
    "fft_length": 512,
    "full_scale": 1.0,
}


def load_batch(n_clips: int, rng: np.random.Generator) -> np.ndarray:
    """`(n_clips, 16000)` float32: the shared clips in turn, plus noise at -40 dBFS each."""
    sources = []
    for path in sorted(SHARED_AUDIO.glob("*.wav")):
        with wave.open(str(path)) as clip:
            raw = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")
            samples = raw.reshape(-1, clip.getnchannels())[:SAMPLE_RATE_HZ, 0] / 32768.0
            sources.append(np.pad(samples, (0, SAMPLE_RATE_HZ - len(samples))))
    if not sources:
        raise SystemExit(f"no clips in {SHARED_AUDIO}")
    tiled = np.stack([sources[i % len(sources)] for i in range(n_clips)])
    return (tiled + rng.normal(0.0, 0.01, tiled.shape)).astype(np.float32)


def best_of_alternating(
    runs: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) seconds of each run over `repeats` rounds; each round runs each once."""
    best = {name: (float("inf"), float("inf")) for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def librosa_references(batch: np.ndarray) -> dict[str, Callable[[], object]]:
    """librosa on the whole 2-D batch with each block's frame, hop, FFT and filter counts."""
    common = {"n_fft": 512, "win_length": 320, "center": False}
    return {
        "mfcc": lambda: librosa.feature.mfcc(
            y=batch, sr=SAMPLE_RATE_HZ, n_mfcc=13, hop_length=320, n_mels=32, htk=True, **common
        ),
        "mfe": lambda: librosa.power_to_db(
            librosa.feature.melspectrogram(
                y=batch,
                sr=SAMPLE_RATE_HZ,
                hop_length=160,
                n_mels=40,
                htk=True,
                norm=None,
                **common,
            ),
            top_db=None,
        ),
        "spectrogram": lambda: librosa.power_to_db(
            np.abs(librosa.stft(batch, hop_length=160, **common)) ** 2, top_db=None
        ),
    }


def server_rows(batch: np.ndarray, repeats: int) -> list[dict[str, Any]]:
    windows = batch[:, :, None]
    settings = {"mfcc": MFCC_SETTINGS, "mfe": MFE_SETTINGS, "spectrogram": SPECTROGRAM_SETTINGS}
    motion = motion_windows(np.random.default_rng(1), 100.0, 200, 6)
    motion = np.tile(motion, (len(batch) // len(motion) + 1, 1, 1))[: len(batch)]
    runs: dict[str, Callable[[], object]] = {}
    for name, values in settings.items():
        block, params = get_block(name), get_block(name).parse_params(values)
        runs[f"ours_{name}"] = lambda b=block, p=params: b.extract(
            windows, sample_rate_hz=SAMPLE_RATE_HZ, params=p
        )
    spectral = get_block("spectral")
    spectral_params = spectral.defaults_for(window_length=200, sample_rate_hz=100.0, n_axes=6)
    runs["ours_spectral"] = lambda: spectral.extract(
        motion, sample_rate_hz=100.0, params=spectral_params
    )
    for name, run in librosa_references(batch).items():
        runs[f"librosa_{name}"] = run
    # The floor of any rfft-based MFCC here: scipy's FFT alone of the MFCC's padded frames; and
    # of ours, which reads each frame's 512 samples as 256 complex ones (audio_frames.py).
    padded = np.zeros((len(batch), 50, 512), np.float32)
    padded[..., :320] = batch[:, : 50 * 320].reshape(len(batch), 50, 320)
    runs["fft_only_mfcc"] = lambda: scipy.fft.rfft(padded, axis=-1)
    runs["half_fft_only_mfcc"] = lambda: scipy.fft.fft(padded.view(np.complex64), axis=-1)
    best = best_of_alternating(runs, repeats)
    rows = []
    for name in ("mfcc", "mfe", "spectrogram", "spectral"):
        ours = best[f"ours_{name}"]
        reference = best.get(f"librosa_{name}")
        rows.append(
            {
                "block": name,
                "ours_ms": ours[0] * 1e3 / len(batch),
                "librosa_ms": None if reference is None else reference[0] * 1e3 / len(batch),
                "ratio_wall": None if reference is None else ours[0] / reference[0],
                "ratio_cpu": None if reference is None else ours[1] / reference[1],
            }
        )
    for label, name in (
        ("(rfft alone, MFCC frames)", "fft_only_mfcc"),
        ("(256-pt complex FFT alone)", "half_fft_only_mfcc"),
    ):
        rows.append(
            {
                "block": label,
                "ours_ms": best[name][0] * 1e3 / len(batch),
                "librosa_ms": best["librosa_mfcc"][0] * 1e3 / len(batch),
                "ratio_wall": best[name][0] / best["librosa_mfcc"][0],
                "ratio_cpu": best[name][1] / best["librosa_mfcc"][1],
            }
        )
    return rows


def device_cases() -> list[tuple[str, str, ImpulseSpec, dict[str, Any]]]:
    """(label, block, impulse, params): each block's defaults for its impulse, and the MFCC of
    BENCHMARKS.md (no normalisation) beside the default one to show what normalisation costs."""
    cases = []
    for name, impulse in (
        ("mfcc", KEYWORD),
        ("mfe", KEYWORD),
        ("spectrogram", KEYWORD),
        ("spectral", MOTION),
    ):
        params = (
            get_block(name)
            .defaults_for(
                window_length=impulse.window_length,
                sample_rate_hz=impulse.frequency_hz,
                n_axes=len(impulse.axes),
            )
            .model_dump()
        )
        cases.append((f"{name} (defaults)", name, impulse, params))
    cases.insert(1, ("mfcc (no normalisation)", "mfcc", KEYWORD, {**cases[0][3], **MFCC_SETTINGS}))
    return cases


def device_row(
    label: str,
    name: str,
    impulse: ImpulseSpec,
    params: dict[str, Any],
    builder: CppBuilder,
    batch: np.ndarray,
) -> dict[str, Any]:
    row: dict[str, Any] = {"case": label}
    with tempfile.TemporaryDirectory(prefix="bench-dsp-") as scratch:
        library = write_dsp_estimate_library(impulse, [DspSpec(name, params)], Path(scratch))
        for board in ("nano33ble", NO_FPU_BOARD):
            estimate = estimate_library(library, DSP_ESTIMATE_NAME, board)
            row[board] = estimate.instructions
            if board == "nano33ble":
                row["ram"] = (estimate.ram_bytes or 0) + (estimate.stack_bytes or 0)
                row["stack"] = estimate.stack_bytes
    block = get_block(name)
    parsed = block.parse_params(params)
    if impulse is KEYWORD:
        # In 16-bit units, as WAV samples are stored: the defaults' full scale (at -1..1 every
        # MFE and spectrogram feature lies below the noise floor, i.e. 0).
        windows = batch[:8, :, None] * np.float32(32768.0)
    else:
        windows = motion_windows(
            np.random.default_rng(2), impulse.frequency_hz, impulse.window_length, len(impulse.axes)
        )
    expected = block.extract(windows, sample_rate_hz=impulse.frequency_hz, params=parsed)
    program = builder.program(
        name,
        parsed,
        sample_rate_hz=impulse.frequency_hz,
        window_length=impulse.window_length,
        n_axes=len(impulse.axes),
    )
    flat = expected.reshape(len(expected), -1)
    actual = run_program(program, windows, flat.shape[1])
    row["difference"] = float(np.abs(actual - flat).max())
    row["range"] = float(flat.max() - flat.min())
    return row


def impulse_rows() -> list[dict[str, Any]]:
    """The keyword impulse's estimates per board, as GET .../deployment/estimates gives them."""
    if not STAND_IN_MODEL.is_file():
        return []
    model = STAND_IN_MODEL.read_bytes()
    params = (
        get_block("mfcc")
        .defaults_for(
            window_length=KEYWORD.window_length, sample_rate_hz=KEYWORD.frequency_hz, n_axes=1
        )
        .model_dump()
    )
    rows = []
    for board_name in BOARDS:
        result = deployment_estimates(
            cache_key=("bench", board_name),
            impulse=KEYWORD,
            dsp_blocks=[DspSpec("mfcc", params)],
            model_int8=model,
            sizes={},
            mac_count=None,
            board=get_board(board_name),
        )["int8"]
        rows.append(
            {
                "board": board_name,
                **{part: result[part] for part in ("dsp", "model", "total")},
                "fits": result["fits"],
            }
        )
    return rows


def feature_job_seconds(n_clips: int, batch: np.ndarray) -> tuple[float, float]:
    """(wall, CPU) seconds for `n_clips` one-second clips through the feature job's functions,
    the default MFCC block and the explorer projection included."""
    block = InputBlock(("audio",), 1000.0, 1000.0, float(SAMPLE_RATE_HZ))

    def samples() -> Iterator[SeriesSample]:
        for index in range(n_clips):
            yield SeriesSample(
                index,
                f"clip{index}.wav",
                "keyword",
                "training",
                batch[index % len(batch), :, None],
                ("audio",),
                float(SAMPLE_RATE_HZ),
            )

    params = (
        get_block("mfcc")
        .defaults_for(window_length=SAMPLE_RATE_HZ, sample_rate_hz=SAMPLE_RATE_HZ, n_axes=1)
        .model_dump()
    )
    config = DspBlockConfig(1, "mfcc", None, params)
    wall, cpu = time.perf_counter(), time.process_time()
    batches = stream_windows(
        samples(), block, batch_windows=batch_windows(SAMPLE_RATE_HZ), skipped=[]
    )
    results, _ = generate_features_streaming(
        batches, [config], sample_rate_hz=SAMPLE_RATE_HZ, window_count=n_clips
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results[0].rows.close()
    return wall, cpu


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _kib(value: int | None) -> str:
    return "—" if value is None else f"{value / 1024:.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--job-clips", type=int, default=10000, help="0 skips the feature job")
    parser.add_argument("--skip-device", action="store_true")
    args = parser.parse_args()
    batch = load_batch(args.clips, np.random.default_rng(0))

    print(
        f"1. Server: {args.clips} one-second 16 kHz clips (spectral: 2 s x 6 axes at 100 Hz), "
        f"best of {args.repeats} alternating runs; target <= 0.25x librosa batched"
    )
    print(
        f"{'block':28s} {'ours ms/clip':>12s} {'librosa':>9s} {'ratio wall':>10s} {'ratio CPU':>9s}"
    )
    for row in server_rows(batch, args.repeats):
        librosa_ms = "—" if row["librosa_ms"] is None else f"{row['librosa_ms']:.4f}"
        wall = "—" if row["ratio_wall"] is None else f"{row['ratio_wall']:.2f}x"
        cpu = "—" if row["ratio_cpu"] is None else f"{row['ratio_cpu']:.2f}x"
        print(f"{row['block']:28s} {row['ours_ms']:12.4f} {librosa_ms:>9s} {wall:>10s} {cpu:>9s}")

    if not args.skip_device:
        print(
            "\n2. Device: instructions per window (estimator: -Os, QEMU -icount), Cortex-M4F "
            f"= nano33ble, no FPU = {NO_FPU_BOARD} (Cortex-M0+); RAM = buffers + stack on the "
            "M4F; |C++ - Python| of the host build. Targets: MFCC/MFE <= 1.5 M (M4F), <= 3 M "
            "(no FPU); spectral <= 0.3 M"
        )
        print(
            f"{'case':26s} {'M4F instr':>11s} {'ms @64MHz':>9s} {'no-FPU instr':>13s} "
            f"{'RAM':>10s} {'|C++-Py|':>9s} {'range':>7s}"
        )
        with tempfile.TemporaryDirectory(prefix="bench-dsp-cpp-") as build_dir:
            builder = CppBuilder(Path(build_dir))
            for case in device_cases():
                row = device_row(*case, builder, batch)
                m4 = row["nano33ble"]
                print(
                    f"{row['case']:26s} {m4 / 1e6:9.2f} M "
                    f"{get_board('nano33ble').instructions_to_ms(m4):9.1f} "
                    f"{row[NO_FPU_BOARD] / 1e6:11.2f} M {_kib(row['ram']):>10s} "
                    f"{row['difference']:9.2g} {row['range']:7.3g}"
                )

        print(
            f"\n3. Keyword impulse (1 s at 16 kHz, default MFCC; {STAND_IN_MODEL.name} as the "
            "network), int8, as the Deployment page shows it"
        )
        print(
            f"{'board':10s} {'DSP':>10s} {'model':>9s} {'total':>10s} {'DSP RAM':>10s} "
            f"{'total RAM':>10s} {'flash':>10s} fits"
        )
        for row in impulse_rows():
            dsp, model, total = row["dsp"], row["model"], row["total"]
            print(
                f"{row['board']:10s} {_ms(dsp['latency_ms']):>10s} "
                f"{_ms(model['latency_ms']):>9s} {_ms(total['latency_ms']):>10s} "
                f"{_kib(dsp['ram_bytes']):>10s} {_kib(total['ram_bytes']):>10s} "
                f"{_kib(total['flash_bytes']):>10s} {row['fits']}"
            )

    if args.job_clips:
        wall, cpu = feature_job_seconds(args.job_clips, batch)
        print(
            f"\n4. Feature job: {args.job_clips} one-second clips, default MFCC, windowing + "
            f"DSP + projection: {wall:.1f} s wall, {cpu:.1f} s CPU (target < 10 s)"
        )


if __name__ == "__main__":
    main()
