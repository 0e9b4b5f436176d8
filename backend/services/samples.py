"""Samples of a project: list with filters, summary, read, edit, delete and rebalance the split."""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample, SampleData
from backend.schemas.sample import (
    CategoryName,
    CategorySummary,
    LabelSummary,
    RebalanceResult,
    SamplePublic,
    SamplesPublic,
    SamplesSummary,
    SampleUpdate,
)
from backend.services.errors import NotFound
from backend.services.impulses import data_profile
from backend.services.sample_values import TESTING_SHARE, split_key, values_from_bytes


class SampleSort(StrEnum):
    """Orders a listing may use; a leading '-' sorts descending."""

    created_at = "created_at"
    created_at_desc = "-created_at"
    filename = "filename"
    filename_desc = "-filename"
    label = "label"
    label_desc = "-label"
    duration_ms = "duration_ms"
    duration_ms_desc = "-duration_ms"
    id = "id"
    id_desc = "-id"


def get_sample(session: Session, project: Project, sample_id: int) -> Sample:
    sample = session.get(Sample, sample_id)
    # A sample of another project is as absent as one that never existed.
    if sample is None or sample.project_id != project.id:
        raise NotFound(f"sample {sample_id} does not exist in project {project.id}")
    return sample


def sample_values(session: Session, sample: Sample):  # type: ignore[no-untyped-def]
    """The sample's float32 values, shaped as stored."""
    data = session.scalar(select(SampleData.values).where(SampleData.sample_id == sample.id))
    if data is None:
        raise NotFound(f"sample {sample.id} has no stored values")
    return values_from_bytes(data, sample.shape)


def list_samples(
    session: Session,
    project: Project,
    *,
    label: str | None = None,
    category: CategoryName | None = None,
    offset: int = 0,
    limit: int = 100,
    sort: SampleSort = SampleSort.created_at_desc,
) -> SamplesPublic:
    query = select(Sample).where(Sample.project_id == project.id)
    if label is not None:
        query = query.where(Sample.label == label)
    if category is not None:
        query = query.where(Sample.category == category.value)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = getattr(Sample, sort.value.lstrip("-"))
    descending = sort.value.startswith("-")
    # id breaks ties so that pages never overlap or skip.
    order = [column.desc(), Sample.id.desc()] if descending else [column.asc(), Sample.id.asc()]
    samples = session.scalars(query.order_by(*order).offset(offset).limit(limit))
    return SamplesPublic(data=[SamplePublic.model_validate(s) for s in samples], count=count)


# Sample rates from here up are sound: motion and most other sensors sample far slower.
AUDIO_MIN_RATE_HZ = 8000.0


def data_kind(session: Session, project_id: int) -> str:
    """What the project's samples are: "image", "audio", "time-series" or "none" (see
    SamplesSummary.data_kind), from their metadata."""
    kinds = set(session.scalars(select(Sample.kind).where(Sample.project_id == project_id)))
    if "image" in kinds:
        return "image"
    if not kinds:
        return "none"
    audio = session.scalar(
        select(func.count())
        .select_from(Sample)
        .where(
            Sample.project_id == project_id,
            (Sample.source_format == "wav") | (Sample.sample_rate_hz >= AUDIO_MIN_RATE_HZ),
        )
    )
    return "audio" if audio else "time-series"


def summarize_samples(session: Session, project: Project) -> SamplesSummary:
    rows = session.execute(
        select(
            Sample.label,
            Sample.category,
            func.count(),
            func.coalesce(func.sum(Sample.duration_ms), 0.0),
        )
        .where(Sample.project_id == project.id)
        .group_by(Sample.label, Sample.category)
    ).all()
    by_label: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_category: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for label, category, count, duration_ms in rows:
        by_label[label]["count"] += count
        by_label[label]["duration_ms"] += float(duration_ms)
        by_label[label][f"{category}_count"] += count
        by_category[category]["count"] += count
        by_category[category]["duration_ms"] += float(duration_ms)
    total = int(sum(entry["count"] for entry in by_category.values()))
    training = int(by_category[CategoryName.training.value]["count"])
    testing = int(by_category[CategoryName.testing.value]["count"])
    return SamplesSummary(
        count=total,
        duration_ms=sum(entry["duration_ms"] for entry in by_category.values()),
        labels=[
            LabelSummary(
                label=label,
                count=int(entry["count"]),
                duration_ms=entry["duration_ms"],
                training_count=int(entry["training_count"]),
                testing_count=int(entry["testing_count"]),
            )
            for label, entry in sorted(by_label.items())
        ],
        categories=[
            CategorySummary(
                category=category,
                count=int(by_category[category.value]["count"]),
                duration_ms=by_category[category.value]["duration_ms"],
            )
            for category in CategoryName
        ],
        training_fraction=training / total if total else 0.0,
        testing_fraction=testing / total if total else 0.0,
        axes=list(data_profile(session, project.id).axes),
        data_kind=data_kind(session, project.id),
    )


def update_sample(session: Session, sample: Sample, sample_in: SampleUpdate) -> SamplePublic:
    if sample_in.label is not None:
        sample.label = sample_in.label
    if sample_in.category is not None:
        sample.category = sample_in.category.value
    session.commit()
    return SamplePublic.model_validate(sample)


def delete_sample(session: Session, sample: Sample) -> None:
    # SampleData goes with it through the foreign key's ON DELETE CASCADE.
    session.execute(Sample.__table__.delete().where(Sample.id == sample.id))
    session.commit()


def rebalance_samples(session: Session, project: Project) -> RebalanceResult:
    """Re-draw the 80/20 split from the content hashes, label by label.

    Within each label the samples are ordered by the key their content hash gives and the top
    round(20 %) go to testing, so every label is split 80/20 however few samples it has, and
    the same data always gets the same split.
    """
    samples = list(session.scalars(select(Sample).where(Sample.project_id == project.id)))
    per_label: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        per_label[sample.label].append(sample)
    changed = 0
    for group in per_label.values():
        group.sort(key=lambda s: (split_key(s.content_hash), s.id))
        testing_count = round(len(group) * TESTING_SHARE)
        for index, sample in enumerate(group):
            category = (
                CategoryName.testing if index >= len(group) - testing_count else CategoryName.training
            ).value
            if sample.category != category:
                sample.category = category
                changed += 1
    session.commit()
    return RebalanceResult(changed=changed, summary=summarize_samples(session, project))
