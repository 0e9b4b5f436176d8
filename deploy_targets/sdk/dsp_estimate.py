"""The DSP blocks alone as a library the estimator can measure: `mf_dsp_estimate_invoke` turns
its input bytes into a raw window of floats and extracts the features (one DSP run per invoke).

The estimator's harness feeds deterministic bytes and counts the instructions of one invoke, so
flash, RAM and latency of the DSP are measured the way the model's are. Several DSP blocks run
one after another, each on its axes, as the SDK's glue runs them; an image block reads its frame
a row at a time, as in the SDK.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from deploy_targets.sdk.build import DspPart, dsp_parts
from deploy_targets.sdk.spec import DspSpec, ImpulseSpec, check_dsp_blocks
from dsp_blocks import cpp_emit
from dsp_blocks.cpp_export import cpp_sources

DSP_ESTIMATE_NAME = "mf_dsp_estimate"

# A config header's static work buffers, as dsp_blocks.cpp_emit.buffer writes them.
_BUFFER = re.compile(r"^static (?!const)(\w+) (\w+)\[(\d+)\];", re.MULTILINE)
_CTYPE_BYTES = {"float": 4, "int32_t": 4, "uint32_t": 4, "int16_t": 2, "uint16_t": 2,
                "int8_t": 1, "uint8_t": 1, "double": 8, "int": 4, "int64_t": 8, "uint64_t": 8}
# The audio blocks declare the buffers of their float and fixed-point paths under these.
_FIXED_POINT_IF = {"#if MF_DSP_FIXED_POINT": True, "#if !MF_DSP_FIXED_POINT": False}


def static_buffer_bytes(header_text: str, fixed_point: bool = False) -> int:
    """Bytes of the static work buffers a block's config header declares (its RAM, the stack
    aside), of the float path (a core with an FPU) or of the fixed-point one. A `_history`
    buffer serves only the continuous mode's extract_shifted, which one window's run does not
    link."""
    total = 0
    kept = [True]  # whether the lines of each open #if are compiled
    for line in header_text.splitlines():
        directive = line.strip()
        if directive.startswith("#if"):
            wanted = _FIXED_POINT_IF.get(directive)
            kept.append(kept[-1] and (wanted is None or wanted == fixed_point))
        elif directive.startswith("#else") and len(kept) > 1:
            kept[-1] = kept[-2] and not kept[-1]
        elif directive.startswith("#endif") and len(kept) > 1:
            kept.pop()
        elif kept[-1] and (match := _BUFFER.match(line)) is not None:
            ctype, name, length = match.groups()
            if not name.endswith("_history"):
                total += _CTYPE_BYTES[ctype] * int(length)
    return total


def write_dsp_estimate_library(
    impulse: ImpulseSpec, dsp_blocks: Sequence[DspSpec], out_dir: Path
) -> Path:
    """Write the DSP runtime, the blocks' configs and the invoke wrapper into `out_dir`."""
    parts = dsp_parts(impulse, check_dsp_blocks(impulse, dsp_blocks))
    feature_count = sum(part.feature_count for part in parts)
    out_dir.mkdir(parents=True, exist_ok=True)
    for source in cpp_sources():
        shutil.copy2(source, out_dir / source.name)
    for part in parts:
        (out_dir / part.header_name).write_text(part.header_text)
    frame_size = impulse.window_length * len(impulse.axes)
    # The RAM the estimator reports without a toolchain (ARENA_BYTES): the blocks' buffers, the
    # raw window and gathered axes of _window_invoke and the features; measured with one.
    gathered = max((impulse.window_length * len(part.axis_indices) for part in parts
                    if part.axis_indices is not None), default=0)
    windows = 0 if impulse.image_shape is not None else frame_size + gathered
    buffer_bytes = sum(static_buffer_bytes(part.header_text) for part in parts)
    static_bytes = buffer_bytes + 4 * (windows + feature_count)
    name = DSP_ESTIMATE_NAME
    upper = name.upper()
    prepare_declaration = "" if impulse.image_shape is not None else _PREPARE_DECLARATION
    includes = "\n".join(f'#include "{part.header_name}"' for part in parts)
    (out_dir / f"{name}.h").write_text(
        f"""{cpp_emit.BANNER}
/* The DSP block{"s" if len(parts) > 1 else ""} {", ".join(p.block_type for p in parts)} behind the estimator's invoke interface: one
 * input byte per raw value, the features' first bytes out. */
#ifndef {upper}_H
#define {upper}_H

{includes}

#define {upper}_INPUT_BYTES {frame_size}
#define {upper}_OUTPUT_BYTES {feature_count * 4}
/* Static buffers (work buffers, raw window, features): the RAM reported without a toolchain. */
#define {upper}_ARENA_BYTES {static_bytes}

#ifdef __cplusplus
extern "C" {{
#endif
int {name}_invoke(const void *input, void *output);
{prepare_declaration}#ifdef __cplusplus
}}
#endif

#endif
"""
    )
    implementations = "\n".join(
        f"#define {part.macro}_IMPLEMENTATION\n#include \"{part.header_name}\"" for part in parts
    )
    if impulse.image_shape is not None:
        body = _image_invoke(parts, impulse.image_shape)
    else:
        body = _window_invoke(parts, impulse)
    (out_dir / f"{name}.cpp").write_text(
        f"""{cpp_emit.BANNER}
{implementations}
#include "{name}.h"

#include <stdint.h>
#include <string.h>

static float features[{feature_count}];
{body}"""
    )
    return out_dir


# The harnesses (deploy_targets/estimate/harness) call MF_PREPARE, where the library defines it,
# on the input before the measured invoke.
_PREPARE_DECLARATION = f"""/* Fills the raw window from the input bytes, before and outside the measured invoke: in an
 * application the window is the caller's own buffer, filled by its own code, and the
 * conversion's soft-float divisions alone would add ~250 instructions a sample to a core
 * without an FPU (4 M to 1 s of 16 kHz audio on a Cortex-M0+). */
void {DSP_ESTIMATE_NAME}_prepare(const void *input);
#define MF_PREPARE {DSP_ESTIMATE_NAME}_prepare
"""


def _window_invoke(parts: list[DspPart], impulse: ImpulseSpec) -> str:
    """`prepare`: bytes -> the raw window in -1..1 (the DSP's cost does not depend on the values'
    meaning); `invoke`: each block on its axes of that window, gathered into one shared buffer as
    in the SDK."""
    n_samples, n_axes = impulse.window_length, len(impulse.axes)
    gathered = [part for part in parts if part.axis_indices is not None]
    longest = max((n_samples * len(part.axis_indices or ()) for part in gathered), default=0)
    lines = [f"static float raw_window[{n_samples * n_axes}];"]
    if gathered:
        lines += [
            f"static float gathered_window[{longest}];",
            "",
            "static const float *gather_axes(const uint16_t *axes, int n_axes) {",
            f"    for (int sample = 0; sample < {n_samples}; ++sample) {{",
            "        for (int axis = 0; axis < n_axes; ++axis) {",
            "            gathered_window[sample * n_axes + axis] =",
            f"                raw_window[sample * {n_axes} + axes[axis]];",
            "        }",
            "    }",
            "    return gathered_window;",
            "}",
        ]
    for part in gathered:
        indices = ", ".join(str(i) for i in part.axis_indices or ())
        lines.append(
            f"static const uint16_t {part.symbol}_axes[{len(part.axis_indices or ())}] = "
            f"{{{indices}}};"
        )
    lines += [
        "",
        f"extern \"C\" void {DSP_ESTIMATE_NAME}_prepare(const void *input) {{",
        "    const uint8_t *bytes = static_cast<const uint8_t *>(input);",
        f"    for (int i = 0; i < {n_samples * n_axes}; ++i) {{",
        "        raw_window[i] = (static_cast<float>(bytes[i]) - 128.0f) / 128.0f;",
        "    }",
        "}",
        "",
        "// The window `prepare` filled from the same input.",
        f"extern \"C\" int {DSP_ESTIMATE_NAME}_invoke(const void *, void *output) {{",
        "    int status = 0;",
    ]
    for part in parts:
        window = (
            "raw_window" if part.axis_indices is None
            else f"gather_axes({part.symbol}_axes, {len(part.axis_indices)})"
        )
        lines.append(
            f"    status |= {part.symbol}_extract({window}, features + {part.feature_offset});"
        )
    lines += ["    memcpy(output, features, sizeof(features));", "    return status;", "}", ""]
    return "\n".join(lines)


def _image_invoke(parts: list[DspPart], image_shape: tuple[int, int, int]) -> str:
    """Each image block reads the frame a row at a time (one input byte a pixel value)."""
    _, width, channels = image_shape
    lines = [
        "// One row of the frame: one input byte a pixel value.",
        "static int read_row(void *context, int row, float *out) {",
        f"    const uint8_t *bytes = static_cast<const uint8_t *>(context) + row * {width * channels};",
        f"    for (int i = 0; i < {width * channels}; ++i) {{",
        "        out[i] = static_cast<float>(bytes[i]);",
        "    }",
        "    return 0;",
        "}",
        "",
        f"extern \"C\" int {DSP_ESTIMATE_NAME}_invoke(const void *input, void *output) {{",
        "    void *frame = const_cast<void *>(input);",
        "    int status = 0;",
    ]
    for part in parts:
        lines.append(
            f"    status |= {part.symbol}_extract_rows(read_row, frame, "
            f"features + {part.feature_offset});"
        )
    lines += ["    memcpy(output, features, sizeof(features));", "    return status;", "}", ""]
    return "\n".join(lines)
