"""Image block: bilinear resize, optional grayscale (ITU-R 601 luma), pixel values scaled to [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from dsp_blocks.base import (
    BlockParams,
    DspBlock,
    DspParameterError,
    FloatArray,
    Graph,
    as_batch,
    graph_image,
)

# ITU-R BT.601 luma weights of R, G, B.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


class ImageParams(BlockParams):
    width: int = Field(96, ge=1, le=1024, title="Width", description="Output width in pixels")
    height: int = Field(96, ge=1, le=1024, title="Height", description="Output height in pixels")
    color_mode: Literal["rgb", "grayscale"] = Field(
        "rgb",
        title="Color mode",
        description="Keep the three colour channels or convert to one luma channel",
    )


def resize_taps(
    n_in: int, n_out: int
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.float32]]:
    """For each output index: the two input indices and the weight of the second.

    Half-pixel centres (as OpenCV and TF `half_pixel_centers`): source = (i + 0.5) n_in / n_out
    - 0.5, clamped to [0, n_in - 1]. The C++ twin receives these same tables.
    """
    source = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    source = np.clip(source, 0.0, n_in - 1)
    first = np.floor(source).astype(np.int32)
    second = np.minimum(first + 1, n_in - 1).astype(np.int32)
    return first, second, (source - first).astype(np.float32)


class ImageBlock(DspBlock[ImageParams]):
    """Input `(height, width, channels)` pixel values 0..255, channels 1 or 3. Grayscale first (if
    asked) as 0.299 R + 0.587 G + 0.114 B, then bilinear resize to height x width (horizontal pass
    inside each of the two rows, then vertical), then / 255.
    Output `(height, width, 3 or 1)` in [0, 1] for inputs in 0..255.

    For this block `window_length` is the number of input pixels and `n_axes` the channels."""

    name = "image"
    title = "Image"
    description = "Resizes images and scales their pixels to [0, 1], in colour or grayscale."
    output_kind = "image"
    Params = ImageParams

    def validate(
        self, params: ImageParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        if n_axes not in (1, 3):
            raise DspParameterError(
                "channels", n_axes, "images must have 1 (grayscale) or 3 (RGB) channels"
            )
        if params.color_mode == "rgb" and n_axes != 3:
            raise DspParameterError(
                "color_mode",
                params.color_mode,
                "rgb output needs RGB images (3 channels); these have 1, use grayscale",
            )
        if window_length < 1:
            raise DspParameterError("window_length", window_length, "an image needs pixels")

    def defaults_for(
        self, *, window_length: int, sample_rate_hz: float, n_axes: int
    ) -> ImageParams:
        """Grayscale output for one-channel images; `n_axes` is the images' channels."""
        return self.fitted({"color_mode": "grayscale" if n_axes == 1 else "rgb"})

    def valid_output_shape(
        self, params: ImageParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        return (params.height, params.width, 3 if params.color_mode == "rgb" else 1)

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: ImageParams
    ) -> FloatArray:
        images = as_batch(windows, rank=4)
        _, in_height, in_width, channels = images.shape
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=in_height * in_width,
            n_axes=channels,
        )
        if params.color_mode == "grayscale" and channels == 3:
            red, green, blue = (np.float32(w) for w in LUMA_WEIGHTS)
            images = images[..., 0:1] * red + images[..., 1:2] * green + images[..., 2:3] * blue
        rows_a, rows_b, row_weight = resize_taps(in_height, params.height)
        cols_a, cols_b, col_weight = resize_taps(in_width, params.width)
        col_w = col_weight[None, None, :, None]
        row_w = row_weight[None, :, None, None]
        one = np.float32(1.0)

        def horizontal(rows: NDArray[np.int32]) -> FloatArray:
            picked = images[:, rows]
            return np.asarray(
                picked[:, :, cols_a] * (one - col_w) + picked[:, :, cols_b] * col_w,
                dtype=np.float32,
            )

        resized = horizontal(rows_a) * (one - row_w) + horizontal(rows_b) * row_w
        return np.asarray(resized * np.float32(1.0 / 255.0), dtype=np.float32)

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: ImageParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        features = self.extract(window[None], sample_rate_hz=sample_rate_hz, params=params)[0]
        return [
            graph_image(f"Channel {c}", features[:, :, c], "x", "y", "px", "px")
            for c in range(features.shape[-1])
        ]


IMAGE = ImageBlock()
