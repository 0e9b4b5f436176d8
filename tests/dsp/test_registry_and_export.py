"""Every registered block honours the common contract; the C++ export is complete and stable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dsp_blocks.base import DspParameterError, Graph
from dsp_blocks.cpp_emit import BANNER
from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config
from dsp_blocks.registry import BLOCKS

GOLDEN_DIR = Path(__file__).parent / "golden"

# A typical input per block: (sample rate, window shape without batch).
TYPICAL_INPUT: dict[str, tuple[float, tuple[int, ...]]] = {
    "mfcc": (16000.0, (16000, 1)),
    "mfe": (16000.0, (16000, 1)),
    "spectrogram": (16000.0, (16000, 1)),
    "spectral": (62.5, (125, 3)),
    "raw": (62.5, (125, 3)),
    "flatten": (62.5, (125, 3)),
    "image": (0.0, (48, 40, 3)),
}


def test_every_block_has_a_typical_input() -> None:
    assert set(BLOCKS) == set(TYPICAL_INPUT)


@pytest.mark.parametrize("name", sorted(TYPICAL_INPUT))
def test_block_contract(name: str, rng: np.random.Generator) -> None:
    block = BLOCKS[name]
    assert block.name == name and block.title and block.description
    assert block.output_kind in ("image", "vector")
    schema = block.Params.model_json_schema()
    for field, spec in schema["properties"].items():
        assert spec.get("description"), f"{name}.{field} has no description for the UI"

    sample_rate_hz, shape = TYPICAL_INPUT[name]
    windows = (
        rng.uniform(-1, 1, (2, *shape)) * (127 if name == "image" else 1)
        + (128 if name == "image" else 0)
    ).astype(np.float32)
    params = block.default_params()
    features = block.extract(windows, sample_rate_hz=sample_rate_hz, params=params)
    window_length, n_axes = (shape[0] * shape[1], shape[2]) if name == "image" else shape
    expected_shape = block.output_shape(
        params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
    )
    assert features.shape == (2, *expected_shape)
    assert features.dtype == np.float32 and np.isfinite(features).all()

    graphs = block.graphs(windows[0], sample_rate_hz=sample_rate_hz, params=params)
    assert graphs and all(isinstance(graph, Graph) for graph in graphs)
    for graph in graphs:
        values = graph.matrix if graph.kind == "image" else [graph.x, graph.y]
        assert values is not None
        assert np.isfinite(np.asarray(values, dtype=np.float64)).all()
        if graph.kind != "image":
            assert graph.x is not None and graph.y is not None and len(graph.x) == len(graph.y)


def test_cpp_sources_are_the_runtime() -> None:
    sources = cpp_sources()
    names = {path.name for path in sources}
    assert {"mf_dsp_fft.cpp", "mf_dsp_fft.h", "mf_dsp_mel.cpp", "mf_dsp_audio.cpp"} <= names
    for path in sources:
        assert path.is_file()
        if path.suffix == ".cpp":
            assert path.with_suffix(".h").name in names, f"{path.name} has no header"


@pytest.mark.parametrize("name", sorted(TYPICAL_INPUT))
def test_render_config_is_deterministic_and_bannered(name: str) -> None:
    sample_rate_hz, shape = TYPICAL_INPUT[name]
    kwargs: dict[str, Any] = {"sample_rate_hz": sample_rate_hz}
    if name == "image":
        kwargs.update(window_length=0, n_axes=0, input_shape=shape)
    else:
        kwargs.update(window_length=shape[0], n_axes=shape[1])
    first = render_config(name, {}, symbol_prefix="kws", **kwargs)
    assert first == render_config(name, {}, symbol_prefix="kws", **kwargs)
    assert first.startswith(BANNER)
    assert f"int kws_{name}_extract(const float *window, float *features);" in first
    assert f"#define KWS_{name.upper()}_OUTPUT_LEN" in first


def test_render_config_refuses_bad_input() -> None:
    shape = {"sample_rate_hz": 16000, "window_length": 16000, "n_axes": 1}
    with pytest.raises(ValueError, match="must be a C identifier"):
        render_config("mfcc", {}, symbol_prefix="my-dsp", **shape)
    with pytest.raises(DspParameterError, match="fft_length"):
        render_config("mfcc", {"fft_length": 128}, **shape)
    with pytest.raises(ValueError, match="input_shape"):
        render_config("image", {}, **shape)


def test_golden_config_header() -> None:
    """A small config kept in the repo: generator changes show up as a reviewable diff.

    Regenerate with MCUFORGE_REGENERATE_GOLDEN=1 after an intended change.
    """
    header = render_config(
        "spectrogram",
        {"frame_length_s": 0.008, "frame_stride_s": 0.008, "fft_length": 8},
        sample_rate_hz=1000,
        window_length=32,
        n_axes=1,
    )
    golden = GOLDEN_DIR / config_header_name("spectrogram")
    if os.environ.get("MCUFORGE_REGENERATE_GOLDEN"):
        golden.write_text(header)
    assert header == golden.read_text()
