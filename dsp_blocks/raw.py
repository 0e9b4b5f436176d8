"""Raw block: the window's samples, multiplied by a scale factor, flattened."""

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
    as_batch,
    axis_title,
    graph_line,
)


class RawParams(BlockParams):
    scale_axes: float = Field(
        1.0,
        ge=-1e6,
        le=1e6,
        title="Scale axes",
        description="Every sample is multiplied by this factor",
    )


def check_window(window_length: int, n_axes: int) -> None:
    if window_length < 1:
        raise DspParameterError("window_length", window_length, "a window needs at least 1 sample")
    if n_axes < 1:
        raise DspParameterError("n_axes", n_axes, "a window needs at least 1 axis")


class RawBlock(DspBlock[RawParams]):
    """features = scale_axes * samples, interleaved as in the window (sample 0 axes 0..A-1, ...).
    Output `(n_samples * n_axes,)` in the input's units times the scale."""

    name = "raw"
    title = "Raw data"
    description = "The samples themselves, scaled: for models that learn from the signal directly."
    output_kind = "vector"
    Params = RawParams

    def validate(
        self, params: RawParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        check_window(window_length, n_axes)

    def valid_output_shape(
        self, params: RawParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        return (window_length * n_axes,)

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: RawParams
    ) -> FloatArray:
        batch = self.checked_batch(windows, sample_rate_hz=sample_rate_hz, params=params)
        return batch.reshape(batch.shape[0], -1) * np.float32(params.scale_axes)

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: RawParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        scaled = as_batch(window[None])[0] * np.float32(params.scale_axes)
        time_s = np.arange(scaled.shape[0]) / sample_rate_hz
        return [
            graph_line(axis_title(axis_names, axis), time_s, scaled[:, axis], "Time", "Value", "s")
            for axis in range(scaled.shape[1])
        ]


RAW = RawBlock()
