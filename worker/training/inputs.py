"""What a learning block trains on: its DSP blocks' stored features, checked for being missing or
stale (parameters changed, or samples added, removed, relabelled, moved or cropped since
generation: worker.features.staleness).

Used by the training jobs and, before a job is written, by the API (as a 409 with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import FeatureSet, Impulse
from worker.features.staleness import dataset_now, feature_set_staleness
from worker.features.store import load_feature_matrix


class LearningBlockMissing(LookupError):
    """The impulse has no learning block with this id."""


class FeaturesNotReady(Exception):
    """The learning block's features are missing or stale; the message says which and why."""


def learning_block_of(impulse: Impulse, learning_block_id: int) -> dict[str, Any]:
    for block in impulse.learning_blocks or []:
        if int(block.get("id", 0)) == learning_block_id:
            return dict(block)
    ids = ", ".join(str(b.get("id")) for b in impulse.learning_blocks or []) or "none"
    raise LearningBlockMissing(
        f"impulse {impulse.id} has no learning block {learning_block_id}; its learning blocks "
        f"are: {ids} (add one to the impulse's learning_blocks)"
    )


def _dsp_spec(impulse: Impulse, dsp_block_id: int) -> dict[str, Any]:
    for spec in impulse.dsp_blocks:
        if int(spec["id"]) == dsp_block_id:
            return dict(spec)
    raise FeaturesNotReady(
        f"the learning block uses DSP block {dsp_block_id}, which the impulse no longer has; "
        "edit the learning block's dsp_blocks"
    )


def features_problem(session: Session, impulse: Impulse, block: dict[str, Any]) -> str | None:
    """Why the learning block cannot train on the stored features now, or None when it can."""
    now = None
    try:
        for dsp_block_id in block["dsp_blocks"]:
            spec = _dsp_spec(impulse, int(dsp_block_id))
            feature_set = session.scalar(
                select(FeatureSet).where(
                    FeatureSet.impulse_id == impulse.id, FeatureSet.dsp_block_id == dsp_block_id
                )
            )
            what = f"features of DSP block {dsp_block_id} ({spec.get('name') or spec['type']})"
            if feature_set is None:
                return f"{what} have not been generated; generate features first"
            now = now or dataset_now(session, impulse)
            staleness = feature_set_staleness(session, impulse, spec, feature_set, now)
            if staleness.stale:
                return f"{what} are stale: {staleness.reasons()[0]}; generate features again"
    except FeaturesNotReady as error:
        return str(error)
    return None


@dataclass
class LearningFeatures:
    """The learning block's input: one DSP block's features, or several flattened side by side."""

    features: NDArray[np.float32]  # (rows, *shape)
    sample_ids: NDArray[np.int64]
    offsets_ms: NDArray[np.float64]
    labels: list[str]
    categories: list[str]
    fingerprints: dict[str, str]  # DSP block id (text) -> fingerprint
    # The samples the features were read from (Dataset.to_json): a model records those it saw.
    dataset_samples: list[list[Any]] | None = None

    def rows_of(self, category: str) -> NDArray[np.int64]:
        return np.flatnonzero(np.asarray(self.categories) == category)


def load_learning_features(
    session: Session, impulse: Impulse, block: dict[str, Any]
) -> LearningFeatures:
    """The block's features (FeaturesNotReady when missing or stale)."""
    problem = features_problem(session, impulse, block)
    if problem is not None:
        raise FeaturesNotReady(problem)
    matrices = []
    for dsp_block_id in block["dsp_blocks"]:
        matrix = load_feature_matrix(session, impulse.id, int(dsp_block_id))
        if matrix is None:  # deleted between the check and now
            raise FeaturesNotReady(f"features of DSP block {dsp_block_id} are gone; generate again")
        matrices.append((str(dsp_block_id), matrix))
    first = matrices[0][1]
    if len(matrices) == 1:
        features = np.array(first.features, dtype=np.float32)
    else:
        features = np.concatenate(
            [m.features.reshape(len(m.features), -1) for _, m in matrices], axis=1
        ).astype(np.float32)
    return LearningFeatures(
        features=features,
        sample_ids=np.array(first.sample_ids),
        offsets_ms=np.array(first.offsets_ms),
        labels=list(first.labels),
        categories=list(first.categories),
        fingerprints={key: m.fingerprint for key, m in matrices},
        # One generation writes every DSP block's set from the same samples.
        dataset_samples=first.dataset_samples,
    )
