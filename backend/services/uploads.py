"""Store uploaded files as samples: every file is parsed and checked before anything of it is stored."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample, SampleData
from backend.ingest import (
    IngestError,
    ParsedSample,
    check_filename,
    label_from_filename,
    parse_upload,
)
from backend.ingest.targets import parse_target, target_label
from backend.schemas.sample import SamplePublic, UploadCategory, clean_label
from backend.schemas.upload import RejectedFile, UploadResult
from backend.services.errors import InvalidRequest
from backend.services.projects import project_hmac_key
from backend.services.sample_values import category_for_label, values_to_bytes
from backend.services.upload_form import UploadedFile, UploadForm
from backend.settings import settings

# Rates derived from CSV timestamps differ from the nominal one in the last digits.
SAMPLE_RATE_RELATIVE_TOLERANCE = 1e-4
# Commits tried when a simultaneous upload stored the same content first (the unique index on
# (project_id, dedupe_key) refuses ours); each retry finds the twins that upload committed.
MAX_STORE_ATTEMPTS = 3


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
    value_text = fields.get("value", "").strip()
    if value_text:
        if label is not None:
            raise InvalidRequest(
                "Send a label or a value (a regression target, stored as the label), not both."
            )
        try:
            label = target_label(parse_target(value_text))
        except ValueError as error:
            raise InvalidRequest(f"The value field is not valid: {error}.") from None
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


def _is_wav_axes(axis_names: tuple[str, ...]) -> bool:
    """The axes a WAV file gives: ('audio',) or ('ch0', 'ch1', ...)."""
    return axis_names == ("audio",) or axis_names == tuple(f"ch{i}" for i in range(len(axis_names)))


def _wav_channels_hint(parsed: ParsedSample, reference: _Reference, downmix_audio: bool) -> str:
    """Which project setting decides a WAV's axes ("" when the data is not WAV audio)."""
    if parsed.source_format != "wav" or not _is_wav_axes(reference.axis_names):
        return ""
    if downmix_audio:
        return (
            "; this project downmixes WAV channels into one 'audio' axis (downmix_audio setting "
            "on), but its data keeps them as axes: set the project's downmix_audio to false to "
            "keep WAV channels as axes"
        )
    return (
        "; this project keeps WAV channels as axes (downmix_audio setting off): set the "
        "project's downmix_audio to true to average the channels of every WAV into one 'audio' axis"
    )


def _check_fits(
    filename: str, parsed: ParsedSample, reference: _Reference, downmix_audio: bool
) -> None:
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
            f"{_names(reference.axis_names)}; every sample of a project has the same axes"
            + _wav_channels_hint(parsed, reference, downmix_audio),
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
    # Newest first, so that the oldest copy of each content is the one named.
    rows = session.scalars(
        select(Sample)
        .where(Sample.project_id == project.id, Sample.content_hash.in_(hashes))
        .order_by(Sample.id.desc())
    )
    return {sample.content_hash: sample for sample in rows}


def _too_large_error(upload: UploadedFile, limit_bytes: int) -> IngestError:
    return IngestError(
        upload.filename,
        f"the file is {upload.size_bytes} bytes; the limit is {limit_bytes} bytes per file",
    )


def new_sample(
    project: Project,
    filename: str,
    label: str,
    category: str,
    parsed: ParsedSample,
    *,
    unique: bool = True,
) -> Sample:
    """unique: this sample is the project's one copy of its content (no allow_duplicates)."""
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
        dedupe_key=parsed.content_hash if unique else None,
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
    # Before any file: a key that cannot be read back refuses the whole upload (409), even its
    # unsigned formats, so the owner learns at once that the key must be set again.
    hmac_key = project_hmac_key(project)
    for upload in form.files:
        try:
            check_filename(upload.filename)
            if upload.too_large(limit_bytes):
                size_rejections += 1
                raise _too_large_error(upload, limit_bytes)
            parsed = parse_upload(
                upload.filename,
                bytes(upload.data),
                hmac_key=hmac_key,
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
                _check_fits(upload.filename, parsed, reference, project.downmix_audio)
            label = _label_for(upload.filename, parsed, options)
        except IngestError as error:
            rejected.append(RejectedFile(filename=upload.filename, error=str(error)))
            continue
        finally:
            upload.data.clear()  # the parsed copy is all that is needed now
        candidates.append((upload.filename, parsed, label))

    samples, duplicates = _store_new_content(session, project, candidates, options)
    rejected += duplicates
    accepted = [SamplePublic.model_validate(sample) for sample in samples]
    return _result(accepted, rejected, size_rejections)


def _store_new_content(
    session: Session,
    project: Project,
    candidates: list[tuple[str, ParsedSample, str]],
    options: UploadOptions,
) -> tuple[list[Sample], list[RejectedFile]]:
    """Store the candidates whose content is new to the project, in one commit; returns (the
    stored samples, the rejections of duplicates)."""
    for attempt in range(1, MAX_STORE_ATTEMPTS + 1):
        accepted, duplicates = _without_duplicates(session, project, candidates, options)
        counts = _label_counts(session, project, {label for _, _, label in accepted})
        samples = []
        for filename, parsed, label in accepted:
            category = _category_for(parsed, options, counts.setdefault(label, [0, 0]))
            samples.append(
                new_sample(
                    project,
                    filename,
                    label,
                    category,
                    parsed,
                    unique=not options.allow_duplicates,
                )
            )
        session.add_all(samples)
        try:
            session.commit()
        except IntegrityError:
            # A simultaneous upload stored some of this content between our check and our
            # commit; the next check finds its samples and rejects ours as their duplicates.
            session.rollback()
            if attempt == MAX_STORE_ATTEMPTS:
                raise
            continue
        return samples, duplicates
    raise AssertionError("unreachable: the last attempt returns or raises")


def _label_counts(session: Session, project: Project, labels: set[str]) -> dict[str, list[int]]:
    """label -> [samples, testing samples] the project holds of it now."""
    if not labels:
        return {}
    rows = session.execute(
        select(
            Sample.label,
            func.count(),
            func.sum(case((Sample.category == "testing", 1), else_=0)),
        )
        .where(Sample.project_id == project.id, Sample.label.in_(labels))
        .group_by(Sample.label)
    )
    return {label: [int(total), int(testing or 0)] for label, total, testing in rows}


def _category_for(parsed: ParsedSample, options: UploadOptions, counts: list[int]) -> str:
    """The sample's category; counts ([samples, testing] of its label) are updated with it."""
    if options.category == UploadCategory.auto:
        category = category_for_label(counts[0], counts[1], parsed.content_hash).value
    else:
        category = options.category.value
    counts[0] += 1
    counts[1] += category == "testing"
    return category


def _without_duplicates(
    session: Session,
    project: Project,
    candidates: list[tuple[str, ParsedSample, str]],
    options: UploadOptions,
) -> tuple[list[tuple[str, ParsedSample, str]], list[RejectedFile]]:
    """(the candidates to store, the rejections of those whose content the project or an earlier
    file of this upload already holds)."""
    if options.allow_duplicates:
        return candidates, []
    accepted: list[tuple[str, ParsedSample, str]] = []
    rejected: list[RejectedFile] = []
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
            accepted.append((filename, parsed, label))
            continue
        rejected.append(RejectedFile(filename=filename, error=str(IngestError(filename, reason))))
    return accepted, rejected


def _result(
    accepted: list[SamplePublic], rejected: list[RejectedFile], size_rejections: int
) -> tuple[UploadResult, int]:
    total = len(accepted) + len(rejected)
    if not rejected:
        detail = f"Stored {len(accepted)} of {total} file{'s' if total != 1 else ''}."
        return UploadResult(detail=detail, accepted=accepted, rejected=rejected), 201
    if accepted:
        detail = (
            f"Stored {len(accepted)} of {total} files; {len(rejected)} rejected (see rejected)."
        )
        return UploadResult(detail=detail, accepted=accepted, rejected=rejected), 207
    detail = (
        f"No file was stored: {'the file was' if total == 1 else f'all {total} files were'} "
        "rejected (see rejected)."
    )
    status = 413 if size_rejections == len(rejected) else 422
    return UploadResult(detail=detail, accepted=accepted, rejected=rejected), status
