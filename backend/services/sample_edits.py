"""Crop a sample, split it into equal windows, and read its values for plotting or listening."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample, SampleData
from backend.ingest.sample import content_hash
from backend.schemas.sample import AxisValues, SampleDataPublic, SamplePublic, SplitResult
from backend.services.errors import InvalidRequest
from backend.services.sample_values import (
    is_audio,
    minmax_envelope,
    png_bytes,
    values_to_bytes,
    wav_bytes,
)
from backend.services.samples import delete_sample, sample_values

MAX_FILENAME_CHARS = 255
MAX_SPLIT_WINDOWS = 10_000


def _time_series_interval_ms(sample: Sample, action: str) -> float:
    if sample.kind != "timeseries" or sample.interval_ms is None:
        raise InvalidRequest(f"Sample {sample.id} is an image; only time series can be {action}.")
    return sample.interval_ms


def _set_values(sample: Sample, values: np.ndarray) -> None:
    interval_ms = sample.interval_ms
    sample.shape = list(values.shape)
    sample.length = int(values.shape[0])
    sample.duration_ms = None if interval_ms is None else sample.length * interval_ms
    sample.content_hash = content_hash(values, interval_ms, "timeseries")


def crop_sample(
    session: Session, sample: Sample, *, start_ms: float, end_ms: float
) -> SamplePublic:
    """Keep the frames whose time lies in [start_ms, end_ms)."""
    interval_ms = _time_series_interval_ms(sample, "cropped")
    duration_ms = sample.length * interval_ms
    if end_ms <= start_ms:
        raise InvalidRequest(f"end_ms ({end_ms:g}) must be greater than start_ms ({start_ms:g}).")
    if end_ms > duration_ms + 1e-9:
        raise InvalidRequest(
            f"end_ms ({end_ms:g}) is past the end of sample {sample.id}, "
            f"which lasts {duration_ms:g} ms."
        )
    first = int(np.ceil(start_ms / interval_ms - 1e-9))
    stop = int(np.ceil(end_ms / interval_ms - 1e-9))
    if stop <= first:
        raise InvalidRequest(
            f"The range {start_ms:g}-{end_ms:g} ms holds no frame of sample {sample.id} "
            f"(one frame every {interval_ms:g} ms)."
        )
    values = np.array(sample_values(session, sample)[first:stop])
    _set_values(sample, values)
    data = session.get(SampleData, sample.id)
    assert data is not None
    data.values = values_to_bytes(values)
    session.commit()
    return SamplePublic.model_validate(sample)


def split_sample(
    session: Session, project: Project, sample: Sample, *, window_ms: float
) -> SplitResult:
    """Replace the sample by equal windows named <file>.s<k> (k from 1); a shorter tail is dropped."""
    interval_ms = _time_series_interval_ms(sample, "split")
    frames_per_window = int(round(window_ms / interval_ms))
    duration_ms = sample.length * interval_ms
    if frames_per_window < 1:
        raise InvalidRequest(
            f"window_ms ({window_ms:g}) is shorter than one frame of sample {sample.id} "
            f"({interval_ms:g} ms)."
        )
    windows = sample.length // frames_per_window
    if windows < 1:
        raise InvalidRequest(
            f"window_ms ({window_ms:g}) is longer than sample {sample.id}, "
            f"which lasts {duration_ms:g} ms."
        )
    if windows > MAX_SPLIT_WINDOWS:
        raise InvalidRequest(
            f"window_ms ({window_ms:g}) would make {windows} samples; "
            f"a split makes at most {MAX_SPLIT_WINDOWS}."
        )
    values = sample_values(session, sample)
    pieces = []
    for k in range(windows):
        piece = np.array(values[k * frames_per_window : (k + 1) * frames_per_window])
        suffix = f".s{k + 1}"
        new = Sample(
            project_id=project.id,
            filename=sample.filename[: MAX_FILENAME_CHARS - len(suffix)] + suffix,
            label=sample.label,
            # The pieces stay on the original's side of the split, so no test data leaks into training.
            category=sample.category,
            kind=sample.kind,
            source_format=sample.source_format,
            axes=sample.axes,
            interval_ms=sample.interval_ms,
            sample_rate_hz=sample.sample_rate_hz,
            device_name=sample.device_name,
            device_type=sample.device_type,
            shape=[],
            length=0,
            content_hash="",
        )
        _set_values(new, piece)
        new.data = SampleData(values=values_to_bytes(piece))
        pieces.append(new)
    session.add_all(pieces)
    session.flush()
    delete_sample(session, sample)  # commits the pieces and the removal together
    return SplitResult(
        data=[SamplePublic.model_validate(p) for p in pieces],
        dropped_tail_ms=(sample.length - windows * frames_per_window) * interval_ms,
    )


def plot_data(session: Session, sample: Sample, *, max_points: int) -> SampleDataPublic:
    interval_ms = _time_series_interval_ms(sample, "plotted")
    values = sample_values(session, sample)
    time_ms, points, downsampled = minmax_envelope(values, interval_ms, max_points)
    return SampleDataPublic(
        sample_id=sample.id,
        time_ms=time_ms.tolist(),
        axes=[
            AxisValues(name=axis["name"], units=axis["units"], values=points[:, i].tolist())
            for i, axis in enumerate(sample.axes)
        ],
        length=sample.length,
        downsampled=downsampled,
        method="minmax" if downsampled else "none",
    )


def sample_wav(session: Session, sample: Sample) -> bytes:
    if not is_audio(sample.source_format, sample.kind, sample.sample_rate_hz):
        raise InvalidRequest(
            f"Sample {sample.id} is not audio (a {sample.source_format} "
            f"{sample.kind} at {sample.sample_rate_hz or 0:g} Hz); only WAV uploads and time series "
            "at 3 kHz or more can be played."
        )
    assert sample.sample_rate_hz is not None
    return wav_bytes(sample_values(session, sample), sample.sample_rate_hz)


def sample_png(session: Session, sample: Sample) -> bytes:
    if sample.kind != "image":
        raise InvalidRequest(f"Sample {sample.id} is a time series; plot it with its /data instead.")
    return png_bytes(sample_values(session, sample))
