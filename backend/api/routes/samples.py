"""Samples of a project: upload, list, summary, read, plot, listen, edit, crop, split, rebalance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from backend.api.deps import ProjectDep, SessionDep
from backend.schemas.sample import (
    CategoryName,
    CropRequest,
    RebalanceResult,
    SampleDataPublic,
    SamplePublic,
    SamplesPublic,
    SamplesSummary,
    SampleUpdate,
    SplitRequest,
    SplitResult,
)
from backend.schemas.upload import UploadResult
from backend.services import sample_edits, samples, uploads
from backend.services.upload_form import read_upload_form
from backend.settings import settings

router = APIRouter(prefix="/projects/{project_id}/samples", tags=["samples"])

SampleId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# The body is read by a streaming parser (limits enforced as it arrives, large files spooled to
# anonymous temporary files), so its shape is declared here for the OpenAPI document and the
# generated client.
UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "WAV, CSV, JSON or CBOR acquisition format, PNG, JPEG.",
                    },
                    "label": {
                        "type": "string",
                        "description": "Label of every file; else from the file's content or name.",
                    },
                    "value": {
                        "type": "number",
                        "description": "Regression target of every file (stored as its label); "
                        "instead of label.",
                    },
                    "category": {
                        "type": "string",
                        "enum": ["training", "testing", "auto"],
                        "default": "auto",
                        "description": "auto: an 80/20 split per label; the content hash decides where either side keeps the label within one sample of 20 %.",
                    },
                    "allow_duplicates": {"type": "boolean", "default": False},
                },
            }
        }
    },
}
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    207: {"model": UploadResult, "description": "Some files were stored, some rejected."},
    413: {"model": UploadResult, "description": "Too large: every file or the request itself."},
    422: {"model": UploadResult, "description": "No file was stored; each rejection is listed."},
}


@router.post(
    "",
    response_model=UploadResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses=UPLOAD_RESPONSES,
)
async def upload_samples(request: Request, session: SessionDep, project: ProjectDep) -> JSONResponse:
    """Upload one or many files; each is validated completely before anything of it is stored."""
    form = await read_upload_form(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=settings.max_upload_file_bytes,
        max_files=settings.max_upload_files,
        max_request_bytes=settings.max_upload_request_bytes,
    )
    try:
        options = uploads.upload_options(form.fields)
        result, status_code = await run_in_threadpool(
            uploads.store_uploads, session, project, form, options
        )
    finally:
        form.close()  # the files' spools, also when the form fields are refused
    return JSONResponse(result.model_dump(mode="json"), status_code=status_code)


@router.get("", response_model=SamplesPublic)
def read_samples(
    session: SessionDep,
    project: ProjectDep,
    label: str | None = None,
    category: CategoryName | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    sort: samples.SampleSort = samples.SampleSort.created_at_desc,
) -> SamplesPublic:
    """List a project's samples, filtered by label and category, one page at a time."""
    return samples.list_samples(
        session, project, label=label, category=category, offset=offset, limit=limit, sort=sort
    )


@router.get("/summary", response_model=SamplesSummary)
def read_samples_summary(session: SessionDep, project: ProjectDep) -> SamplesSummary:
    """Counts and total duration per label and per category."""
    return samples.summarize_samples(session, project)


@router.post("/rebalance", response_model=RebalanceResult)
def rebalance_samples(session: SessionDep, project: ProjectDep) -> RebalanceResult:
    """Re-draw the 80/20 train/test split of every label from the content hashes."""
    return samples.rebalance_samples(session, project)


@router.get("/{sample_id}", response_model=SamplePublic)
def read_sample(session: SessionDep, project: ProjectDep, sample_id: SampleId) -> SamplePublic:
    """Read one sample's metadata."""
    return SamplePublic.model_validate(samples.get_sample(session, project, sample_id))


@router.get("/{sample_id}/data", response_model=SampleDataPublic)
def read_sample_data(
    session: SessionDep,
    project: ProjectDep,
    sample_id: SampleId,
    max_points: Annotated[int, Query(ge=2, le=100_000)] = 2000,
) -> SampleDataPublic:
    """A time series' values per axis for plotting, reduced to a min/max envelope when long."""
    sample = samples.get_sample(session, project, sample_id)
    return sample_edits.plot_data(session, sample, max_points=max_points)


@router.get(
    "/{sample_id}/wav",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}, "description": "16-bit PCM WAV."}},
)
def read_sample_wav(session: SessionDep, project: ProjectDep, sample_id: SampleId) -> Response:
    """An audio sample as a 16-bit PCM WAV file, for listening."""
    sample = samples.get_sample(session, project, sample_id)
    return Response(sample_edits.sample_wav(session, sample), media_type="audio/wav")


@router.get(
    "/{sample_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "PNG of an image sample."}},
)
def read_sample_image(session: SessionDep, project: ProjectDep, sample_id: SampleId) -> Response:
    """An image sample as PNG, for display."""
    sample = samples.get_sample(session, project, sample_id)
    return Response(sample_edits.sample_png(session, sample), media_type="image/png")


@router.patch("/{sample_id}", response_model=SamplePublic)
def update_sample(
    session: SessionDep, project: ProjectDep, sample_id: SampleId, sample_in: SampleUpdate
) -> SamplePublic:
    """Change a sample's label or category."""
    return samples.update_sample(session, samples.get_sample(session, project, sample_id), sample_in)


@router.delete("/{sample_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sample(session: SessionDep, project: ProjectDep, sample_id: SampleId) -> Response:
    """Delete a sample and its values."""
    samples.delete_sample(session, samples.get_sample(session, project, sample_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{sample_id}/crop", response_model=SamplePublic)
def crop_sample(
    session: SessionDep, project: ProjectDep, sample_id: SampleId, crop: CropRequest
) -> SamplePublic:
    """Keep only the part of a time series between start_ms and end_ms."""
    sample = samples.get_sample(session, project, sample_id)
    return sample_edits.crop_sample(session, sample, start_ms=crop.start_ms, end_ms=crop.end_ms)


@router.post("/{sample_id}/split", response_model=SplitResult, status_code=status.HTTP_201_CREATED)
def split_sample(
    session: SessionDep, project: ProjectDep, sample_id: SampleId, split: SplitRequest
) -> SplitResult:
    """Replace a time series by equal windows of window_ms named <file>.s<k>."""
    sample = samples.get_sample(session, project, sample_id)
    return sample_edits.split_sample(session, project, sample, window_ms=split.window_ms)
