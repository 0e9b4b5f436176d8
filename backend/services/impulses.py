"""Impulses of a project: create, read, replace and delete, checked against the project's data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from backend.db.models import Impulse, Sample
from backend.ingest.sample import INTERVAL_RULE, is_valid_rate_hz
from backend.schemas.impulses import DspBlockIn, ImpulseCreate, ImpulseUpdate, InputBlockIn
from backend.services.errors import NotFound
from backend.services.learning_blocks import check_learning_blocks
from backend.services.training import refuse_new_expert_scripts
from backend.settings import settings
from dsp_blocks.base import BlockParams, DspBlock, DspParameterError
from dsp_blocks.registry import get_block
from worker.features.fingerprint import impulse_fingerprint
from worker.features.windowing import samples_for_ms

# Rates within this relative distance count as the same (CSV intervals are rounded).
RATE_TOLERANCE = 1e-3

Loc = tuple[str | int, ...]
RGB_AXES = ("r", "g", "b")
GRAY_AXIS = "gray"
# The only block that takes whole images; every other block takes time-series windows.
IMAGE_BLOCK = "image"


class ImpulseNotFound(NotFound):
    """No such impulse in this project."""


class ImpulseInvalid(Exception):
    """Parameters that break a rule; `errors` are FastAPI-style {loc, msg, type} entries whose
    loc names the parameter ("body", "dsp_blocks", 0, "params", "fft_length")."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))


@dataclass(frozen=True)
class DataProfile:
    """What the project's data allows: the axes every time series has, the slowest rate, the
    shortest sample, and the channels of its images."""

    sample_count: int = 0
    axes: tuple[str, ...] = ()
    lowest_rate_hz: float | None = None
    shortest_name: str = ""
    shortest_ms: float | None = None
    image_axes: tuple[str, ...] = ()  # every channel name any image has, in first-seen order
    # The first sample whose rate is outside the valid range (stored before uploads checked it):
    # (filename, rate in Hz). Such a sample cannot be windowed, so no impulse can use the data.
    invalid_rate: tuple[str, float] | None = None
    boxed_images: int = 0  # images with at least one bounding box (object detection needs some)


def _rate_hz(sample: Sample) -> float | None:
    if sample.sample_rate_hz:
        return float(sample.sample_rate_hz)
    if sample.interval_ms:
        return 1000.0 / float(sample.interval_ms)
    return None


def data_profile(session: Session, project_id: int) -> DataProfile:
    """Summarise the project's samples from their metadata (values are not read)."""
    rows = session.execute(
        select(
            Sample.filename,
            Sample.kind,
            Sample.axes,
            Sample.length,
            Sample.sample_rate_hz,
            Sample.interval_ms,
            # The box list as text: only whether it is empty matters here.
            cast(Sample.bounding_boxes, String).label("boxes_text"),
        )
        .where(Sample.project_id == project_id)
        .order_by(Sample.id)
    ).all()
    common: list[str] | None = None
    image_axes: list[str] = []
    rates: list[float] = []
    shortest: tuple[float, str] | None = None
    invalid_rate: tuple[str, float] | None = None
    series_count = 0
    boxed_images = 0
    for row in rows:
        names = [str(axis["name"]) for axis in row.axes]
        if row.kind == "image":
            boxed_images += int(_has_boxes(row.boxes_text))
            image_axes.extend(name for name in names if name not in image_axes)
            continue
        series_count += 1
        common = names if common is None else [name for name in common if name in names]
        rate = _rate_hz(row)  # type: ignore[arg-type]
        if rate is None or not is_valid_rate_hz(rate):
            invalid_rate = invalid_rate or (row.filename, rate or 0.0)
            continue
        rates.append(rate)
        duration_ms = 1000.0 * row.length / rate
        if shortest is None or duration_ms < shortest[0]:
            shortest = (duration_ms, row.filename)
    return DataProfile(
        sample_count=series_count,
        axes=tuple(common or ()),
        lowest_rate_hz=min(rates) if rates else None,
        shortest_name=shortest[1] if shortest else "",
        shortest_ms=shortest[0] if shortest else None,
        image_axes=tuple(image_axes),
        invalid_rate=invalid_rate,
        boxed_images=boxed_images,
    )


def _has_boxes(boxes_text: str | None) -> bool:
    if not boxes_text:
        return False
    return boxes_text.replace(" ", "") not in ("[]", "null")


@dataclass
class _Problems:
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, loc: Loc, message: str) -> None:
        self.errors.append({"loc": ["body", *loc], "msg": message, "type": "value_error"})


def _check_input_block(
    spec: InputBlockIn, profile: DataProfile, problems: _Problems
) -> dict[str, Any] | None:
    """The input block as stored (axes and frequency resolved), or None after adding problems."""
    if spec.type == "image":
        return _check_image_input(spec, profile, problems)
    before = len(problems.errors)
    loc: Loc = ("input_block",)
    axes = spec.axes
    if axes is None:
        if not profile.sample_count:
            problems.add((*loc, "axes"), _no_data_rule("axes", "name the axes to use"))
        elif not profile.axes:
            problems.add((*loc, "axes"), "the samples share no axis name; name the axes to use")
        axes = list(profile.axes)
    else:
        for index, axis in enumerate(axes):
            if axes.index(axis) != index:
                problems.add((*loc, "axes", index), f"axis {axis!r} is listed twice")
            elif profile.sample_count and axis not in profile.axes:
                problems.add(
                    (*loc, "axes", index),
                    f"axis {axis!r} is not in the data; every sample has the axes "
                    f"{', '.join(profile.axes) or '(none in common)'}",
                )
    if profile.invalid_rate is not None:
        filename, rate = profile.invalid_rate
        problems.add(
            (*loc, "frequency_hz"),
            f"sample {filename!r} is sampled at {rate:g} Hz, outside the valid range "
            f"({INTERVAL_RULE}); delete it, or re-upload it with its true interval",
        )
        return None
    frequency_hz = spec.frequency_hz
    if frequency_hz is None:
        frequency_hz = profile.lowest_rate_hz
        if frequency_hz is None:
            problems.add((*loc, "frequency_hz"), _no_data_rule("frequency_hz", "give the rate"))
    elif profile.lowest_rate_hz and frequency_hz > profile.lowest_rate_hz * (1 + RATE_TOLERANCE):
        problems.add(
            (*loc, "frequency_hz"),
            f"frequency_hz {frequency_hz:g} Hz is above the data's sample rate "
            f"({profile.lowest_rate_hz:g} Hz); resampling can only keep or lower the rate",
        )
    if frequency_hz is not None:
        if samples_for_ms(spec.window_size_ms, frequency_hz) < 1:
            problems.add(
                (*loc, "window_size_ms"),
                f"window_size_ms {spec.window_size_ms:g} is less than one sample at "
                f"{frequency_hz:g} Hz",
            )
        window_values = samples_for_ms(spec.window_size_ms, frequency_hz) * max(1, len(axes))
        if window_values > settings.max_window_values:
            problems.add(
                (*loc, "window_size_ms"),
                f"a window of {spec.window_size_ms:g} ms at {frequency_hz:g} Hz on "
                f"{max(1, len(axes))} axes holds {window_values} values; the limit is "
                f"{settings.max_window_values} values (setting MCUFORGE_MAX_WINDOW_VALUES): "
                "shorten the window or lower frequency_hz",
            )
        if samples_for_ms(spec.window_increase_ms, frequency_hz) < 1:
            problems.add(
                (*loc, "window_increase_ms"),
                f"window_increase_ms {spec.window_increase_ms:g} is less than one sample at "
                f"{frequency_hz:g} Hz",
            )
    if (
        not spec.zero_pad
        and profile.shortest_ms is not None
        and spec.window_size_ms > profile.shortest_ms + 1e-6
    ):
        problems.add(
            (*loc, "window_size_ms"),
            f"window_size_ms {spec.window_size_ms:g} is longer than sample "
            f"{profile.shortest_name!r} ({profile.shortest_ms:g} ms) and zero_pad is off; "
            "a window must fit in every sample unless zero-padding is on",
        )
    if len(problems.errors) > before or frequency_hz is None:
        return None
    return {
        "type": "time-series",
        "axes": list(axes),
        "window_size_ms": spec.window_size_ms,
        "window_increase_ms": spec.window_increase_ms,
        "frequency_hz": frequency_hz,
        "zero_pad": spec.zero_pad,
    }


def _check_image_input(
    spec: InputBlockIn, profile: DataProfile, problems: _Problems
) -> dict[str, Any] | None:
    """An image input block: each image is one window; its channels are its axes."""
    axes = spec.axes if spec.axes is not None else list(profile.image_axes or RGB_AXES)
    unknown = [axis for axis in axes if axis not in (*RGB_AXES, GRAY_AXIS)]
    if unknown:
        problems.add(
            ("input_block", "axes"),
            f"images have the axes r, g, b (colour) or gray; {', '.join(map(repr, unknown))} "
            "is not one of them",
        )
        return None
    return {
        "type": "image",
        "axes": list(axes),
        "window_size_ms": None,
        "window_increase_ms": None,
        "frequency_hz": None,
        "zero_pad": None,
    }


def _no_data_rule(parameter: str, what: str) -> str:
    return f"{parameter} is required while the project has no time-series samples: {what}"


def _check_dsp_block(
    index: int,
    spec: DspBlockIn,
    input_block: dict[str, Any] | None,
    problems: _Problems,
) -> dict[str, Any] | None:
    loc: Loc = ("dsp_blocks", index)
    try:
        block = get_block(spec.type)
    except DspParameterError as error:
        problems.add((*loc, "type"), f"type {spec.type!r}: {error.rule}")
        return None
    try:
        params = block.parse_params(spec.params)
    except DspParameterError as error:
        problems.add((*loc, "params", *error.parameter.split(".")), str(error))
        return None
    if input_block is None:
        return None  # the input block's problems are reported; its window is unknown
    is_image_input = input_block["type"] == "image"
    if is_image_input != (block.name == IMAGE_BLOCK):
        rule = (
            "an image input block feeds only the image block"
            if is_image_input
            else "the image block needs an image input block (input_block.type = image)"
        )
        problems.add((*loc, "type"), f"type {spec.type!r}: {rule}")
        return None
    if is_image_input:
        return _checked_image_block(index, spec, block, params, input_block, problems)
    input_axes: list[str] = input_block["axes"]
    axes = spec.axes if spec.axes is not None else input_axes
    missing = [axis for axis in axes if axis not in input_axes]
    if missing:
        problems.add(
            (*loc, "axes"),
            f"axes {', '.join(map(repr, missing))} are not used by the input block "
            f"({', '.join(input_axes)}); a DSP block works on the input block's axes",
        )
        return None
    frequency_hz = float(input_block["frequency_hz"])
    try:
        params = fitted_and_checked(
            block,
            spec.params,
            params,
            sample_rate_hz=frequency_hz,
            window_length=samples_for_ms(input_block["window_size_ms"], frequency_hz),
            n_axes=len(axes),
        )
    except DspParameterError as error:
        where: Loc = ("axes",) if error.parameter == "n_axes" else ("params", error.parameter)
        problems.add((*loc, *where), str(error))
        return None
    return {
        "id": spec.id,
        "type": block.name,
        "name": spec.name or block.title,
        "axes": list(axes),
        "params": params.model_dump(mode="json"),
    }


def fitted_and_checked(
    block: DspBlock[Any],
    given: dict[str, Any],
    params: BlockParams,
    *,
    sample_rate_hz: float,
    window_length: int,
    n_axes: int,
) -> BlockParams:
    """`params` (parsed from `given`) with the parameters `given` leaves out taking the defaults
    fitted to the impulse's windows rather than the model's fixed ones, checked against those
    windows: `DspParameterError` names a parameter that does not fit, and the value that would."""
    try:
        fitted = block.defaults_for(
            window_length=window_length, sample_rate_hz=sample_rate_hz, n_axes=n_axes
        )
        params = block.parse_params({**fitted.model_dump(), **given})
    except DspParameterError:
        pass  # nothing fits such windows: the model's defaults, and the check says why
    block.check_fits(
        params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
    )
    return params


def _checked_image_block(
    index: int,
    spec: DspBlockIn,
    block: DspBlock[Any],
    params: BlockParams,
    input_block: dict[str, Any],
    problems: _Problems,
) -> dict[str, Any] | None:
    """The image block sees every channel of an image; colour output needs colour images."""
    if spec.axes is not None and spec.axes != input_block["axes"]:
        problems.add(
            ("dsp_blocks", index, "axes"),
            "the image block takes every channel of the image; leave axes empty",
        )
        return None
    channels = 3 if any(axis in RGB_AXES for axis in input_block["axes"]) else 1
    try:
        params = fitted_and_checked(
            block, spec.params, params, sample_rate_hz=1.0, window_length=1, n_axes=channels
        )
    except DspParameterError as error:
        problems.add(("dsp_blocks", index, "params", error.parameter), str(error))
        return None
    return {
        "id": spec.id,
        "type": block.name,
        "name": spec.name or block.title,
        "axes": list(input_block["axes"]),
        "params": params.model_dump(mode="json"),
    }


def check_impulse(
    profile: DataProfile, input_spec: InputBlockIn, dsp_specs: Sequence[DspBlockIn]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The input and DSP blocks as stored (resolved, defaults filled in); ImpulseInvalid lists
    every rule broken, each naming its parameter."""
    problems = _Problems()
    input_block = _check_input_block(input_spec, profile, problems)
    seen_ids: set[int] = set()
    dsp_blocks = []
    for index, spec in enumerate(dsp_specs):
        if spec.id in seen_ids:
            problems.add(("dsp_blocks", index, "id"), f"id {spec.id} is used by another DSP block")
        seen_ids.add(spec.id)
        checked = _check_dsp_block(index, spec, input_block, problems)
        if checked is not None:
            dsp_blocks.append(checked)
    if problems.errors or input_block is None:
        raise ImpulseInvalid(problems.errors)
    return input_block, dsp_blocks


def _learning_blocks(
    impulse_in: ImpulseCreate | ImpulseUpdate,
    input_block: dict[str, Any],
    dsp_blocks: list[dict[str, Any]],
    profile: DataProfile,
) -> list[dict[str, Any]]:
    """The learning blocks as stored; ImpulseInvalid naming each field at fault."""
    stored, problems = check_learning_blocks(impulse_in.learning_blocks, input_block, dsp_blocks)
    for index, spec in enumerate(impulse_in.learning_blocks):
        if spec.type == "object_detection" and profile.boxed_images == 0:
            problems.append(
                (
                    ("learning_blocks", index, "type"),
                    "object detection learns from bounding boxes and no image in this project "
                    "has any: label objects in the images (or import them with their boxes) "
                    "first",
                )
            )
    if problems:
        raise ImpulseInvalid(
            [
                {"loc": ["body", *loc], "msg": message, "type": "value_error"}
                for loc, message in problems
            ]
        )
    return stored


def list_impulses(session: Session, project_id: int) -> tuple[list[Impulse], int]:
    impulses = list(
        session.scalars(
            select(Impulse).where(Impulse.project_id == project_id).order_by(Impulse.id)
        )
    )
    return impulses, len(impulses)


def get_impulse(session: Session, *, project_id: int, impulse_id: int) -> Impulse:
    impulse = session.get(Impulse, impulse_id)
    if impulse is None or impulse.project_id != project_id:
        raise ImpulseNotFound(f"impulse {impulse_id} does not exist in project {project_id}")
    return impulse


def create_impulse(session: Session, project_id: int, impulse_in: ImpulseCreate) -> Impulse:
    profile = data_profile(session, project_id)
    input_block, dsp_blocks = check_impulse(profile, impulse_in.input_block, impulse_in.dsp_blocks)
    learning_blocks = _learning_blocks(impulse_in, input_block, dsp_blocks, profile)
    refuse_new_expert_scripts(learning_blocks, [])
    impulse = Impulse(
        project_id=project_id,
        name=impulse_in.name,
        input_block=input_block,
        dsp_blocks=dsp_blocks,
        learning_blocks=learning_blocks,
        fingerprint=impulse_fingerprint(input_block, dsp_blocks),
    )
    session.add(impulse)
    session.commit()
    return impulse


def replace_impulse(session: Session, impulse: Impulse, impulse_in: ImpulseUpdate) -> Impulse:
    """Replace the blocks; features made with other parameters become stale (fingerprints)."""
    profile = data_profile(session, impulse.project_id)
    input_block, dsp_blocks = check_impulse(profile, impulse_in.input_block, impulse_in.dsp_blocks)
    learning_blocks = _learning_blocks(impulse_in, input_block, dsp_blocks, profile)
    refuse_new_expert_scripts(learning_blocks, impulse.learning_blocks)
    if impulse_in.name is not None:
        impulse.name = impulse_in.name
    impulse.input_block = input_block
    impulse.dsp_blocks = dsp_blocks
    impulse.learning_blocks = learning_blocks
    impulse.fingerprint = impulse_fingerprint(input_block, dsp_blocks)
    session.commit()
    return impulse


def delete_impulse(session: Session, impulse: Impulse) -> None:
    session.delete(impulse)
    session.commit()
