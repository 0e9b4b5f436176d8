"""Whether a stored feature set still is what its DSP block would make now, and if not, why.

One answer for every reader: the features summary and explorer (the UI's "stale"), training and
model testing (409 before the job, a failed job after), and deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import FeatureSet, FeatureSetData, Impulse
from worker.features.dataset import Dataset, current_dataset, dataset_changes
from worker.features.fingerprint import block_fingerprint
from worker.features.job import sample_kind_of


@dataclass(frozen=True)
class Staleness:
    parameters_changed: bool = False
    dataset_changes: tuple[str, ...] = ()
    # Generated before feature sets recorded their samples: nobody can tell what changed since.
    dataset_unrecorded: bool = False

    @property
    def stale(self) -> bool:
        return self.parameters_changed or bool(self.dataset_changes) or self.dataset_unrecorded

    def reasons(self, subject: str = "they") -> list[str]:
        """Why the features are stale, parameters first; `subject` names the features."""
        reasons = []
        if self.parameters_changed:
            reasons.append(
                f"the input or DSP block parameters changed since {subject} were generated"
            )
        if self.dataset_changes:
            reasons.append(
                f"the dataset changed since {subject} were generated: "
                f"{'; '.join(self.dataset_changes)}"
            )
        if self.dataset_unrecorded:
            reasons.append(
                f"{subject} were generated before mcuforge recorded which samples features come "
                "from, so changes to the dataset since cannot be ruled out"
            )
        return reasons


def dataset_now(session: Session, impulse: Impulse) -> Dataset:
    """The project's samples that the impulse's features are made of, as they are now."""
    return current_dataset(session, impulse.project_id, sample_kind_of(impulse))


def feature_set_staleness(
    session: Session,
    impulse: Impulse,
    spec: dict[str, Any],
    feature_set: FeatureSet,
    now: Dataset,
) -> Staleness:
    """Compare the set with its DSP block `spec` and the samples `now` (see dataset_now)."""
    parameters_changed = feature_set.fingerprint != block_fingerprint(impulse.input_block, spec)
    if feature_set.dataset_digest is None:
        return Staleness(parameters_changed, dataset_unrecorded=True)
    if feature_set.dataset_digest == now.digest:
        return Staleness(parameters_changed)
    recorded = session.scalar(
        select(FeatureSetData.dataset_samples).where(
            FeatureSetData.feature_set_id == feature_set.id
        )
    )
    then = Dataset.from_json(recorded or [])
    # Digests differ, so something did; the fallback only guards against a damaged record.
    changes = dataset_changes(then, now) or ["its samples differ from those recorded"]
    return Staleness(parameters_changed, tuple(changes))
