"""Routes compatible with Edge Impulse's ingestion service: firmware written for it only needs
its host changed. The project is the one of the `x-api-key`; see backend.services.ingestion for
the headers and the answers, backend.services.uploads for the rules every file passes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.api.deps import IngestionProjectDep, SessionDep
from backend.db.models import Project
from backend.services import ingestion, uploads
from backend.services.access import Permission, requires
from backend.services.rate_limits import RequestRateLimiter
from backend.services.upload_form import UploadForm, read_single_file, read_upload_form
from backend.settings import settings

INGESTION_TAG = "ingestion"
router = APIRouter(tags=[INGESTION_TAG])

# Per API key, in this process's memory (see backend.services.rate_limits).
ingestion_limiter = RequestRateLimiter(window_seconds=60.0)

DATA_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "object", "description": "Data acquisition format."}
        },
        "application/cbor": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": {"type": "string", "format": "binary"}}
                },
            }
        },
    },
}
FILES_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "WAV, CSV, JSON or CBOR acquisition format, PNG, JPEG.",
                    }
                },
            }
        }
    },
}
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "Stored; the body is the file name."},
    400: {"content": {"text/plain": {}}, "description": "Refused; the body says why."},
    401: {"content": {"text/plain": {}}, "description": "Missing or unknown x-api-key."},
    421: {"content": {"text/plain": {}}, "description": "Missing header (x-file-name)."},
    429: {"content": {"text/plain": {}}, "description": "Too many requests for this key."},
}
FILES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "{success, files: [{success, fileName, sampleId | error}]}"},
    400: {"description": "No file was stored; each file's error is listed."},
}


def _limit_rate(request: Request) -> None:
    api_key_id = request.state.ingestion_api_key_id  # set by the access dependency
    retry_after = ingestion_limiter.acquire(api_key_id, settings.ingestion_requests_per_minute)
    if retry_after:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many requests for this API key: at most {settings.ingestion_requests_per_minute} "
            f"a minute (MCUFORGE_INGESTION_REQUESTS_PER_MINUTE); try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


async def _store(
    session: Session, project: Project, form: UploadForm, options: ingestion.IngestionHeaders
) -> tuple[Any, int]:
    if options.add_date_id:
        for upload in form.files:
            upload.filename = ingestion.with_date_id(upload.filename)
    upload_options = uploads.UploadOptions(
        label=options.label, category=options.category, allow_duplicates=options.allow_duplicates
    )
    try:
        return await run_in_threadpool(
            uploads.store_uploads, session, project, form, upload_options
        )
    finally:
        form.close()


async def _multipart(
    request: Request, session: Session, project: Project, options: ingestion.IngestionHeaders
) -> JSONResponse:
    form = await read_upload_form(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=settings.max_upload_file_bytes,
        max_files=settings.max_upload_files,
        max_request_bytes=settings.max_upload_request_bytes,
        files_field="data",
        form_fields=(),
    )
    result, upload_status = await _store(session, project, form, options)
    body, answer_status = ingestion.files_answer(result, upload_status)
    return JSONResponse(body, status_code=answer_status)


async def _data(
    request: Request, session: SessionDep, project: Project, category: ingestion.IngestionCategory
) -> Response:
    _limit_rate(request)
    options = ingestion.read_headers(request.headers, category)
    if ingestion.media_type(request.headers) == "multipart/form-data":
        return await _multipart(request, session, project, options)
    filename = ingestion.data_file_name(request.headers)
    form = await read_single_file(
        filename,
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=settings.max_upload_file_bytes,
    )
    result, upload_status = await _store(session, project, form, options)
    text, answer_status = ingestion.data_answer(result, upload_status)
    return PlainTextResponse(text, status_code=answer_status)


async def _files(
    request: Request, session: SessionDep, project: Project, category: ingestion.IngestionCategory
) -> JSONResponse:
    _limit_rate(request)
    options = ingestion.read_headers(request.headers, category)
    return await _multipart(request, session, project, options)


_INGEST = requires(Permission.ingest)


@router.post(
    "/training/data",
    response_class=PlainTextResponse,
    responses=DATA_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": DATA_BODY},
)
async def ingest_training_data(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> Response:
    """Store one file (the body, named by x-file-name) as training data."""
    return await _data(request, session, project, "training")


@router.post(
    "/training/files",
    response_class=JSONResponse,
    responses=FILES_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": FILES_BODY},
)
async def ingest_training_files(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> JSONResponse:
    """Store the files of a multipart body (field data) as training data."""
    return await _files(request, session, project, "training")


@router.post(
    "/testing/data",
    response_class=PlainTextResponse,
    responses=DATA_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": DATA_BODY},
)
async def ingest_testing_data(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> Response:
    """Store one file (the body, named by x-file-name) as testing data."""
    return await _data(request, session, project, "testing")


@router.post(
    "/testing/files",
    response_class=JSONResponse,
    responses=FILES_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": FILES_BODY},
)
async def ingest_testing_files(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> JSONResponse:
    """Store the files of a multipart body (field data) as testing data."""
    return await _files(request, session, project, "testing")


@router.post(
    "/anomaly/data",
    response_class=PlainTextResponse,
    responses=DATA_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": DATA_BODY},
)
async def ingest_anomaly_data(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> Response:
    """Store one file (the body, named by x-file-name) as anomaly data (stored as testing data, labelled anomaly unless x-label says otherwise)."""
    return await _data(request, session, project, "anomaly")


@router.post(
    "/anomaly/files",
    response_class=JSONResponse,
    responses=FILES_RESPONSES,
    openapi_extra={**_INGEST, "requestBody": FILES_BODY},
)
async def ingest_anomaly_files(
    request: Request, session: SessionDep, project: IngestionProjectDep
) -> JSONResponse:
    """Store the files of a multipart body (field data) as anomaly data (stored as testing data, labelled anomaly unless x-label says otherwise)."""
    return await _files(request, session, project, "anomaly")
