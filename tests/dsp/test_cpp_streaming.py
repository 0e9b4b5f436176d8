"""The audio blocks' shifted entry points (the SDK's continuous mode): a window moved by a whole
number of frame strides gives exactly the features of the whole-window computation, while only
the frames that reach into the new samples are computed."""

from __future__ import annotations

import subprocess
from typing import Any

import numpy as np
import pytest

from dsp_blocks.cpp_export import config_header_name, render_config
from dsp_blocks.registry import get_block
from tests.dsp.cpp_runner import CppBuilder

STREAM_MAIN = """\
#define {macro}_IMPLEMENTATION
#include "{header}"

#include <stdio.h>
#include <string.h>

/* stdin: the stream (n_windows windows, each `shift` samples after the last). stdout, per window:
 * the whole-window features, the shifted features, then the frames each computed (2 floats). */
int main() {{
    static float stream[{stream_len}];
    static float window[{macro}_INPUT_LEN];
    static float whole[{macro}_OUTPUT_LEN];
    static float shifted[{macro}_OUTPUT_LEN];
    if (fread(stream, sizeof(float), {stream_len}, stdin) != {stream_len}) return 1;
    for (int w = 0; w < {n_windows}; ++w) {{
        memcpy(window, &stream[w * {shift}], sizeof window);
        if ({prefix}_extract(window, whole) != 0) return 2;
        const float whole_frames = (float)mf_dsp_audio_frames_computed();
        if ({prefix}_extract_shifted(window, w == 0 ? 0 : {shift}, shifted) != 0) return 3;
        const float shifted_frames = (float)mf_dsp_audio_frames_computed();
        fwrite(whole, sizeof(float), {macro}_OUTPUT_LEN, stdout);
        fwrite(shifted, sizeof(float), {macro}_OUTPUT_LEN, stdout);
        fwrite(&whole_frames, sizeof(float), 1, stdout);
        fwrite(&shifted_frames, sizeof(float), 1, stdout);
    }}
    return 0;
}}
"""

# (block, parameters, sample rate, window, shift in samples, frames a shift computes)
STREAM_CASES: list[tuple[str, dict[str, Any], int, int, int, int]] = [
    # Default keyword spotter: 1 s, 20 ms strides, 5 slices of 10 frames, + frame 0 (pre-emphasis).
    ("mfcc", {}, 16000, 16000, 3200, 11),
    ("mfcc", {"normalization_window_frames": 0}, 16000, 16000, 3200, 11),
    ("mfcc", {"normalize_variance": True, "normalization_window_frames": 31}, 16000, 16000, 3200, 11),
    ("mfcc", {"pre_emphasis": 0.0}, 16000, 16000, 3200, 10),
    # MFE and spectrogram, 10 ms strides: 4 slices of 250 ms are 25 new frames of 99.
    ("mfe", {}, 16000, 16000, 4000, 25),
    ("spectrogram", {}, 16000, 16000, 4000, 25),
    # A shift that is not whole strides reuses nothing but stays right.
    ("mfcc", {}, 16000, 16000, 4000, 50),
]


# The fixed-point path (cores without an FPU) streams the same way: a frame's values depend on
# its samples only (its own exponent), so moved frames equal recomputed ones bit for bit.
FIXED_STREAM_CASES = [STREAM_CASES[i] for i in (0, 2, 4, 5, 6)]


@pytest.mark.parametrize(
    ("case", "path"),
    [(case, "float") for case in STREAM_CASES]
    + [(case, path) for case in FIXED_STREAM_CASES for path in ("fixed_wide", "fixed_narrow")],
    ids=lambda c: c if isinstance(c, str) else f"{c[0]}-{c[4]}-{len(c[1])}",
)
def test_shifted_extraction_equals_the_whole_window(
    case: tuple[str, dict[str, Any], int, int, int, int],
    path: str,
    audio_clips: dict[str, np.ndarray],
    rng: np.random.Generator,
    request: pytest.FixtureRequest,
) -> None:
    cpp_builder: CppBuilder = request.getfixturevalue(
        "cpp_builder" if path == "float" else f"cpp_builder_{path}"
    )
    block_name, values, rate, window, shift, new_frames = case
    block = get_block(block_name)
    params = block.parse_params(values)
    n_windows = 6
    clips = np.concatenate(list(audio_clips.values()))
    stream = clips[: window + (n_windows - 1) * shift].copy()
    stream += rng.normal(0.0, 1e-3, stream.shape).astype(np.float32)

    prefix, macro = f"mf_dsp_{block_name}", f"MF_DSP_{block_name.upper()}"
    header = config_header_name(block_name)
    main = STREAM_MAIN.format(
        macro=macro, header=header, prefix=prefix, stream_len=len(stream), n_windows=n_windows,
        shift=shift,
    )
    files = {
        header: render_config(
            block_name, params, sample_rate_hz=rate, window_length=window, n_axes=1
        ),
        "main.cpp": main,
    }
    program = cpp_builder.program_of(f"stream_{STREAM_CASES.index(case)}", files)
    run = subprocess.run(
        [str(program)], input=stream.astype("<f4").tobytes(), capture_output=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    output = np.frombuffer(run.stdout, dtype="<f4").reshape(n_windows, -1)
    n_values = (output.shape[1] - 2) // 2
    whole, shifted = output[:, :n_values], output[:, n_values : 2 * n_values]
    whole_frames, shifted_frames = output[:, -2], output[:, -1]

    # Bit for bit: the moved frames are the same computation on the same samples.
    np.testing.assert_array_equal(shifted, whole)
    layout = block.frame_layout(params, sample_rate_hz=rate, window_length=window)
    assert np.all(whole_frames == layout.n_frames)
    assert shifted_frames[0] == layout.n_frames  # nothing to reuse yet
    assert np.all(shifted_frames[1:] == new_frames)

    # And the whole-window features are the platform's.
    windows = np.stack([stream[w * shift : w * shift + window] for w in range(n_windows)])
    expected = block.extract(windows[:, :, None], sample_rate_hz=rate, params=params)
    expected = expected.reshape(n_windows, -1)
    assert np.abs(whole - expected).max() <= 1e-3 * float(np.ptp(expected))
