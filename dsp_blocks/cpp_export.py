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

Every header also declares `<prefix>_<block>_extract_shifted(window, shifted_samples, features)`
for streams: the audio blocks reuse the frames a shift of whole strides carried over (see
mf_dsp_audio.h); the other blocks compute the window anew.
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
from dsp_blocks.mel import sparse_rows, triangle_segments
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
    # Body of extract_shifted (window, shifted_samples, features); None: the plain extraction.
    shifted_body: list[str] | None = None


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
        "",
        "/* The same features for a stream: window is the previous call's window moved forward by",
        " * shifted_samples, and features still holds that call's result (shifted_samples 0: none",
        " * to reuse). */",
        'extern "C" int ' + _shifted_signature(names) + ";",
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
        'extern "C" int ' + _shifted_signature(names) + " {",
        *(
            f"    {line}" if line else ""
            for line in (
                parts.shifted_body
                if parts.shifted_body is not None
                else ["(void)shifted_samples;", f"return {names('extract')}(window, features);"]
            )
        ),
        "}",
        "",
        *parts.functions,
        f"#endif /* {macro}_IMPLEMENTATION */",
        "",
    ]
    return "\n".join(lines)


def _shifted_signature(names: _Names) -> str:
    return names("extract_shifted") + "(const float *window, int shifted_samples, float *features)"


def _bit_reversed(count: int) -> list[int]:
    """Index k with its log2(count) bits reversed, for k < count (a power of two).

    >>> _bit_reversed(8)
    [0, 4, 2, 6, 1, 5, 3, 7]
    """
    bits = count.bit_length() - 1
    return [int(format(k, f"0{bits}b")[::-1], 2) if bits else 0 for k in range(count)]


def _stage_twiddles(m: int) -> np.ndarray:
    """The float FFT's twiddles in the order its stages read them (mf_dsp_real_fft_power): after a
    first stage of adds (span 4 when m is a power of 4, else 2), radix-4 stages while the bits
    left are not a multiple of 3, then radix-8 ones; a radix-4 stage of span L reads W_L^(r j),
    r = 1..3, for j = 0..L/4 - 1, a radix-8 stage W_L^(r j), r = 1..7, for j = 1..L/8 - 1 (j = 0
    has no products). One entry (1) when there is no such stage."""
    log2_m = m.bit_length() - 1
    span = 4 if log2_m % 2 == 0 and m >= 4 else 2
    rows: list[np.ndarray] = []
    while span < m:
        bits_left = log2_m - (span.bit_length() - 1)
        radix = 8 if bits_left % 3 == 0 else 4
        first_j = 1 if radix == 8 else 0
        j = np.arange(first_j, span)[:, None]
        r = np.arange(1, radix)[None, :]
        rows.append(np.exp(-2j * np.pi * (r * j) / (radix * span)).ravel())
        span *= radix
    return np.concatenate(rows) if rows else np.ones(1)


def _interleaved(values: np.ndarray) -> np.ndarray:
    """Complex values as (re, im) pairs."""
    return np.stack([values.real, values.imag], axis=-1).ravel()


def _frames_and_fft(
    names: _Names, layout: FrameLayout, pre_emphasis: float
) -> tuple[list[str], str, str]:
    """Window, FFT tables and buffer; the initialisers of the frame config and FFT plan. The
    float buffer is the float path's only: the fixed-point path has a buffer of its own."""
    n = layout.fft_length
    m = n // 2
    twiddles = _stage_twiddles(m)
    split = np.exp(-2j * np.pi * np.arange(m // 2 + 1) / n)
    buffer = cpp_emit.buffer("float", names("fft_buffer"), n + 2)
    definitions = [
        "/* Periodic Hann window of one frame. */",
        cpp_emit.array("float", names("window"), hann_window(layout.frame_length)),
        f"/* The {n}-point real FFT as a {m}-point complex one: input order (bit-reversed),",
        f" * twiddles in the order the stages read them, split-step twiddles exp(-2 pi i k / {n}),",
        " * as (re, im) pairs. */",
        cpp_emit.array("uint16_t", names("fft_order"), _bit_reversed(m)),
        cpp_emit.array("float", names("fft_twiddles"), _interleaved(twiddles)),
        cpp_emit.array("float", names("fft_split"), _interleaved(split)),
        "/* The frame, then its powers (every second float); two floats more than the FFT. */",
        *_path_only(True, [buffer]),
    ]
    frames = (
        f"{{{layout.frame_length}, {layout.stride}, {layout.n_frames}, "
        f"{cpp_emit.float_literal(pre_emphasis)}, {names('window')}}}"
    )
    fft = f"{{{n}, {names('fft_order')}, {names('fft_twiddles')}, {names('fft_split')}}}"
    return definitions, frames, fft


def _mel(target: _Target, layout: FrameLayout, params: MelAudioParams) -> tuple[list[str], str]:
    names = target.names
    weights = mel_weights_for(
        params, sample_rate_hz=target.sample_rate_hz, fft_length=layout.fft_length
    )
    dense = weights.T.astype(np.float64)
    starts, lengths, _ = sparse_rows(dense)
    segment_ends, rising = triangle_segments(dense)
    # The FFT leaves 4 |X|^2; the power spectrum is |X|^2 / N. Scaling float32 weights by a power
    # of two is exact, so the rising weights equal the Python block's / N over 4.
    unit = float(np.float32(1.0 / layout.fft_length) * np.float32(0.25))
    scaled = rising.astype(np.float32) * np.float32(unit)
    definitions = [
        "/* Mel filterbank (HTK formula): each filter's first bin and bin count, and the segments",
        " * between the filters' peaks with the rising weights, which include the power spectrum's",
        f" * 1 / (4 x {layout.fft_length}). */",
        cpp_emit.array("uint16_t", names("mel_start"), starts),
        cpp_emit.array("uint16_t", names("mel_length"), lengths),
        cpp_emit.array("uint16_t", names("mel_segment_end"), segment_ends),
        cpp_emit.array("float", names("mel_rising"), scaled),
    ]
    init = (
        f"{{{params.n_filters}, {names('mel_start')}, {names('mel_length')}, "
        f"{names('mel_segment_end')}, {names('mel_rising')}, {cpp_emit.float_literal(unit)}}}"
    )
    return definitions, init


def _scratch(
    names: _Names,
    name: str,
    mel: str = "0",
    column: str = "0",
    history: str = "0",
    *,
    fixed: bool = False,
    log2_mel: bool = True,
) -> str:
    """A named scratch at file scope: its own section, so a linker that drops an unused entry
    point (--gc-sections) drops the buffers only that entry point uses. `fixed`: the block has a
    fixed-point path, whose buffers replace the float ones in a fixed-point build; `log2_mel`
    false: it has no mel levels (the spectrogram's go over its FFT buffer)."""
    if not fixed:
        return (
            f"static const mf_dsp_audio_scratch {names(name)} = {{{names('fft_buffer')}, {mel}, "
            f"{column}, {history}, 0, 0}};"
        )
    fft = f"MF_DSP_FLOAT_ONLY({names('fft_buffer')})"
    mel = f"MF_DSP_FLOAT_ONLY({mel})" if mel != "0" else mel
    levels = f"MF_DSP_FIXED_ONLY({names('log2_mel')})" if log2_mel else "0"
    fixed_buffers = f"MF_DSP_FIXED_ONLY({names('fixed_buffer')}), {levels}"
    return (
        f"static const mf_dsp_audio_scratch {names(name)} = {{\n    {fft}, {mel}, {column}, "
        f"{history},\n    {fixed_buffers}}};"
    )


def _path_only(float_path: bool, definitions: list[str]) -> list[str]:
    """Definitions compiled in the float path only (float_path) or the fixed-point one only."""
    condition = "!MF_DSP_FIXED_POINT" if float_path else "MF_DSP_FIXED_POINT"
    return [f"#if {condition}", *definitions, "#endif"]


Q15 = 1 << 15
LOG2_DB = 10.0 * np.log10(2.0)  # dB per octave of power


def _q30(values: np.ndarray) -> np.ndarray:
    """Window weights and the split step's twiddles (magnitude at most 1) in Q30."""
    return np.round(np.asarray(values, dtype=np.float64) * (1 << 30))


def _q31(values: np.ndarray) -> np.ndarray:
    """Twiddles in Q31, 1 as 2^31 - 1 (the high word of a product with one is half the value)."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) * 2.0**31), -(2**31), 2**31 - 1)


def _fixed_tables(
    target: _Target,
    layout: FrameLayout,
    pre_emphasis: float,
    params: MelAudioParams | None,
    dct: np.ndarray | None,
) -> tuple[list[str], str]:
    """The fixed-point path's tables (mf_dsp_fixed.h) and buffers, compiled in a fixed-point
    build only; the initialiser of the config's `fixed` member. `params` None: the spectrogram,
    no filterbank (its levels are the bins' own, log2(1 / N) their scale)."""
    names = target.names
    n = layout.fft_length
    m = n // 2
    twiddles = _stage_twiddles(m)
    split = np.exp(-2j * np.pi * np.arange(m // 2 + 1) / n)
    common = [
        cpp_emit.array("int32_t", names("window_q30"), _q30(hann_window(layout.frame_length))),
        cpp_emit.array("int32_t", names("fft_twiddles_q31"), _q31(_interleaved(twiddles))),
        cpp_emit.array("int32_t", names("fft_split_q30"), _q30(_interleaved(split))),
    ]
    fft_init = (
        f"    {names('window_q30')}, {int(round(pre_emphasis * Q15))},"
        f" {names('fft_twiddles_q31')}, {names('fft_split_q30')},\n"
    )
    buffer = cpp_emit.buffer("int32_t", names("fixed_buffer"), n + 2)
    if params is None:
        definitions = [
            "/* Fixed-point path (mf_dsp_fixed.h): window in Q30, twiddles in Q31 (split step's in",
            f" * Q30); no mel weights, log2(1 / {n}) in Q16. */",
            *common,
            "static const mf_dsp_fixed_tables "
            + names("fixed")
            + " = {\n"
            + fft_init
            + f"    0, {int(round(-np.log2(n) * 65536))},  /* no mel weights, log2(1 / N) */\n"
            "    0, 0, 0,  /* no DCT */\n"
            "};",
            buffer,
        ]
        return _path_only(False, definitions), f"MF_DSP_FIXED_ONLY(&{names('fixed')})"
    weights = mel_weights_for(
        params, sample_rate_hz=target.sample_rate_hz, fft_length=layout.fft_length
    )
    starts, lengths, packed = sparse_rows(weights.T.astype(np.float64))
    packed = packed.astype(np.float32).astype(np.float64)
    largest = float(packed.max())
    # Weights in Q(mel_q) of the largest one: one filter's integer weights sum below 2^16, so its
    # 16 x 16-bit products (mf_dsp_fixed.cpp) sum below 2^32.
    ends = np.cumsum(lengths)
    filter_sums = np.add.reduceat(packed / largest, ends - np.asarray(lengths))
    mel_q = min(15, int(np.floor(np.log2(65535.0 / float(filter_sums.max())))))
    mel_weights = np.round(packed / largest * (1 << mel_q))
    while np.add.reduceat(mel_weights, ends - np.asarray(lengths)).max() > 65535:
        mel_q -= 1
        mel_weights = np.round(packed / largest * (1 << mel_q))
    log2_scale = np.log2(largest / (n * float(1 << mel_q)))
    definitions = [
        "/* Fixed-point path (mf_dsp_fixed.h): window in Q30, pre-emphasis in Q15, twiddles in Q31",
        " * (split step's in Q30); mel",
        f" * weights in Q{mel_q} of the largest, log2(largest / ({n} x 2^{mel_q})) in Q16. */",
        *common,
        cpp_emit.array("uint16_t", names("mel_weights_fixed"), mel_weights),
    ]
    dct_init = "0, 0, 0"
    if dct is not None:
        # Q(dct_q) rows x 10 log10 2 (dB per octave), as fine as int16 holds and as each row's
        # products with the levels' high parts (below 2^12: Q6) sum below 2^31; the low parts
        # (below 2^10) then sum below 2^29.
        scaled = dct * LOG2_DB
        dct_q = min(
            int(np.floor(np.log2(32767.0 / float(np.abs(scaled).max())))),
            int(np.floor(np.log2(2.0**19 / float(np.abs(scaled).sum(axis=1).max())))),
        )
        dct_fixed = np.round(scaled * (1 << dct_q))
        definitions += [
            f"/* DCT rows x 10 log10(2) in Q{dct_q}, and each row's sum. */",
            cpp_emit.array("int16_t", names("dct_fixed"), dct_fixed.ravel()),
            cpp_emit.array("int32_t", names("dct_row_sums"), dct_fixed.sum(axis=1)),
        ]
        dct_init = f"{names('dct_fixed')}, {names('dct_row_sums')}, {dct_q}"
    definitions += [
        "static const mf_dsp_fixed_tables "
        + names("fixed")
        + " = {\n"
        + fft_init
        + f"    {names('mel_weights_fixed')}, {int(round(log2_scale * 65536))},  "
        "/* mel weights, log2 of their scale */\n"
        f"    {dct_init},  /* DCT rows, their sums, Q */\n"
        "};",
        buffer,
        cpp_emit.buffer("int32_t", names("log2_mel"), params.n_filters),
    ]
    return _path_only(False, definitions), f"MF_DSP_FIXED_ONLY(&{names('fixed')})"


FRAMES_COMMENT = "/* frames: length, stride, count, pre-emphasis, window */"
FFT_COMMENT = "/* FFT: length, input order, twiddles, split twiddles */"
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
    """Frames and FFT, then the mel filterbank for the blocks that have one. Every audio block
    has a fixed-point path."""
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


def _audio_parts(
    block_name: str, names: _Names, entries: list[str], scratches: list[str], shifted: str
) -> tuple[list[str], list[str], list[str]]:
    """The config (from its entries, one a line) and scratch buffers at file scope, the body of
    extract and that of extract_shifted (`shifted`: the name of its scratch)."""
    config = "\n".join(
        [
            f"static const mf_dsp_{block_name}_config {names('settings')} = {{",
            *(f"    {entry}" for entry in entries),
            "};",
        ]
    )
    settings = names("settings")
    body = [f"return mf_dsp_{block_name}_run(&{settings}, &{names('scratch')}, window, features);"]
    call = f"return mf_dsp_{block_name}_run_shifted("
    shifted_body = [
        f"{call}&{settings}, &{names(shifted)}, window, shifted_samples,",
        " " * len(call) + "features);",
    ]
    return [config, *scratches], body, shifted_body


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
    n_frames = audio.layout.n_frames
    output_len = n_frames * params.n_coefficients
    normalize = params.normalization_window_frames
    # dB = (10 / ln 10) ln E: the factor goes into the DCT rows.
    dct = dct_float32(params.n_coefficients, params.n_filters).T * np.float32(10.0 / np.log(10.0))
    fixed_definitions, fixed = _fixed_tables(
        target,
        audio.layout,
        params.pre_emphasis,
        params,
        dct_float32(params.n_coefficients, params.n_filters).T.astype(np.float64),
    )
    definitions = audio.definitions + [
        *_path_only(True, [cpp_emit.buffer("float", names("mel"), params.n_filters)]),
        "/* Orthonormal DCT-II rows, n_coefficients x n_filters, times 10 / ln 10. */",
        cpp_emit.array("float", names("dct"), dct.ravel()),
        *fixed_definitions,
    ]
    column = history = "0"
    if normalize:
        definitions += [
            "/* One coefficient's frames while normalising, in fixed point. */",
            cpp_emit.buffer("int64_t", names("column"), n_frames),
            "/* Streams only (extract_shifted): the unnormalised cepstra of the last window. */",
            cpp_emit.buffer("float", names("history"), output_len),
        ]
        column, history = names("column"), names("history")
    entries = audio.entries + [
        f"{params.n_coefficients}, {names('dct')},  /* coefficients, DCT rows */",
        f"{normalize}, {int(params.normalize_variance)},  "
        "/* normalisation window (frames), variance */",
        f"{fixed},  /* fixed-point tables */",
    ]
    scratches = [_scratch(names, "scratch", names("mel"), column, fixed=True)]
    if normalize:
        scratches.append(
            _scratch(names, "stream_scratch", names("mel"), column, history, fixed=True)
        )
    config, body, shifted = _audio_parts(
        "mfcc", names, entries, scratches, "stream_scratch" if normalize else "scratch"
    )
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=output_len,
        macros={"N_FRAMES": n_frames, "N_COEFFICIENTS": params.n_coefficients},
        definitions=[*definitions, *config],
        body=body,
        shifted_body=shifted,
    )


def _render_mfe(params: MfeParams, target: _Target) -> ConfigParts:
    audio = _audio_config("mfe", params, target, pre_emphasis=0.0)
    fixed_definitions, fixed = _fixed_tables(target, audio.layout, 0.0, params, None)
    entries = [
        *audio.entries,
        _noise_floor_entry(params),
        f"{fixed},  /* fixed-point tables */",
    ]
    config, body, shifted = _audio_parts(
        "mfe", target.names, entries, [_scratch(target.names, "scratch", fixed=True)], "scratch"
    )
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=audio.layout.n_frames * params.n_filters,
        macros={"N_FRAMES": audio.layout.n_frames, "N_FILTERS": params.n_filters},
        definitions=[*audio.definitions, *fixed_definitions, *config],
        body=body,
        shifted_body=shifted,
    )


def _render_spectrogram(params: SpectrogramParams, target: _Target) -> ConfigParts:
    audio = _audio_config("spectrogram", params, target, pre_emphasis=0.0)
    layout = audio.layout
    fixed_definitions, fixed = _fixed_tables(target, layout, 0.0, None, None)
    entries = [
        *audio.entries,
        _noise_floor_entry(params),
        f"{fixed},  /* fixed-point tables */",
    ]
    scratch = _scratch(target.names, "scratch", fixed=True, log2_mel=False)
    config, body, shifted = _audio_parts("spectrogram", target.names, entries, [scratch], "scratch")
    return ConfigParts(
        include="mf_dsp_audio.h",
        input_len=target.window_length,
        output_len=layout.n_frames * layout.n_bins,
        macros={"N_FRAMES": layout.n_frames, "N_BINS": layout.n_bins},
        definitions=[*audio.definitions, *fixed_definitions, *config],
        body=body,
        shifted_body=shifted,
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
    definitions += [
        "\n".join(config),
        cpp_emit.buffer("float", names("rows"), 2 * in_width * channels),
    ]
    rows_signature = (
        'extern "C" int '
        + names("extract_rows")
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
