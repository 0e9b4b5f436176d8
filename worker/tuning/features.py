"""A trial's features: those of its DSP configuration, computed once per search's impulse and
kept in the feature-set storage under a block id derived from the DSP parameters, so trials
that share DSP parameters (on any worker) read them instead of recomputing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.models import FeatureSet, Impulse
from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import get_block
from worker.features.dataset import Dataset
from worker.features.fingerprint import block_fingerprint
from worker.features.generate import NoWindows, generate_features_streaming
from worker.features.job import (
    block_configs,
    impulse_batches,
    project_samples,
    sample_kind_of,
)
from worker.features.store import load_feature_matrix, store_cached_feature_set
from worker.job_errors import JobInputError
from worker.training.inputs import LearningFeatures


class DspConfigRefused(ValueError):
    """The DSP block refuses these parameters for this data (the trial is pruned)."""


def complete_params(dsp_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The block's parameters with its defaults filled in, as impulses store them."""
    block = get_block(dsp_type)
    try:
        return block.parse_params(params).model_dump(mode="json")
    except (ValueError, DspParameterError) as error:
        raise DspConfigRefused(str(error)) from None


def dsp_spec(impulse: Impulse, dsp_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """An impulse DSP block entry for the trial's DSP block, on every axis of the input block."""
    axes = list(impulse.input_block.get("axes") or [])
    spec: dict[str, Any] = {
        "id": 1,
        "type": dsp_type,
        "name": dsp_type.upper(),
        "params": complete_params(dsp_type, params),
    }
    if axes and impulse.input_block.get("type") != "image":
        spec["axes"] = axes
    return spec


def cache_block_id(fingerprint: str) -> int:
    """A negative block id from the fingerprint: never one of the impulse's own (ids >= 1)."""
    return -(int(fingerprint[:7], 16) + 1)


def _transient_impulse(impulse: Impulse, spec: dict[str, Any], block_id: int) -> Impulse:
    return Impulse(
        id=impulse.id,
        project_id=impulse.project_id,
        name=impulse.name,
        input_block=dict(impulse.input_block),
        dsp_blocks=[{**spec, "id": block_id}],
        learning_blocks=[],
        fingerprint="",
    )


def trial_features(
    session: Session,
    impulse: Impulse,
    spec: dict[str, Any],
    *,
    job_id: int | None,
    scratch: Path,
    log: Callable[[str], None],
) -> tuple[LearningFeatures, bool]:
    """Features of DSP block `spec` over the impulse's project; (features, read from cache)."""
    fingerprint = block_fingerprint(
        impulse.input_block, {k: v for k, v in spec.items() if k != "id"}
    )
    block_id = cache_block_id(fingerprint)
    samples = project_samples(session, impulse.project_id)
    dataset = Dataset.of(s for s in samples if s.kind == sample_kind_of(impulse))
    cached = session.scalar(
        select(FeatureSet).where(
            FeatureSet.impulse_id == impulse.id, FeatureSet.dsp_block_id == block_id
        )
    )
    if (
        cached is not None
        and cached.fingerprint == fingerprint
        and cached.dataset_digest == dataset.digest
    ):
        matrix = load_feature_matrix(session, impulse.id, block_id)
        if matrix is not None:
            return _learning_features(
                matrix.features,
                matrix.sample_ids,
                matrix.labels,
                matrix.categories,
                fingerprint,
                dataset,
            ), True
    transient = _transient_impulse(impulse, spec, block_id)
    configs = block_configs(transient)
    batches, _skipped, expected, rate = impulse_batches(session, transient, samples, lambda _: None)
    try:
        results, origins = generate_features_streaming(
            batches,
            configs,
            sample_rate_hz=rate,
            window_count=expected,
            projection_method="pca",
            spill_dir=scratch,
        )
    except NoWindows:
        raise JobInputError(
            "no sample gave a window, so the tuner has nothing to learn from"
        ) from None
    except DspParameterError as error:
        raise DspConfigRefused(str(error)) from None
    result = results[0]
    features = result.features
    try:
        store_cached_feature_set(
            session,
            impulse_id=impulse.id,
            dsp_block_id=block_id,
            fingerprint=fingerprint,
            origins=origins,
            result=result,
            job_id=job_id,
            dataset=dataset,
        )
    except IntegrityError:  # another worker stored the same configuration at the same moment
        session.rollback()
    log(f"features {tuple(features.shape[1:])} of {len(features)} windows computed and cached")
    return _learning_features(
        features,
        origins.sample_ids,
        list(origins.labels),
        list(origins.categories),
        fingerprint,
        dataset,
    ), False


def _learning_features(
    features: np.ndarray,
    sample_ids: np.ndarray,
    labels: list[str],
    categories: list[str],
    fingerprint: str,
    dataset: Dataset,
) -> LearningFeatures:
    return LearningFeatures(
        features=np.asarray(features, dtype=np.float32),
        sample_ids=np.asarray(sample_ids),
        offsets_ms=np.zeros(len(labels)),
        labels=list(labels),
        categories=list(categories),
        fingerprints={"1": fingerprint},
        dataset_samples=dataset.to_json(),
    )
