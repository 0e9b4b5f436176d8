"""Flatten block: a few statistics of each axis over the whole window."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field

from dsp_blocks.base import (
    BlockParams,
    DspBlock,
    DspParameterError,
    FloatArray,
    Graph,
    axis_title,
    graph_line,
)
from dsp_blocks.moments import central_moments, excess_kurtosis, skewness
from dsp_blocks.raw import check_window

STATISTICS = ("average", "minimum", "maximum", "rms", "stdev", "skewness", "kurtosis")


class FlattenParams(BlockParams):
    scale_axes: float = Field(
        1.0, ge=-1e6, le=1e6, title="Scale axes", description="Samples are multiplied first"
    )
    average: bool = Field(True, title="Average", description="Mean of each axis")
    minimum: bool = Field(True, title="Minimum", description="Minimum of each axis")
    maximum: bool = Field(True, title="Maximum", description="Maximum of each axis")
    rms: bool = Field(True, title="RMS", description="Root mean square of each axis")
    stdev: bool = Field(
        True, title="Standard deviation", description="Standard deviation (population) of each axis"
    )
    skewness: bool = Field(
        False, title="Skewness", description="Skewness m3 / m2^1.5 of each axis (0 if constant)"
    )
    kurtosis: bool = Field(
        False,
        title="Kurtosis",
        description="Excess kurtosis m4 / m2^2 - 3 of each axis (0 if constant)",
    )

    def selected(self) -> list[str]:
        return [name for name in STATISTICS if getattr(self, name)]


class FlattenBlock(DspBlock[FlattenParams]):
    """Per axis, the selected statistics of scale_axes * samples in the order average, minimum,
    maximum, rms, stdev, skewness, kurtosis (population moments, computed in float64).
    Output `(n_axes * n_selected,)`: axis 0's statistics, then axis 1's, ..."""

    name = "flatten"
    title = "Flatten"
    description = "Statistics of each axis (mean, min, max, RMS, ...): for slow-moving sensors."
    output_kind = "vector"
    Params = FlattenParams

    def validate(
        self, params: FlattenParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        check_window(window_length, n_axes)
        if not params.selected():
            raise DspParameterError(
                "statistics", "none", f"select at least one of {', '.join(STATISTICS)}"
            )

    def valid_output_shape(
        self, params: FlattenParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        return (n_axes * len(params.selected()),)

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: FlattenParams
    ) -> FloatArray:
        batch = self.checked_batch(windows, sample_rate_hz=sample_rate_hz, params=params)
        signal = batch.astype(np.float64) * params.scale_axes
        mean, m2, m3, m4 = central_moments(signal)
        values = {
            "average": mean,
            "minimum": signal.min(axis=1),
            "maximum": signal.max(axis=1),
            "rms": np.sqrt((signal * signal).mean(axis=1)),
            "stdev": np.sqrt(m2),
            "skewness": skewness(m2, m3),
            "kurtosis": excess_kurtosis(m2, m4),
        }
        # (batch, n_axes, n_selected) -> axis-major flat vector.
        stacked = np.stack([values[name] for name in params.selected()], axis=-1)
        return stacked.reshape(batch.shape[0], -1).astype(np.float32)

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: FlattenParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        features = self.extract(window[None], sample_rate_hz=sample_rate_hz, params=params)[0]
        names = params.selected()
        n_axes = features.size // len(names)
        return [
            graph_line(
                axis_title(axis_names, axis),
                np.arange(len(names)),
                features[axis * len(names) : (axis + 1) * len(names)],
                "Statistic (" + ", ".join(names) + ")",
                "Value",
                kind="bar",
            )
            for axis in range(n_axes)
        ]


FLATTEN = FlattenBlock()
