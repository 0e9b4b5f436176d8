"""Store uploaded files as samples: every file is parsed and checked before anything of it is stored."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample, SampleData
from backend.ingest import (
    IngestError,
    ParsedSample,
    check_filename,
    label_from_filename,
    parse_upload,
)
from backend.schemas.sample import SamplePublic, UploadCategory, clean_label
from backend.schemas.upload import RejectedFile, UploadResult
from backend.services.errors import InvalidRequest
from backend.services.sample_values import category_for_hash, values_to_bytes
from backend.services.upload_form import UploadedFile, UploadForm
from backend.settings import settings

# Rates derived from CSV timestamps differ from the nominal one in the last digits.
SAMPLE_RATE_RELATIVE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class UploadOptions:
    label: str | None
    category: UploadCategory
    allow_duplicates: bool


@dataclass(frozen=True)
class _Reference:
    """What every new sample must match: the project's data, or the first file of this upload."""

    kind: str
    axis_names: tuple[str, ...]
    sample_rate_hz: float | None
    source: str  # "the project's data" or 'the first file of this upload, "x.wav"'


def upload_options(fields: dict[str, str]) -> UploadOptions:
    """The form fields of an upload, checked; InvalidRequest names the field and the rule."""
    label = fields.get("label")
    if label is not None and label.strip() == "":
        label = None
    if label is not None:
        try:
            label = clean_label(label)
        except ValueError as error:
            raise InvalidRequest(f"The label field is not valid: {error}.") from None
    category_text = fields.get("category", "auto").strip() or "auto"
    try:
        category = UploadCategory(category_text)
    except ValueError:
        raise InvalidRequest(
            f'The category "{category_text}" is not one of training, testing, auto.'
        ) from None
    duplicates_text = fields.get("allow_duplicates", "false").strip().lower()
    if duplicates_text not in ("true", "false", "1", "0", ""):
        raise InvalidRequest(
            f'allow_duplicates must be true or false, not "{duplicates_text}".'
        )
    return UploadOptions(label, category, duplicates_text in ("true", "1"))


def _project_reference(session: Session, project: Project) -> _Reference | None:
    first = session.scalars(
        select(Sample).where(Sample.project_id == project.id).order_by(Sample.id).limit(1)
    ).first()
    if first is None:
        return None
    return _Reference(
        kind=first.kind,
        axis_names=tuple(axis["name"] for axis in first.axes),
        sample_rate_hz=first.sample_rate_hz,
        source="the project's data",
    )


def _names(axis_names: tuple[str, ...]) -> str:
    return "(" + ", ".join(axis_names) + ")"


def _check_fits(filename: str, parsed: ParsedSample, reference: _Reference) -> None:
    if parsed.kind != reference.kind:
        raise IngestError(
            filename,
            f"it is {'an image' if parsed.kind == 'image' else 'a time series'} but "
            f"{reference.source} {'are images' if reference.kind == 'image' else 'is time series'}; "
            "a project holds one kind of data",
        )
    if parsed.kind != "timeseries":
        return
    names = tuple(axis.name for axis in parsed.axes)
    if names != reference.axis_names:
        raise IngestError(
            filename,
            f"its axes {_names(names)} differ from those of {reference.source} "
            f"{_names(reference.axis_names)}; every sample of a project has the same axes",
        )
    rate, expected = parsed.sample_rate_hz, reference.sample_rate_hz
    if rate is not None and expected is not None and not math.isclose(
        rate, expected, rel_tol=SAMPLE_RATE_RELATIVE_TOLERANCE
    ):
        raise IngestError(
            filename,
            f"it is sampled at {rate:g} Hz but {reference.source} is at {expected:g} Hz; "
            "every sample of a project has the same rate (resample the file first)",
        )


def _label_for(filename: str, parsed: ParsedSample, options: UploadOptions) -> str:
    if options.label is not None:
        return options.label
    label = parsed.label if parsed.label and parsed.label.strip() else label_from_filename(filename)
    try:
        return clean_label(label)
    except ValueError as error:
        raise IngestError(filename, f"its label is not usable: {error}") from None


def _existing_duplicates(session: Session, project: Project, hashes: set[str]) -> dict[str, Sample]:
    if not hashes:
        return {}
    rows = session.scalars(
        select(Sample).where(Sample.project_id == project.id, Sample.content_hash.in_(hashes))
    )
    return {sample.content_hash: sample for sample in rows}


def _too_large_error(upload: UploadedFile, limit_bytes: int) -> IngestError:
    return IngestError(
        upload.filename,
        f"the file is {upload.size_bytes} bytes; the limit is {limit_bytes} bytes per file",
    )


def new_sample(project: Project, filename: str, label: str, category: str, parsed: ParsedSample) -> Sample:
    sample = Sample(
        project_id=project.id,
        filename=filename,
        label=label,
        category=category,
        kind=parsed.kind,
        source_format=parsed.source_format,
        axes=[{"name": axis.name, "units": axis.units} for axis in parsed.axes],
        shape=list(parsed.values.shape),
        interval_ms=parsed.interval_ms,
        sample_rate_hz=parsed.sample_rate_hz,
        length=parsed.length,
        duration_ms=parsed.duration_ms,
        content_hash=parsed.content_hash,
        device_name=parsed.device_name,
        device_type=parsed.device_type,
    )
    sample.data = SampleData(values=values_to_bytes(parsed.values))
    return sample


def store_uploads(
    session: Session, project: Project, form: UploadForm, options: UploadOptions
) -> tuple[UploadResult, int]:
    """Parse and check every file, store those that pass in one transaction; returns (result, status)."""
    limit_bytes = settings.max_upload_file_bytes
    rejected: list[RejectedFile] = []
    size_rejections = 0
    candidates: list[tuple[str, ParsedSample, str]] = []
    reference = _project_reference(session, project)
    for upload in form.files:
        try:
            check_filename(upload.filename)
            if upload.too_large(limit_bytes):
                size_rejections += 1
                raise _too_large_error(upload, limit_bytes)
            parsed = parse_upload(
                upload.filename,
                bytes(upload.data),
                hmac_key=project.hmac_key,
                downmix=project.downmix_audio,
                max_bytes=limit_bytes,
            )
            if reference is None:
                reference = _Reference(
                    kind=parsed.kind,
                    axis_names=tuple(axis.name for axis in parsed.axes),
                    sample_rate_hz=parsed.sample_rate_hz,
                    source=f'the first file of this upload, "{upload.filename}",',
                )
            else:
                _check_fits(upload.filename, parsed, reference)
            label = _label_for(upload.filename, parsed, options)
        except IngestError as error:
            rejected.append(RejectedFile(filename=upload.filename, error=str(error)))
            continue
        finally:
            upload.data.clear()  # the parsed copy is all that is needed now
        candidates.append((upload.filename, parsed, label))

    accepted_pairs: list[tuple[str, ParsedSample, str]] = []
    if options.allow_duplicates:
        accepted_pairs = candidates
    else:
        existing = _existing_duplicates(session, project, {p.content_hash for _, p, _ in candidates})
        seen: dict[str, str] = {}
        for filename, parsed, label in candidates:
            if parsed.content_hash in existing:
                twin = existing[parsed.content_hash]
                reason = (
                    f'it has the same content as sample {twin.id} ("{twin.filename}") already in '
                    "the project; send allow_duplicates=true to store it anyway"
                )
            elif parsed.content_hash in seen:
                reason = (
                    f'it has the same content as "{seen[parsed.content_hash]}" earlier in this '
                    "upload; send allow_duplicates=true to store both"
                )
            else:
                seen[parsed.content_hash] = filename
                accepted_pairs.append((filename, parsed, label))
                continue
            rejected.append(RejectedFile(filename=filename, error=str(IngestError(filename, reason))))

    samples = []
    for filename, parsed, label in accepted_pairs:
        category = (
            category_for_hash(parsed.content_hash)
            if options.category == UploadCategory.auto
            else options.category.value
        )
        samples.append(new_sample(project, filename, label, category, parsed))
    session.add_all(samples)
    session.commit()
    accepted = [SamplePublic.model_validate(sample) for sample in samples]
    return _result(accepted, rejected, size_rejections)


def _result(
    accepted: list[SamplePublic], rejected: list[RejectedFile], size_rejections: int
) -> tuple[UploadResult, int]:
    total = len(accepted) + len(rejected)
    if not rejected:
        detail = f"Stored {len(accepted)} of {total} file{'s' if total != 1 else ''}."
        return UploadResult(detail=detail, accepted=accepted, rejected=rejected), 201
    if accepted:
        detail = f"Stored {len(accepted)} of {total} files; {len(rejected)} rejected (see rejected)."
        return UploadResult(detail=detail, accepted=accepted, rejected=rejected), 207
    detail = (
        f"No file was stored: {'the file was' if total == 1 else f'all {total} files were'} "
        "rejected (see rejected)."
    )
    status = 413 if size_rejections == len(rejected) else 422
    return UploadResult(detail=detail, accepted=accepted, rejected=rejected), status
