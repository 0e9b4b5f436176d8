"""Feature sets in the database: write a generation's output, read a matrix back for training."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from backend.db.models import FeatureSet, FeatureSetChunk, FeatureSetData, Impulse
from worker.features.dataset import Dataset
from worker.features.fingerprint import block_fingerprint
from worker.features.generate import BlockFeatures, label_counts
from worker.features.windowing import WindowOrigins, Windows

# Bytes of feature rows per stored chunk (one row at least): what storing or reading a feature
# set holds of its matrix at a time.
CHUNK_BYTES = 4 * 1024 * 1024


def chunk_rows(row_values: int) -> int:
    """Rows per chunk for rows of `row_values` float32 values."""
    return max(1, CHUNK_BYTES // max(1, 4 * row_values))


@dataclass
class FeatureMatrix:
    """One DSP block's stored features, row-aligned with where each window came from."""

    feature_set_id: int
    fingerprint: str
    features: NDArray[np.float32]  # (rows, *shape)
    sample_ids: NDArray[np.int64]
    offsets_ms: NDArray[np.float64]
    labels: list[str]
    categories: list[str]
    projection: NDArray[np.float32]  # (rows, 2), the explorer's points
    projection_method: str
    # The samples the features were read from (Dataset.to_json); None: generated before they
    # were recorded.
    dataset_samples: list[list[Any]] | None = None


def store_feature_sets(
    session: Session,
    impulse: Impulse,
    windows: Windows | WindowOrigins | Sequence[Windows | WindowOrigins],
    results: list[BlockFeatures],
    *,
    job_id: int | None,
    dataset: Dataset,
) -> None:
    """Replace the impulse's feature sets with `results` (those of removed blocks go too).

    `windows` are the rows' origins, in the order of the features' rows (groups in order);
    `dataset` the samples they were read from (windowed or skipped)."""
    groups = [windows] if isinstance(windows, Windows | WindowOrigins) else list(windows)
    sample_ids = np.concatenate([group.sample_ids for group in groups]).astype("<i8")
    offsets_ms = np.concatenate([group.offsets_ms for group in groups]).astype("<f8")
    labels = [label for group in groups for label in group.labels]
    categories = [category for group in groups for category in group.categories]
    specs = {int(block["id"]): block for block in impulse.dsp_blocks}
    session.execute(delete(FeatureSet).where(FeatureSet.impulse_id == impulse.id))
    counts = label_counts(labels)
    dataset_digest, dataset_samples = dataset.digest, dataset.to_json()
    for result in results:
        if result.rows.rows != len(labels):
            raise ValueError(
                f"DSP block {result.config.block_id} has {result.rows.rows} feature rows "
                f"for {len(labels)} windows"
            )
        feature_set = FeatureSet(
            impulse_id=impulse.id,
            dsp_block_id=result.config.block_id,
            fingerprint=block_fingerprint(impulse.input_block, specs[result.config.block_id]),
            dataset_digest=dataset_digest,
            job_id=job_id,
            shape=list(result.shape),
            window_count=len(labels),
            label_counts=counts,
            projection_method=result.projection_method,
        )
        feature_set.data = FeatureSetData(
            matrix=None,  # in chunks, written below
            sample_ids=sample_ids.tobytes(),
            offsets_ms=offsets_ms.tobytes(),
            labels=labels,
            categories=categories,
            projection=np.ascontiguousarray(result.projection, dtype="<f4").tobytes(),
            dataset_samples=dataset_samples,
        )
        session.add(feature_set)
        session.flush()
        _store_chunks(session, feature_set.id, result)
    session.commit()


def _store_chunks(session: Session, feature_set_id: int, result: BlockFeatures) -> None:
    """The block's rows as chunks, each sent to the database and let go of before the next is
    read from the worker's file."""
    rows = chunk_rows(result.rows.row_values)
    for index, chunk in enumerate(result.rows.chunks(rows)):
        row = FeatureSetChunk(
            feature_set_id=feature_set_id,
            chunk_index=index,
            row_count=len(chunk),
            matrix=memoryview(chunk).cast("B"),
        )
        session.add(row)
        session.flush()
        session.expunge(row)


def _read_matrix(
    session: Session, feature_set: FeatureSet, legacy: bytes | None
) -> NDArray[np.float32]:
    """The set's matrix, (rows, *shape): its chunks in order, copied one at a time into the
    matrix; a blob for sets generated before chunks."""
    shape = (feature_set.window_count, *feature_set.shape)
    if legacy is not None:
        return np.frombuffer(legacy, dtype="<f4").reshape(shape)
    matrix = np.empty(shape, dtype="<f4")
    flat = matrix.reshape(-1)
    done = 0
    parts = session.execute(
        select(FeatureSetChunk.matrix)
        .where(FeatureSetChunk.feature_set_id == feature_set.id)
        .order_by(FeatureSetChunk.chunk_index)
        .execution_options(yield_per=1)
    )
    for (part,) in parts:
        values = np.frombuffer(part, dtype="<f4")
        if done + len(values) > flat.size:
            raise ValueError(f"feature set {feature_set.id} has more stored rows than windows")
        flat[done : done + len(values)] = values
        done += len(values)
    if done != flat.size:
        raise ValueError(f"feature set {feature_set.id} has fewer stored rows than windows")
    return matrix


def load_feature_matrix(
    session: Session, impulse_id: int, dsp_block_id: int, *, with_features: bool = True
) -> FeatureMatrix | None:
    """The stored features of one DSP block of an impulse, or None when none were generated.
    `with_features=False`: everything but the matrix itself (an empty `features`), for readers
    that need only the windows and the projection, so their memory does not grow with it.

    Compare `fingerprint` with `block_fingerprint(...)` of the impulse to know if they are stale.
    """
    data_option = selectinload(FeatureSet.data)
    if not with_features:
        data_option = data_option.defer(FeatureSetData.matrix)
    feature_set = session.scalar(
        select(FeatureSet)
        .where(FeatureSet.impulse_id == impulse_id, FeatureSet.dsp_block_id == dsp_block_id)
        .options(data_option)
    )
    if feature_set is None:
        return None
    data = feature_set.data
    rows = feature_set.window_count
    features = (
        _read_matrix(session, feature_set, data.matrix)
        if with_features
        else np.empty((rows, 0), dtype="<f4")
    )
    return FeatureMatrix(
        feature_set_id=feature_set.id,
        fingerprint=feature_set.fingerprint,
        features=features,
        sample_ids=np.frombuffer(data.sample_ids, dtype="<i8"),
        offsets_ms=np.frombuffer(data.offsets_ms, dtype="<f8"),
        labels=list(data.labels),
        categories=list(data.categories),
        projection=np.frombuffer(data.projection, dtype="<f4").reshape(rows, 2),
        projection_method=feature_set.projection_method,
        dataset_samples=data.dataset_samples,
    )


def store_cached_feature_set(
    session: Session,
    *,
    impulse_id: int,
    dsp_block_id: int,
    fingerprint: str,
    origins: WindowOrigins,
    result: BlockFeatures,
    job_id: int | None,
    dataset: Dataset,
) -> None:
    """Add one feature set beside the impulse's own, replacing a set with the same block id: the
    tuner's features of a DSP configuration the impulse does not have (worker/tuning), under a
    block id no real block has. Regenerating the impulse's features removes them too."""
    session.execute(
        delete(FeatureSet).where(
            FeatureSet.impulse_id == impulse_id, FeatureSet.dsp_block_id == dsp_block_id
        )
    )
    feature_set = FeatureSet(
        impulse_id=impulse_id,
        dsp_block_id=dsp_block_id,
        fingerprint=fingerprint,
        dataset_digest=dataset.digest,
        job_id=job_id,
        shape=list(result.shape),
        window_count=len(origins.labels),
        label_counts=label_counts(origins.labels),
        projection_method=result.projection_method,
    )
    feature_set.data = FeatureSetData(
        matrix=None,
        sample_ids=np.asarray(origins.sample_ids).astype("<i8").tobytes(),
        offsets_ms=np.asarray(origins.offsets_ms).astype("<f8").tobytes(),
        labels=list(origins.labels),
        categories=list(origins.categories),
        projection=np.ascontiguousarray(result.projection, dtype="<f4").tobytes(),
        dataset_samples=dataset.to_json(),
    )
    session.add(feature_set)
    session.flush()
    _store_chunks(session, feature_set.id, result)
    session.commit()
