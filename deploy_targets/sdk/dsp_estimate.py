"""The DSP block alone as a library the estimator can measure: `mf_dsp_estimate_invoke` turns
its input bytes into a raw window of floats and extracts the features (one DSP run per invoke).

The estimator's harness feeds deterministic bytes and counts the instructions of one invoke, so
flash, RAM and latency of the DSP are measured the way the model's are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deploy_targets.sdk.build import DSP_PREFIX, features_of
from deploy_targets.sdk.spec import DspSpec, ImpulseSpec, check_dsp_blocks
from dsp_blocks import cpp_emit
from dsp_blocks.cpp_export import config_header_name, cpp_sources

DSP_ESTIMATE_NAME = "mf_dsp_estimate"


def write_dsp_estimate_library(impulse: ImpulseSpec, dsp: DspSpec, out_dir: Path) -> Path:
    """Write the DSP runtime, its config and the invoke wrapper into `out_dir`; returns it."""
    dsp = check_dsp_blocks(impulse, [dsp])[0]
    header_text, feature_count = features_of(impulse, dsp)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source in cpp_sources():
        shutil.copy2(source, out_dir / source.name)
    header_name = config_header_name(dsp.block_type, DSP_PREFIX)
    (out_dir / header_name).write_text(header_text)
    macro = f"{DSP_PREFIX}_{dsp.block_type}".upper()
    n_axes = len(impulse.axes) if dsp.axis_indices is None else len(dsp.axis_indices)
    input_len = impulse.window_length * n_axes
    name = DSP_ESTIMATE_NAME
    upper = name.upper()
    (out_dir / f"{name}.h").write_text(
        f"""{cpp_emit.BANNER}
/* The DSP block "{dsp.block_type}" behind the estimator's invoke interface: one input byte per
 * raw value, the features' first bytes out. */
#ifndef {upper}_H
#define {upper}_H

#include "{header_name}"

#define {upper}_INPUT_BYTES {input_len}
#define {upper}_OUTPUT_BYTES {feature_count * 4}
#define {upper}_ARENA_BYTES 0

#ifdef __cplusplus
extern "C" {{
#endif
int {name}_invoke(const void *input, void *output);
#ifdef __cplusplus
}}
#endif

#endif
"""
    )
    invoke = _IMAGE_INVOKE if impulse.image_shape is not None else _WINDOW_INVOKE
    (out_dir / f"{name}.cpp").write_text(
        invoke.format(banner=cpp_emit.BANNER, macro=macro, name=name,
                      extract=f"{DSP_PREFIX}_{dsp.block_type}_extract")
    )
    return out_dir


_WINDOW_INVOKE = """{banner}
#define {macro}_IMPLEMENTATION
#include "{name}.h"

#include <stdint.h>
#include <string.h>

static float raw_window[{macro}_INPUT_LEN];
static float features[{macro}_OUTPUT_LEN];

extern "C" int {name}_invoke(const void *input, void *output) {{
    const uint8_t *bytes = static_cast<const uint8_t *>(input);
    // Bytes -> a signal in -1..1: the DSP's cost does not depend on the values' meaning.
    for (int i = 0; i < {macro}_INPUT_LEN; ++i) {{
        raw_window[i] = (static_cast<float>(bytes[i]) - 128.0f) / 128.0f;
    }}
    const int status = {extract}(raw_window, features);
    memcpy(output, features, sizeof(features));
    return status;
}}
"""

# An image block reads its frame a row at a time, as the SDK runs it (no float copy of the frame).
_IMAGE_INVOKE = """{banner}
#define {macro}_IMPLEMENTATION
#include "{name}.h"

#include <stdint.h>
#include <string.h>

#define ROW_LEN ({macro}_IN_WIDTH * {macro}_IN_CHANNELS)

static float features[{macro}_OUTPUT_LEN];

// One row of the frame: one input byte a pixel value.
static int read_row(void *context, int row, float *out) {{
    const uint8_t *bytes = static_cast<const uint8_t *>(context) + row * ROW_LEN;
    for (int i = 0; i < ROW_LEN; ++i) {{
        out[i] = static_cast<float>(bytes[i]);
    }}
    return 0;
}}

extern "C" int {name}_invoke(const void *input, void *output) {{
    const int status = {extract}_rows(read_row, const_cast<void *>(input), features);
    memcpy(output, features, sizeof(features));
    return status;
}}
"""
