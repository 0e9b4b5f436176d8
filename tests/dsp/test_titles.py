"""Every DSP parameter has a title written for a person: the UI labels its form with it."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_blocks.registry import BLOCKS


@pytest.mark.parametrize("block_name", sorted(BLOCKS))
def test_every_parameter_has_a_written_title(block_name: str) -> None:
    params = BLOCKS[block_name].Params
    properties = params.model_json_schema()["properties"]
    for name, field in params.model_fields.items():
        # Without one, pydantic makes one up from the name ("fft_length" -> "Fft Length").
        assert field.title, f"{block_name}.{name} has no title"
        assert properties[name]["title"] == field.title


def test_titles_spell_out_abbreviations() -> None:
    properties = BLOCKS["spectral"].Params.model_json_schema()["properties"]
    assert properties["fft_length"]["title"] == "FFT length"
    assert properties["n_power_bands"]["title"] == "Number of power bands"


@pytest.mark.parametrize("block_name", ["spectral", "raw", "flatten"])
def test_graph_titles_name_the_axes(block_name: str) -> None:
    block = BLOCKS[block_name]
    window = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    graphs = block.graphs(
        window, sample_rate_hz=100.0, params=block.default_params(), axis_names=["accX", "accY"]
    )
    titles = " ".join(graph.name for graph in graphs)
    assert "accX" in titles and "accY" in titles
    assert "axis 0" not in titles.lower()
