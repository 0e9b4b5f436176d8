"""The contract every DSP block follows: parameters, batch extraction, validation and UI graphs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError

FloatArray = NDArray[np.float32]
OutputKind = Literal["image", "vector"]

# The shortest frame an audio block accepts, in samples.
MIN_FRAME_SAMPLES = 4


class DspParameterError(ValueError):
    """A parameter value that breaks a rule; the message names the parameter, value and rule."""

    def __init__(self, parameter: str, value: object, rule: str) -> None:
        self.parameter = parameter
        self.value = value
        self.rule = rule
        super().__init__(f"{parameter} = {value!r}: {rule}")


class Graph(BaseModel):
    """Data for one UI graph on one window: a line or bar (x, y) or an image (matrix)."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["line", "image", "bar"]
    x: list[float] | None = None
    y: list[float] | None = None
    matrix: list[list[float]] | None = None
    x_title: str
    y_title: str
    x_unit: str = ""
    y_unit: str = ""


class BlockParams(BaseModel):
    """Base of every block's parameters: unknown fields are an error, not silently ignored, and
    values are taken as their JSON type says (strict): `true` is not 1, `"5"` is not 5, 1.5 is not
    an integer; a whole number is still a float."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


P = TypeVar("P", bound=BlockParams)


class DspBlock(ABC, Generic[P]):
    """One DSP block. `extract` takes a batch of windows and is the reference for the C++ twin."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    output_kind: ClassVar[OutputKind]
    Params: type[P]

    def default_params(self) -> P:
        return self.Params()

    def defaults_for(self, *, window_length: int, sample_rate_hz: float, n_axes: int) -> P:
        """Default parameters fitted to windows of `window_length` samples at `sample_rate_hz`
        with `n_axes` axes: the model's defaults, with those that would not fit such windows
        changed to values that do. A block with nothing to fit returns the model's defaults;
        windows no parameters can fit raise `DspParameterError`."""
        return self.default_params()

    def fitted(self, updates: Mapping[str, Any]) -> P:
        """The model's defaults with `updates`, validated by the model (the one source of the
        fields' ranges)."""
        return self.Params.model_validate({**self.default_params().model_dump(), **updates})

    def check_fits(
        self, params: P, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        """`validate`, with the refusal of a parameter that no longer fits the windows naming the
        value that `defaults_for` fits to them (e.g. after the window was shortened)."""
        try:
            self.validate(
                params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
            )
        except DspParameterError as error:
            hint = self._fitted_hint(
                error,
                params,
                sample_rate_hz=sample_rate_hz,
                window_length=window_length,
                n_axes=n_axes,
            )
            if hint is None:
                raise
            raise DspParameterError(error.parameter, error.value, f"{error.rule}; {hint}") from None

    def _fitted_hint(
        self,
        error: DspParameterError,
        params: P,
        *,
        sample_rate_hz: float,
        window_length: int,
        n_axes: int,
    ) -> str | None:
        if error.parameter not in self.Params.model_fields:
            return None
        try:
            fitted = self.defaults_for(
                window_length=window_length, sample_rate_hz=sample_rate_hz, n_axes=n_axes
            )
        except DspParameterError:
            return None
        value = getattr(fitted, error.parameter)
        if value == getattr(params, error.parameter):
            return None
        shown = (
            "empty (auto)"
            if value is None
            else f"{value:g}"
            if isinstance(value, float)
            else repr(value)
        )
        return (
            f"{error.parameter} = {shown} fits windows of {window_length} samples at "
            f"{sample_rate_hz:g} Hz"
        )

    def parse_params(self, values: Mapping[str, Any] | None = None) -> P:
        """Build parameters from user input; range violations become `DspParameterError`."""
        try:
            return self.Params.model_validate(dict(values or {}))
        except ValidationError as error:
            first = error.errors()[0]
            parameter = ".".join(str(part) for part in first["loc"]) or "params"
            raise DspParameterError(parameter, first.get("input"), first["msg"]) from None

    @abstractmethod
    def validate(
        self, params: P, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        """Raise `DspParameterError` when `params` cannot be applied to such windows."""

    def output_shape(
        self, params: P, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        """Shape of the features of one window (without the batch axis); invalid parameters raise
        `DspParameterError`."""
        self.validate(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        return self.valid_output_shape(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )

    @abstractmethod
    def valid_output_shape(
        self, params: P, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        """`output_shape` for parameters that `validate` has accepted for such windows."""

    @abstractmethod
    def extract(self, windows: FloatArray, *, sample_rate_hz: float, params: P) -> FloatArray:
        """Features of a batch of windows, shape `(batch, *output_shape)`, float32."""

    def checked_batch(self, windows: FloatArray, *, sample_rate_hz: float, params: P) -> FloatArray:
        """A batch `(batch, n_samples, n_axes)` as float32, once `validate` accepts its windows."""
        batch = as_batch(windows)
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        return batch

    @abstractmethod
    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: P,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        """The UI's graphs for one window (no batch axis); `axis_names` name the window's columns
        in the graphs' titles ("accX"), which fall back to "axis 0" without them."""


def axis_title(axis_names: Sequence[str], axis: int) -> str:
    """The name a graph title gives the window's column `axis`: its axis name where known."""
    return axis_names[axis] if axis < len(axis_names) else f"axis {axis}"


def as_batch(windows: NDArray[Any], *, rank: int = 3) -> FloatArray:
    """Check the batch array's rank and return it as C-contiguous float32."""
    array = np.asarray(windows)
    if array.ndim != rank:
        layout = "(batch, n_samples, n_axes)" if rank == 3 else "(batch, height, width, channels)"
        raise DspParameterError(
            "windows", f"array of shape {array.shape}", f"the batch must have the layout {layout}"
        )
    return np.ascontiguousarray(array, dtype=np.float32)


def require_single_axis(n_axes: int, block_title: str) -> None:
    if n_axes != 1:
        raise DspParameterError(
            "n_axes", n_axes, f"{block_title} works on one axis (audio); the window has {n_axes}"
        )


def check_samples(parameter: str, seconds: float, samples: int, sample_rate_hz: float) -> None:
    """A frame or stride must be at least 4 samples (frame) or 1 sample (stride) long."""
    minimum = MIN_FRAME_SAMPLES if parameter == "frame_length_s" else 1
    if samples < minimum:
        plural = "sample" if samples == 1 else "samples"
        raise DspParameterError(
            parameter,
            seconds,
            f"{seconds} s is {samples} {plural} at {sample_rate_hz:g} Hz; "
            f"at least {minimum} {'samples are' if minimum > 1 else 'sample is'} needed",
        )


def graph_line(
    name: str,
    x: NDArray[Any],
    y: NDArray[Any],
    x_title: str,
    y_title: str,
    x_unit: str = "",
    y_unit: str = "",
    kind: Literal["line", "bar"] = "line",
) -> Graph:
    return Graph(
        name=name,
        kind=kind,
        x=[float(v) for v in x],
        y=[float(v) for v in y],
        x_title=x_title,
        y_title=y_title,
        x_unit=x_unit,
        y_unit=y_unit,
    )


def graph_image(
    name: str, matrix: NDArray[Any], x_title: str, y_title: str, x_unit: str = "", y_unit: str = ""
) -> Graph:
    rows = np.asarray(matrix, dtype=np.float64)
    return Graph(
        name=name,
        kind="image",
        matrix=rows.tolist(),
        x_title=x_title,
        y_title=y_title,
        x_unit=x_unit,
        y_unit=y_unit,
    )
