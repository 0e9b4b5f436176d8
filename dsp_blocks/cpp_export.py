"""What the deployment packager needs from the DSP blocks: the hand-written C++ runtime and a
generated config header that bakes one block's parameters and tables in.

The header is single-file style: it always declares `int <prefix>_<block>_extract(const float
*window, float *features)` (C linkage) and the size macros `<PREFIX>_<BLOCK>_INPUT_LEN` /
`_OUTPUT_LEN`; the tables, static work buffers and the function body are compiled in the one .cpp
file that defines `<PREFIX>_<BLOCK>_IMPLEMENTATION` before including it:

    // kws_dsp.cpp, compiled with the files of cpp_sources()
    #define KWS_MFCC_IMPLEMENTATION
    #include "kws_mfcc_config.h"      // render_config("mfcc", ..., symbol_prefix="kws")

    // anywhere else
    #include "kws_mfcc_config.h"
    static float features[KWS_MFCC_OUTPUT_LEN];
    kws_mfcc_extract(window, features);  // window: KWS_MFCC_INPUT_LEN floats
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from dsp_blocks import cpp_emit
from dsp_blocks.audio_frames import FrameLayout, dct_float32, floor_in_input_db
from dsp_blocks.flatten import STATISTICS, FlattenParams
from dsp_blocks.framed_audio import (
    FramedAudioBlock,
    FramedAudioParams,
    MelAudioParams,
    ScaledDbParams,
    mel_weights_for,
)
from dsp_blocks.framing import frame_count, hann_window
from dsp_blocks.image import LUMA_WEIGHTS, ImageParams, resize_taps
from dsp_blocks.mel import sparse_rows
from dsp_blocks.mfcc import MfccParams
from dsp_blocks.mfe import MfeParams
from dsp_blocks.raw import RawParams
from dsp_blocks.registry import get_block
from dsp_blocks.spectral import SpectralParams, butterworth_sos
from dsp_blocks.spectrogram import SpectrogramParams

CPP_DIR = Path(__file__).resolve().parent / "cpp"


def cpp_sources() -> list[Path]:
    """The hand-written runtime: every header and source under dsp_blocks/cpp, sorted."""
    return sorted([*CPP_DIR.glob("*.h"), *CPP_DIR.glob("*.cpp")])


def config_header_name(block_name: str, symbol_prefix: str = "mf_dsp") -> str:
    """File name the packager should give the header of `render_config`."""
    return f"{cpp_emit.check_identifier(symbol_prefix)}_{block_name}_config.h"


@dataclass
class ConfigParts:
    """The block-specific pieces of a config header."""

    include: str
    input_len: int
    output_len: int
    macros: dict[str, int] = field(default_factory=dict)
    definitions: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    # More entry points of the block: their declarations (with comments) and definitions.
    declarations: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)


class _Names:
    """Symbols of one block in one prefix: `kws_dsp` + `mfcc` -> kws_dsp_mfcc_window, ..."""

    def __init__(self, symbol_prefix: str, block_name: str) -> None:
        self.base = f"{cpp_emit.check_identifier(symbol_prefix)}_{block_name}"
        self.macro = self.base.upper()

    def __call__(self, suffix: str) -> str:
        return f"{self.base}_{suffix}"


@dataclass(frozen=True)
class _Target:
    """What a block's renderer needs besides its parameters: the symbols and the (validated)
    input the header is built for."""

    names: _Names
    sample_rate_hz: float
    window_length: int
    n_axes: int
    input_shape: tuple[int, int, int] | None


def render_config(
    block_name: str,
    params: BaseModel | Mapping[str, Any],
    *,
    sample_rate_hz: float,
    window_length: int,
    n_axes: int,
    symbol_prefix: str = "mf_dsp",
    input_shape: tuple[int, int, int] | None = None,
) -> str:
    """The config header text of one block (see the module docstring for how to use it).

    `input_shape` (height, width, channels) is needed by the image block only, whose input size is
    not a window length.
    """
    block = get_block(block_name)
    model = params if isinstance(params, BaseModel) else block.parse_params(params)
    names = _Names(symbol_prefix, block_name)
    if block_name == "image":
        if input_shape is None:
            raise ValueError("the image block needs input_shape=(height, width, channels)")
        window_length, n_axes = input_shape[0] * input_shape[1], input_shape[2]
    block.validate(model, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes)
    target = _Target(names, sample_rate_hz, window_length, n_axes, input_shape)
    parts = _RENDERERS[block_name](model, target)
    return _assemble(names, block_name, model, sample_rate_hz, parts)


def _assemble(
    names: _Names, block_name: str, params: BaseModel, sample_rate_hz: float, parts: ConfigParts
) -> str:
    macro = names.macro
    settings = json.dumps(params.model_dump(), sort_keys=True)
    macros = {"INPUT_LEN": parts.input_len, "OUTPUT_LEN": parts.output_len, **parts.macros}
    lines = [
        cpp_emit.BANNER,
        f"/* DSP block '{block_name}' at {sample_rate_hz:g} Hz: {settings} */",
        f"#ifndef {macro}_CONFIG_H",
        f"#define {macro}_CONFIG_H",
        "",
        f'#include "{parts.include}"',
        "",
        *(f"#define {macro}_{key} {value}" for key, value in macros.items()),
        "",
        "/* Features of one window: window holds INPUT_LEN floats (samples x axes, interleaved),",
        " * features receives OUTPUT_LEN floats. Returns 0 (MF_DSP_OK) on success. */",
        'extern "C" int ' + names("extract") + "(const float *window, float *features);",
        *parts.declarations,
        "",
        f"#endif /* {macro}_CONFIG_H */",
        "",
        f"#if defined({macro}_IMPLEMENTATION) && !defined({macro}_IMPLEMENTED)",
        f"#define {macro}_IMPLEMENTED",
        "",
        *(d if d.startswith("/*") else d + "\n" for d in parts.definitions),
        'extern "C" int ' + names("extract") + "(const float *window, float *features) {",
        *(f"    {line}" if line else "" for line in parts.body),
        "}",
        "",
        *parts.functions,
        f"#endif /* {macro}_IMPLEMENTATION */",
        "",
    ]
    return "\n".join(lines)


def _frames_and_fft(
    names: _Names, layout: FrameLayout, pre_emphasis: float
) -> tuple[list[str], str, str]:
    """Window, twiddles and scratch buffers; the initialisers of the frame config and FFT plan."""
    angles = 2.0 * np.pi * np.arange(layout.fft_length // 2) / layout.fft_length
    definitions = [
        "/* Periodic Hann window of one frame. */",
        cpp_emit.array("float", names("window"), hann_window(layout.frame_length)),
        "/* FFT twiddles: cos and sin of 2 pi k / N. */",
        cpp_emit.array("float", names("fft_cos"), np.cos(angles)),
        cpp_emit.array("float", names("fft_sin"), np.sin(angles)),
        cpp_emit.buffer("float", names("fft_buffer"), layout.fft_length),
        cpp_emit.buffer("float", names("power"), layout.n_bins),
    ]
    frames = (
        f"{{{layout.frame_length}, {layout.stride}, {layout.n_frames}, "
        f"{cpp_emit.float_literal(pre_emphasis)}, {names('window')}}}"
    )
    fft = f"{{{layout.fft_length}, {names('fft_cos')}, {names('fft_sin')}}}"
    return definitions, frames, fft


def _mel(target: _Target, layout: FrameLayout, params: MelAudioParams) -> tuple[list[str], str]:
    names = target.names
    weights = mel_weights_for(
        params, sample_rate_hz=target.sample_rate_hz, fft_length=layout.fft_length
    )
    starts, lengths, packed = sparse_rows(weights.T.astype(np.float64))
    definitions = [
        "/* Mel filterbank (HTK formula), sparse: first bin, bin count, then the weights. */",
        cpp_emit.array("uint16_t", names("mel_start"), starts),
        cpp_emit.array("uint16_t", names("mel_length"), lengths),
        cpp_emit.array("float", names("mel_weights"), packed),
        cpp_emit.buffer("float", names("mel"), params.n_filters),
    ]
    init = (
        f"{{{params.n_filters}, {names('mel_start')}, {names('mel_length')}, "
        f"{names('mel_weights')}}}"
    )
    return definitions, init


def _scratch(names: _Names, mel: str = "0", unnormalized: str = "0") -> str:
    return (
        f"const mf_dsp_audio_scratch scratch = {{{names('fft_buffer')}, {names('power')}, "
        f"{mel}, {unnormalized}}};"
    )


FRAMES_COMMENT = "/* frames: length, stride, count, pre-emphasis, window */"
FFT_COMMENT = "/* FFT: length, twiddles */"
MEL_COMMENT = "/* mel: filters, first bins, bin counts, weights */"


@dataclass
class _AudioConfig:
    """The tables of a framed audio block and the first entries of its C++ config struct."""

    layout: FrameLayout
    definitions: list[str]
    entries: list[str]


def _audio_config(
    block_name: str, params: FramedAudioParams, target: _Target, *, pre_emphasis: float
) -> _AudioConfig:
    """Frames and FFT, then the mel filterbank for the blocks that have one."""
    block = get_block(block_name)
    assert isinstance(block, FramedAudioBlock)
    layout = block.frame_layout(
        params, sample_rate_hz=target.sample_rate_hz, window_length=target.window_length
    )
    definitions, frames, fft = _frames_and_fft(target.names, layout, pre_emphasis)
    entries = [f"{frames},  {FRAMES_COMMENT}", f"{fft},  {FFT_COMMENT}"]
    if isinstance(params, MelAudioParams):
        mel_definitions, mel = _mel(target, layout, params)
        definitions += mel_definitions
        entries.append(f"{mel},  {MEL_COMMENT}")
    return _AudioConfig(layout, definitions, entries)


def _audio_body(block_name: str, entries: list[str], scratch: str) -> list[str]:
    """`config` from its entries (one a line), the scratch buffers, and the call of the runtime."""
    return [
        f"static const mf_dsp_{block_name}_config config = {{",
        *(f"    {entry}" for entry in entries),
        "};",
        scratch,
        f"return mf_dsp_{block_name}_run(&config, &scratch, window, features);",
    ]


def _noise_floor_entry(params: ScaledDbParams) -> str:
    """The floor in dB of the samples' units (the dBFS floor + 20 log10(full scale)): the device
    compares unscaled energies with it, as scale_db does, instead of dividing every sample."""
    floor = cpp_emit.float_literal(floor_in_input_db(params.noise_floor_db, params.full_scale))
    inverse_range = cpp_emit.float_literal(1.0 / (12.0 - params.noise_floor_db))
    return (
        f"{floor}, {inverse_range},  /* noise floor: {params.noise_floor_db:g} dBFS + 20 log10("
        f"full scale {params.full_scale:g}); 1 / (12 - {params.noise_floor_db:g}) */"
    )


def _render_mfcc(params: MfccParams, target: _Target) -> ConfigParts:
    names = target.names
    audio = _audio_config("mfcc", params, target, pre_emphasis=params.pre_emphasis)
    output_len = audio.layout.n_frames * params.n_coefficients
    normalize = params.normalization_window_frames
    definitions = audio.definitions + [
        "/* Orthonormal DCT-II rows, n_coefficients x n_filters. */",
        cpp_emit.array(
            "float", names("dct"), dct_float32(params.n_coefficients, params.n_filters).T.ravel()
        ),
        cpp_emit.buffer("float", names("unnormalized"), output_len if normalize else 1),
    ]
    entries = audio.entries + [
        f"{params.n_coefficients}, {names('dct')},  /* coefficients, DCT rows */",
        f"{normalize}, {int(params.normalize_variance)},  "
        "/* normalisation window (frames), variance */",
    ]
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=output_len,
        macros={"N_FRAMES": audio.layout.n_frames, "N_COEFFICIENTS": params.n_coefficients},
        definitions=definitions,
        body=_audio_body("mfcc", entries, _scratch(names, names("mel"), names("unnormalized"))),
    )


def _render_mfe(params: MfeParams, target: _Target) -> ConfigParts:
    audio = _audio_config("mfe", params, target, pre_emphasis=0.0)
    entries = [*audio.entries, _noise_floor_entry(params)]
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=audio.layout.n_frames * params.n_filters,
        macros={"N_FRAMES": audio.layout.n_frames, "N_FILTERS": params.n_filters},
        definitions=audio.definitions,
        body=_audio_body("mfe", entries, _scratch(target.names, target.names("mel"))),
    )


def _render_spectrogram(params: SpectrogramParams, target: _Target) -> ConfigParts:
    audio = _audio_config("spectrogram", params, target, pre_emphasis=0.0)
    layout = audio.layout
    entries = [*audio.entries, _noise_floor_entry(params)]
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=layout.n_frames * layout.n_bins,
        macros={"N_FRAMES": layout.n_frames, "N_BINS": layout.n_bins},
        definitions=audio.definitions,
        body=_audio_body("spectrogram", entries, _scratch(target.names)),
    )


def _render_raw(params: RawParams, target: _Target) -> ConfigParts:
    window_length, n_axes = target.window_length, target.n_axes
    n_values = window_length * n_axes
    body = [
        f"static const mf_dsp_raw_config config = {{{n_values}, "
        f"{cpp_emit.float_literal(params.scale_axes)}}};",
        "return mf_dsp_raw_run(&config, window, features);",
    ]
    return ConfigParts(
        include="mf_dsp_stats.h",
        input_len=n_values,
        output_len=n_values,
        macros={"N_AXES": n_axes},
        body=body,
    )


def _render_flatten(params: FlattenParams, target: _Target) -> ConfigParts:
    window_length, n_axes = target.window_length, target.n_axes
    selected = ", ".join(str(int(getattr(params, name))) for name in STATISTICS)
    body = [
        f"static const mf_dsp_flatten_config config = {{{window_length}, {n_axes}, "
        f"{cpp_emit.double_literal(params.scale_axes)}, {{{selected}}}}};",
        "return mf_dsp_flatten_run(&config, window, features);",
    ]
    return ConfigParts(
        include="mf_dsp_stats.h",
        input_len=window_length * n_axes,
        output_len=n_axes * len(params.selected()),
        macros={"N_AXES": n_axes},
        body=body,
    )


def _render_spectral(params: SpectralParams, target: _Target) -> ConfigParts:
    names, sample_rate_hz = target.names, target.sample_rate_hz
    window_length, n_axes = target.window_length, target.n_axes
    fft_length = params.fft_length
    n_bins = fft_length // 2 + 1
    if params.filter_type == "none":
        sos = np.zeros((0, 6))
    else:
        sos = butterworth_sos(
            params.filter_type, params.filter_order, params.filter_cutoff_hz, sample_rate_hz
        )
    angles = 2.0 * np.pi * np.arange(fft_length // 2) / fft_length
    definitions = [
        f"/* Butterworth {params.filter_type}-pass, order {params.filter_order}, "
        f"{params.filter_cutoff_hz:g} Hz: sections [b0 b1 b2 a0 a1 a2]. */",
        cpp_emit.array("float", names("sos"), sos.ravel() if sos.size else [0.0]),
        "/* Periodic Hann window of one Welch segment. */",
        cpp_emit.array("float", names("segment_window"), hann_window(fft_length)),
        "/* FFT twiddles: cos and sin of 2 pi k / N. */",
        cpp_emit.array("float", names("fft_cos"), np.cos(angles)),
        cpp_emit.array("float", names("fft_sin"), np.sin(angles)),
        cpp_emit.buffer("float", names("signal"), window_length),
        cpp_emit.buffer("float", names("fft_buffer"), fft_length),
        cpp_emit.buffer("float", names("power"), n_bins),
        cpp_emit.buffer("float", names("power_sum"), n_bins),
    ]
    n_segments = frame_count(window_length, fft_length, fft_length // 2)
    floor_ratio = (
        10.0 ** (-params.log_power_range_db / 10.0)
        if params.log_power_range_db is not None
        else 0.0
    )
    body = [
        "static const mf_dsp_spectral_config config = {",
        f"    {window_length}, {n_axes}, {cpp_emit.double_literal(params.scale_axes)},",
        f"    {len(sos)}, {names('sos')},",
        f"    {{{fft_length}, {names('fft_cos')}, {names('fft_sin')}}}, "
        f"{names('segment_window')}, {n_segments},",
        f"    {params.n_power_bands}, {params.n_peaks}, "
        f"{cpp_emit.float_literal(sample_rate_hz)}, {int(params.log_powers)},",
        f"    {cpp_emit.float_literal(floor_ratio)},",
        "};",
        f"const mf_dsp_spectral_scratch scratch = {{{names('signal')}, {names('fft_buffer')}, "
        f"{names('power')}, {names('power_sum')}}};",
        "return mf_dsp_spectral_run(&config, &scratch, window, features);",
    ]
    per_axis = 3 + params.n_power_bands + 2 * params.n_peaks
    return ConfigParts(
        include="mf_dsp_spectral.h",
        input_len=window_length * n_axes,
        output_len=n_axes * per_axis,
        macros={"N_AXES": n_axes, "FEATURES_PER_AXIS": per_axis},
        definitions=definitions,
        body=body,
    )


def _render_image(params: ImageParams, target: _Target) -> ConfigParts:
    names, input_shape = target.names, target.input_shape
    assert input_shape is not None
    in_height, in_width, channels = input_shape
    if max(in_height, in_width) > 65535:
        raise ValueError(f"input_shape {input_shape}: the C++ taps hold sizes up to 65535 pixels")
    rows_a, rows_b, row_weight = resize_taps(in_height, params.height)
    cols_a, cols_b, col_weight = resize_taps(in_width, params.width)
    grayscale = params.color_mode == "grayscale"
    definitions = [
        "/* Bilinear taps (half-pixel centres): rows, then columns. */",
        cpp_emit.array("uint16_t", names("row_a"), rows_a),
        cpp_emit.array("uint16_t", names("row_b"), rows_b),
        cpp_emit.array("float", names("row_weight"), row_weight),
        cpp_emit.array("uint16_t", names("col_a"), cols_a),
        cpp_emit.array("uint16_t", names("col_b"), cols_b),
        cpp_emit.array("float", names("col_weight"), col_weight),
    ]
    luma = ", ".join(cpp_emit.float_literal(w) for w in LUMA_WEIGHTS)
    body = [
        "static const mf_dsp_image_config config = {",
        f"    {in_height}, {in_width}, {channels}, {params.height}, {params.width}, "
        f"{int(grayscale)},",
        f"    {names('row_a')}, {names('row_b')}, {names('row_weight')},",
        f"    {names('col_a')}, {names('col_b')}, {names('col_weight')},",
        f"    {{{luma}}}, {cpp_emit.float_literal(1.0 / 255.0)},",
        "};",
        "return mf_dsp_image_run(&config, window, features);",
    ]
    # The same config at file scope, shared by both entry points.
    config = body[:-1]
    config[0] = "static const mf_dsp_image_config " + names("settings") + " = {"
    body = [f"return mf_dsp_image_run(&{names('settings')}, window, features);"]
    definitions += ["\n".join(config), cpp_emit.buffer(
        "float", names("rows"), 2 * in_width * channels
    )]
    rows_signature = (
        'extern "C" int ' + names("extract_rows")
        + "(mf_dsp_image_row_fn get_row, void *context,\n    float *features)"
    )
    declarations = [
        "",
        "/* The same features from an image read a row at a time: get_row(context, row, out)",
        " * writes row `row` (IN_WIDTH x IN_CHANNELS floats) into out; keeps two rows. */",
        rows_signature + ";",
    ]
    functions = [
        rows_signature + " {",
        f"    return mf_dsp_image_run_rows(&{names('settings')}, get_row, context, "
        f"{names('rows')},\n                                 features);",
        "}",
        "",
    ]
    out_channels = 1 if grayscale else 3
    return ConfigParts(
        include="mf_dsp_image.h",
        input_len=in_height * in_width * channels,
        output_len=params.height * params.width * out_channels,
        macros={
            "OUT_HEIGHT": params.height,
            "OUT_WIDTH": params.width,
            "OUT_CHANNELS": out_channels,
            "IN_HEIGHT": in_height,
            "IN_WIDTH": in_width,
            "IN_CHANNELS": channels,
        },
        definitions=definitions,
        body=body,
        declarations=declarations,
        functions=functions,
    )


_RENDERERS: dict[str, Callable[[Any, _Target], ConfigParts]] = {
    "mfcc": _render_mfcc,
    "mfe": _render_mfe,
    "spectrogram": _render_spectrogram,
    "raw": _render_raw,
    "flatten": _render_flatten,
    "spectral": _render_spectral,
    "image": _render_image,
}
