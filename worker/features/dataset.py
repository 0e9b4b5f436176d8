"""The dataset a feature set was made from, and how the project's samples differ from it now.

Features depend on each sample's values, its label and its split, so a feature set records, for
every sample the generation read, its label, category and content hash (which covers the values,
shape and rate: a crop changes it). Their digest is compared with the project's samples' digest
to know cheaply that nothing changed; the record itself says what did (added, removed,
relabelled, moved, cropped; a split is pieces added and the original removed).

Only samples of the impulse's kind count: an image uploaded to an audio project changes no
audio feature. File names are kept to name samples in messages, but renaming is no change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Sample

# How many sample names a change lists before "and N more".
NAMES_SHOWN = 3


class SampleRow(Protocol):
    id: int
    filename: str
    label: str
    category: str
    content_hash: str


@dataclass(frozen=True)
class DatasetSample:
    filename: str
    label: str
    category: str
    content_hash: str


@dataclass(frozen=True)
class Dataset:
    """Samples by id: what a feature set was made from, or what the project holds now."""

    samples: dict[int, DatasetSample]

    @classmethod
    def of(cls, rows: Iterable[SampleRow]) -> Dataset:
        return cls(
            {
                int(row.id): DatasetSample(row.filename, row.label, row.category, row.content_hash)
                for row in rows
            }
        )

    @cached_property
    def digest(self) -> str:
        """Changes when a sample is added, removed, relabelled, moved or its values change."""
        entries = sorted(
            (sample_id, s.label, s.category, s.content_hash)
            for sample_id, s in self.samples.items()
        )
        text = json.dumps(entries, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def to_json(self) -> list[list[Any]]:
        return [
            [sample_id, s.filename, s.label, s.category, s.content_hash]
            for sample_id, s in sorted(self.samples.items())
        ]

    @classmethod
    def from_json(cls, rows: Sequence[Sequence[Any]]) -> Dataset:
        return cls(
            {
                int(sample_id): DatasetSample(str(name), str(label), str(category), str(digest))
                for sample_id, name, label, category, digest in rows
            }
        )


def current_dataset(session: Session, project_id: int, kind: str) -> Dataset:
    """The project's samples of `kind` ("timeseries" or "image") as they are now."""
    rows = session.execute(
        select(
            Sample.id, Sample.filename, Sample.label, Sample.category, Sample.content_hash
        ).where(Sample.project_id == project_id, Sample.kind == kind)
    )
    return Dataset.of(rows)


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def dataset_changes(then: Dataset, now: Dataset) -> list[str]:
    """How `now` differs from `then`, one phrase per kind of change (empty: the same)."""
    before, after = then.samples, now.samples
    kept = [sample_id for sample_id in before if sample_id in after]
    added = [after[i].filename for i in sorted(after) if i not in before]
    removed = [before[i].filename for i in sorted(before) if i not in after]
    relabelled = [
        f"{after[i].filename} ({before[i].label} -> {after[i].label})"
        for i in kept
        if after[i].label != before[i].label
    ]
    moved = [
        f"{after[i].filename} ({before[i].category} -> {after[i].category})"
        for i in kept
        if after[i].category != before[i].category
    ]
    # Values change in place only by cropping; other edits make new samples.
    cropped = [after[i].filename for i in kept if after[i].content_hash != before[i].content_hash]
    changes = []
    for what, names in (
        ("added", added),
        ("removed", removed),
        ("relabelled", relabelled),
        ("moved between splits", moved),
        ("cropped", cropped),
    ):
        if names:
            changes.append(f"{len(names)} sample(s) {what} ({_names(names)})")
    return changes
