"""Make Artifact rows: a file's bytes with its kind, name, content type, size and sha256."""

from __future__ import annotations

import hashlib

from backend.db.models import Artifact

CONTENT_TYPES = {
    ".tflite": "application/octet-stream",
    ".zip": "application/zip",
    ".py": "text/x-python; charset=utf-8",
    ".json": "application/json",
}


def new_artifact(
    *,
    project_id: int,
    kind: str,
    file_name: str,
    data: bytes,
    trained_model_id: int | None = None,
    job_id: int | None = None,
    content_type: str | None = None,
) -> Artifact:
    """An unsaved Artifact owned by a trained model or a job (one of them must be given)."""
    if (trained_model_id is None) == (job_id is None):
        raise ValueError("an artifact belongs to exactly one trained model or one job")
    suffix = file_name[file_name.rfind(".") :] if "." in file_name else ""
    return Artifact(
        project_id=project_id,
        trained_model_id=trained_model_id,
        job_id=job_id,
        kind=kind,
        file_name=file_name,
        content_type=content_type or CONTENT_TYPES.get(suffix, "application/octet-stream"),
        data=data,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
