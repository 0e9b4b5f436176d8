"""Store uploaded files as samples: every file is parsed and checked before anything of it is stored.

Files are handled one at a time: read, parsed, checked, stored (flushed to the database) and
released before the next one is read, so the memory of an upload is that of its largest file,
not of all of them (ten 4096x4096 images as float32 would be 2 GB). A rejected file is never
added. Each stored file is committed on its own, so that a simultaneous upload of the same
content (the unique index on (project_id, dedupe_key)) costs only that file: the loser's insert
is refused, rolled back alone, and the file is rejected as a duplicate like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, func, insert, select
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
from backend.services.sample_values import category_for_label, values_buffer
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


def _existing_duplicate(session: Session, project: Project, content_hash: str) -> Sample | None:
    """The project's oldest sample with this content, if any."""
    return session.scalars(
        select(Sample)
        .where(Sample.project_id == project.id, Sample.content_hash == content_hash)
        .order_by(Sample.id)
        .limit(1)
    ).first()


def _duplicate_reason(
    session: Session, project: Project, content_hash: str, seen: dict[str, str]
) -> str | None:
    """Why a file is a duplicate (None when it is not): of an earlier file of this upload, or of a
    sample already in the project."""
    if content_hash in seen:
        return (
            f'it has the same content as "{seen[content_hash]}" earlier in this upload; send '
            "allow_duplicates=true to store both"
        )
    twin = _existing_duplicate(session, project, content_hash)
    if twin is None:
        return None
    return (
        f'it has the same content as sample {twin.id} ("{twin.filename}") already in the '
        "project; send allow_duplicates=true to store it anyway"
    )


def too_large_error(upload: UploadedFile, limit_bytes: int) -> IngestError:
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
    """The sample row of a parsed file, without its values (see `store_one`). unique: this
    sample is the project's one copy of its content (no allow_duplicates)."""
    return Sample(
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


def _category_for(
    session: Session, project: Project, parsed: ParsedSample, label: str, options: UploadOptions
) -> str:
    """The category asked for, or with `auto` the one that keeps the label's testing share
    closest to 20 % (the files before this one are already stored, so they count)."""
    if options.category != UploadCategory.auto:
        return options.category.value
    total, testing = session.execute(
        select(func.count(), func.sum(case((Sample.category == "testing", 1), else_=0))).where(
            Sample.project_id == project.id, Sample.label == label
        )
    ).one()
    return category_for_label(int(total), int(testing or 0), parsed.content_hash).value


@dataclass
class UploadState:
    """What the files of one upload learn from those before them."""

    reference: _Reference | None
    seen: dict[str, str]  # content hash -> file name, of the files stored so far
    hmac_key: str | None
    size_rejections: int = 0


# Given the parsed file, its bounding boxes as stored (or IngestError): how an import with
# annotations checks each image's boxes against its size before it is stored.
BoxesForFile = Callable[[str, ParsedSample], list[dict[str, object]]]


def store_one(
    session: Session,
    project: Project,
    upload: UploadedFile,
    options: UploadOptions,
    state: UploadState,
    *,
    boxes_for: BoxesForFile | None = None,
    commit: bool = True,
) -> SamplePublic:
    """Parse, check and store one file (flushed, then let go of); IngestError when refused.
    commit=False leaves the sample in the open transaction, for imports that store all their
    files or none."""
    limit_bytes = settings.max_upload_file_bytes
    check_filename(upload.filename)
    if upload.too_large(limit_bytes):
        state.size_rejections += 1
        raise too_large_error(upload, limit_bytes)
    parsed = parse_upload(
        upload.filename,
        upload.read(),  # the spool is closed once read: only the parsed values are kept
        hmac_key=state.hmac_key,
        downmix=project.downmix_audio,
        max_bytes=limit_bytes,
    )
    if state.reference is not None:
        _check_fits(upload.filename, parsed, state.reference, project.downmix_audio)
    boxes = boxes_for(upload.filename, parsed) if boxes_for is not None else []
    label = _label_for(upload.filename, parsed, options)
    if not options.allow_duplicates:
        reason = _duplicate_reason(session, project, parsed.content_hash, state.seen)
        if reason is not None:
            raise IngestError(upload.filename, reason)
    category = _category_for(session, project, parsed, label, options)
    sample = new_sample(
        project, upload.filename, label, category, parsed, unique=not options.allow_duplicates
    )
    sample.bounding_boxes = boxes
    try:
        session.add(sample)
        session.flush()
        # The values go in by a Core insert: a SampleData object would sit in a reference cycle
        # with its Sample (and in the session) and keep the file's bytes until the garbage
        # collector or the commit, so memory would grow with the number of files.
        session.execute(
            insert(SampleData).values(sample_id=sample.id, values=values_buffer(parsed.values))
        )
        if commit:
            session.commit()
    except IntegrityError:
        # A simultaneous upload stored this content between our check and our insert.
        session.rollback()
        reason = _duplicate_reason(session, project, parsed.content_hash, state.seen)
        raise IngestError(
            upload.filename, reason or "a simultaneous upload stored the same content"
        ) from None
    public = SamplePublic.model_validate(sample)
    session.expunge(sample)
    if state.reference is None:
        state.reference = _Reference(
            kind=parsed.kind,
            axis_names=tuple(axis.name for axis in parsed.axes),
            sample_rate_hz=parsed.sample_rate_hz,
            source=f'the first file of this upload, "{upload.filename}",',
        )
    state.seen[parsed.content_hash] = upload.filename
    return public


def new_upload_state(session: Session, project: Project) -> UploadState:
    """What the first file of an upload is checked against. A key that cannot be read back
    refuses the whole upload (409), even its unsigned formats, so the owner learns at once that
    the key must be set again."""
    return UploadState(
        reference=_project_reference(session, project), seen={}, hmac_key=project_hmac_key(project)
    )


def store_uploads(
    session: Session, project: Project, form: UploadForm, options: UploadOptions
) -> tuple[UploadResult, int]:
    """Parse, check and store the files one by one; returns (result, status)."""
    accepted: list[SamplePublic] = []
    rejected: list[RejectedFile] = []
    state = new_upload_state(session, project)  # before any file
    try:
        for upload in form.files:
            try:
                accepted.append(store_one(session, project, upload, options, state))
            except IngestError as error:
                rejected.append(RejectedFile(filename=upload.filename, error=str(error)))
            finally:
                upload.close()
        session.commit()
    finally:
        form.close()
    return _result(accepted, rejected, state.size_rejections)


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
