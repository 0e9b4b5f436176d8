"""The `features.generate` job: load an impulse and its project's samples, generate, store."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Impulse, Sample, SampleData
from backend.db.session import get_sessionmaker
from dsp_blocks.base import DspParameterError
from worker.features.dataset import Dataset
from worker.features.generate import (
    DspBlockConfig,
    NoWindows,
    batch_windows,
    generate_features_streaming,
)
from worker.features.params import GenerateFeaturesParams
from worker.features.store import store_feature_sets
from worker.features.windowing import (
    ImageSample,
    InputBlock,
    SeriesSample,
    Windows,
    expected_window_count,
    stream_images,
    stream_windows,
)
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext
from worker.scratch import job_scratch_dir

Log = Callable[[str], None]
# Sample values read from the database at once, at most (one sample at least).
VALUES_PAGE_BYTES = 8 * 1024 * 1024


def input_block_of(impulse: Impulse) -> InputBlock:
    spec = impulse.input_block
    return InputBlock(
        axes=tuple(spec["axes"]),
        window_size_ms=float(spec["window_size_ms"]),
        window_increase_ms=float(spec["window_increase_ms"]),
        frequency_hz=float(spec["frequency_hz"]),
        zero_pad=bool(spec["zero_pad"]),
    )


def block_configs(impulse: Impulse) -> list[DspBlockConfig]:
    """Each DSP block with its axes as column indices of the input block's windows."""
    input_axes = list(impulse.input_block["axes"])
    if is_image_impulse(impulse):
        return [
            DspBlockConfig(int(b["id"]), str(b["type"]), None, dict(b.get("params") or {}))
            for b in impulse.dsp_blocks
        ]
    configs = []
    for block in impulse.dsp_blocks:
        axes = block.get("axes") or input_axes
        missing = [axis for axis in axes if axis not in input_axes]
        if missing:
            raise JobInputError(
                f"DSP block {block['id']} uses axes {missing} that the input block does not "
                f"select ({', '.join(input_axes)})"
            )
        configs.append(
            DspBlockConfig(
                block_id=int(block["id"]),
                block_type=str(block["type"]),
                axis_indices=tuple(input_axes.index(axis) for axis in axes),
                params=dict(block.get("params") or {}),
            )
        )
    return configs


class SampleMeta(Protocol):
    """What generation reads of a sample besides its values: a Sample, or a row of
    SAMPLE_COLUMNS."""

    id: int
    kind: str
    filename: str
    label: str
    category: str
    content_hash: str
    shape: list[int]
    axes: list[dict[str, Any]]
    sample_rate_hz: float | None
    interval_ms: float | None


# Read as plain rows, not Sample objects: the session would keep an ORM object (a few kB) per
# sample for the whole generation, and the worker's peak would grow with the samples.
SAMPLE_COLUMNS = (
    Sample.id,
    Sample.kind,
    Sample.filename,
    Sample.label,
    Sample.category,
    Sample.content_hash,
    Sample.shape,
    Sample.axes,
    Sample.sample_rate_hz,
    Sample.interval_ms,
)


def sample_rate_of(sample: SampleMeta) -> float | None:
    if sample.sample_rate_hz:
        return float(sample.sample_rate_hz)
    if sample.interval_ms:
        return 1000.0 / float(sample.interval_ms)
    return None


def is_image_impulse(impulse: Impulse) -> bool:
    return impulse.input_block.get("type") == "image"


def sample_kind_of(impulse: Impulse) -> str:
    """The kind of sample ("image" or "timeseries") the impulse makes features of."""
    return "image" if is_image_impulse(impulse) else "timeseries"


def project_samples(session: Session, project_id: int) -> list[SampleMeta]:
    """The project's samples in id order, without their values (those are read a page at a time
    by `sample_values`)."""
    rows = session.execute(
        select(*SAMPLE_COLUMNS).where(Sample.project_id == project_id).order_by(Sample.id)
    )
    return list(rows)  # type: ignore[arg-type]  # rows have SampleMeta's attributes


def _values_bytes(sample: SampleMeta) -> int:
    return 4 * int(np.prod(sample.shape))


def sample_values(
    session: Session, samples: Sequence[SampleMeta], *, page_bytes: int = VALUES_PAGE_BYTES
) -> Iterator[tuple[SampleMeta, NDArray[np.float32]]]:
    """Each sample with its values, read from the database a page at a time (at most
    `page_bytes` of values, at least one sample), so memory holds one page, not the project.
    A sample deleted since `samples` were read is left out."""
    page: list[SampleMeta] = []
    size = 0
    for sample in samples:
        if page and size + _values_bytes(sample) > page_bytes:
            yield from _read_page(session, page)
            page, size = [], 0
        page.append(sample)
        size += _values_bytes(sample)
    if page:
        yield from _read_page(session, page)


def _read_page(
    session: Session, page: list[SampleMeta]
) -> Iterator[tuple[SampleMeta, NDArray[np.float32]]]:
    # Columns, not ORM objects: the session's identity map would keep every page's bytes.
    rows = session.execute(
        select(SampleData.sample_id, SampleData.values).where(
            SampleData.sample_id.in_([sample.id for sample in page])
        )
    )
    values = {int(sample_id): data for sample_id, data in rows}
    for sample in page:
        data = values.pop(sample.id, None)
        if data is not None:
            yield sample, np.frombuffer(data, dtype="<f4").reshape(sample.shape)


def _series(
    session: Session, samples: list[SampleMeta], block: InputBlock
) -> tuple[list[SampleMeta], Iterator[SeriesSample], int]:
    """The time-series samples (metadata), their values as they are read, and the windows they
    are expected to give."""
    rows = [s for s in samples if s.kind == "timeseries" and sample_rate_of(s) is not None]
    expected = sum(
        expected_window_count(
            int(s.shape[0]), float(sample_rate_of(s) or 0), [str(a["name"]) for a in s.axes], block
        )
        for s in rows
    )

    def read() -> Iterator[SeriesSample]:
        for sample, values in sample_values(session, rows):
            yield SeriesSample(
                sample_id=sample.id,
                name=sample.filename,
                label=sample.label,
                category=sample.category,
                values=values,
                axes=tuple(str(axis["name"]) for axis in sample.axes),
                sample_rate_hz=float(sample_rate_of(sample) or 0),
            )

    return rows, read(), expected


def _image_batches(session: Session, images: list[SampleMeta]) -> Iterator[Windows]:
    """Batches of whole-image windows, one size at a time (sizes in order of their first
    image), images in id order within a size: the order image_groups gives."""
    by_shape: dict[tuple[int, ...], list[SampleMeta]] = {}
    for sample in images:
        by_shape.setdefault(tuple(sample.shape), []).append(sample)
    for shape, group in by_shape.items():
        yield from stream_images(
            (
                ImageSample(sample.id, sample.filename, sample.label, sample.category, values)
                for sample, values in sample_values(session, group)
            ),
            batch_windows=batch_windows(int(np.prod(shape))),
        )


def _log_other_kind(samples: list[SampleMeta], kept: list[SampleMeta], what: str, log: Log) -> None:
    kept_ids = {sample.id for sample in kept}
    for sample in samples:
        if sample.id not in kept_ids:
            log(f"skipped sample {sample.filename!r} (id {sample.id}): not {what}")


def impulse_batches(
    session: Session, impulse: Impulse, samples: list[SampleMeta], log: Log
) -> tuple[Iterator[Windows], list[str], int, float]:
    """The windows the impulse's DSP blocks run on, as batches read from the database as they
    are needed; the list that collects why samples were skipped; the windows expected; the rate
    they are at."""
    skipped: list[str] = []
    if is_image_impulse(impulse):
        images = [sample for sample in samples if sample.kind == "image"]
        _log_other_kind(samples, images, "an image", log)
        sizes = len({tuple(sample.shape) for sample in images})
        log(f"{len(images)} images in {sizes} sizes, each image one window")
        return _image_batches(session, images), skipped, len(images), 1.0
    try:
        block = input_block_of(impulse)
    except ValueError as error:
        raise JobInputError(f"input block: {error}") from None
    rows, series, expected = _series(session, samples, block)
    _log_other_kind(samples, rows, "a time series", log)
    log(
        f"windowing {len(rows)} samples: {block.window_size_ms:g} ms windows every "
        f"{block.window_increase_ms:g} ms at {block.frequency_hz:g} Hz, axes "
        f"{', '.join(block.axes)}, zero-pad {'on' if block.zero_pad else 'off'}"
    )
    batches = stream_windows(
        series,
        block,
        batch_windows=batch_windows(block.window_length * len(block.axes)),
        skipped=skipped,
        log=log,
    )
    return batches, skipped, expected, block.frequency_hz


def run_generate_features(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Window every sample of the impulse's project, run each DSP block, store the features.

    Samples are read a page at a time and their windows go through the DSP blocks a batch at a
    time, so the worker's memory holds one page of values, one batch of windows and the
    features, not the project's samples or all their windows."""
    checked = GenerateFeaturesParams.model_validate(params)
    # The features go to files there while they are generated, on the data directory's disk
    # (/tmp may be memory).
    with job_scratch_dir(context.job_id, "features") as scratch:
        return _generate_and_store(context, checked, scratch)


def _generate_and_store(
    context: JobContext, checked: GenerateFeaturesParams, scratch: Path
) -> dict[str, Any]:
    sessions = get_sessionmaker()
    with sessions() as session:
        _read_one_snapshot(session)
        impulse = session.get(Impulse, checked.impulse_id)
        if impulse is None:
            raise JobInputError(f"impulse {checked.impulse_id} no longer exists")
        if not impulse.dsp_blocks:
            raise JobInputError(f"impulse {impulse.id} has no DSP block; add one first")
        # The parameters as read now are the ones the stored fingerprints describe.
        session.expunge(impulse)
        configs = block_configs(impulse)
        samples = project_samples(session, impulse.project_id)
        # Recorded from the very rows windowed, so no edit can slip between reading and recording.
        dataset = Dataset.of(s for s in samples if s.kind == sample_kind_of(impulse))
        batches, skipped, expected, sample_rate_hz = impulse_batches(
            session, impulse, samples, context.log
        )
        try:
            results, origins = generate_features_streaming(
                batches,
                configs,
                sample_rate_hz=sample_rate_hz,
                window_count=expected,
                progress=context.progress,
                log=context.log,
                spill_dir=scratch,
            )
        except NoWindows:
            raise JobInputError(
                "no sample gave a window, so there are no features to generate"
            ) from None
        except DspParameterError as error:
            raise JobInputError(f"DSP block parameters do not fit the data: {error}") from None
    window_count = len(origins)
    context.log(f"{window_count} windows from {len(dataset.samples) - len(skipped)} samples")
    context.check_cancelled()
    with sessions() as session:
        if session.get(Impulse, impulse.id) is None:
            raise JobInputError(f"impulse {impulse.id} was deleted while features were generated")
        store_feature_sets(
            session, impulse, origins, results, job_id=context.job_id, dataset=dataset
        )
    return {
        "impulse_id": impulse.id,
        "window_count": window_count,
        "skipped_samples": len(skipped),
        "blocks": [
            {
                "dsp_block_id": r.config.block_id,
                "shape": list(r.shape),
                "method": r.projection_method,
            }
            for r in results
        ],
    }


def _read_one_snapshot(session: Session) -> None:
    """On PostgreSQL, every read of the generation sees the same snapshot: the values read page
    by page are those of the rows the dataset record was made from. (SQLite readers see
    one state while no writer commits in between; its writers are rare and short.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
