"""Whether a trained model is still what training would make now, and if not, why.

A model is out of date when its DSP blocks now make other features than those it learned from
(input or DSP parameters changed: the feature fingerprints) or when its training split changed
(samples added, removed, relabelled, moved in or out, cropped: the digest recorded with it).
Generating features again makes the features current, never the model: only training does.

Only the training split counts (validation windows are carved from it): adding or relabelling
test samples changes what a test measures, not the model, and must not force training again.

One answer for the trained model API (the Training page's warning), model testing (its results
carry the warning) and deployment (which refuses an out-of-date model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backend.db.models import Impulse, TrainedModel
from worker.features.dataset import Dataset, dataset_changes
from worker.features.fingerprint import block_fingerprint
from worker.features.staleness import dataset_now

TRAINING_SPLIT = "training"


def training_split(dataset: Dataset) -> Dataset:
    return Dataset({i: s for i, s in dataset.samples.items() if s.category == TRAINING_SPLIT})


def training_record(
    dataset_samples: list[list[Any]] | None,
) -> tuple[str | None, list[list[Any]] | None]:
    """What a new model records of the samples its features were read from: the training split's
    digest and the samples; (None, None) for features that did not record them."""
    if dataset_samples is None:
        return None, None
    return training_split(Dataset.from_json(dataset_samples)).digest, dataset_samples


@dataclass(frozen=True)
class ModelStaleness:
    parameters_changed: bool = False
    training_changes: tuple[str, ...] = ()
    # Trained before models recorded their samples (revision 0006): whether the training split
    # changed since is unknown. Such a model is not counted as out of date: refusing them all
    # would stop every project deployed before the upgrade, most of which changed nothing; the
    # API says it is unknown so that the UI can suggest training again.
    dataset_unrecorded: bool = False

    @property
    def outdated(self) -> bool:
        return self.parameters_changed or bool(self.training_changes)

    def reason(self) -> str | None:
        """Why the model is out of date (parameters first), None when it is not."""
        reasons = []
        if self.parameters_changed:
            reasons.append("the input or DSP block parameters changed since the model was trained")
        if self.training_changes:
            reasons.append(
                "the dataset changed since the model was trained: "
                + "; ".join(self.training_changes)
            )
        return "; and ".join(reasons) or None


def _parameters_changed(
    impulse: Impulse, model: TrainedModel, dsp_block_ids: Iterable[int]
) -> bool:
    specs = {int(spec["id"]): spec for spec in impulse.dsp_blocks}
    ids = {int(i) for i in dsp_block_ids}
    if ids != {int(key) for key in model.feature_fingerprints}:
        return True  # the learning block now reads other DSP blocks: another input
    return any(
        i not in specs
        or model.feature_fingerprints.get(str(i))
        != block_fingerprint(impulse.input_block, specs[i])
        for i in ids
    )


def _training_changes(then: Dataset, now: Dataset) -> list[str]:
    """What changed among the samples in the training split then or now (a sample moved to or
    from the test split is named as moved, not as added or removed)."""
    relevant = set(training_split(then).samples) | set(training_split(now).samples)
    changes = dataset_changes(
        Dataset({i: s for i, s in then.samples.items() if i in relevant}),
        Dataset({i: s for i, s in now.samples.items() if i in relevant}),
    )
    # Digests differ, so something did; the fallback only guards against a damaged record.
    return changes or ["its training samples differ from those recorded"]


def model_staleness(
    session: Session,
    impulse: Impulse,
    model: TrainedModel,
    dsp_block_ids: Iterable[int] | None = None,
    now: Dataset | None = None,
) -> ModelStaleness:
    """Compare `model` with the impulse's DSP blocks `dsp_block_ids` (those its learning block
    reads now; default: those it was trained on) and the project's samples `now` (default: read
    them)."""
    if dsp_block_ids is None:
        dsp_block_ids = [int(key) for key in model.feature_fingerprints]
    parameters_changed = _parameters_changed(impulse, model, dsp_block_ids)
    if model.training_dataset_digest is None:
        return ModelStaleness(parameters_changed, dataset_unrecorded=True)
    now = now if now is not None else dataset_now(session, impulse)
    if training_split(now).digest == model.training_dataset_digest:
        return ModelStaleness(parameters_changed)
    then = Dataset.from_json(model.dataset_samples or [])
    return ModelStaleness(parameters_changed, tuple(_training_changes(then, now)))
