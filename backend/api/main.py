"""The API router: one router per resource, mounted under /api by backend.app.

Every router but the uploads' (samples, ingestion) and live classification's refuses bodies over `max_json_body_bytes`
(413) before a handler reads them; uploads stream through their own, larger, per-file and
per-request limits, and a recording to classify may take `max_recording_body_bytes`.
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.routes import (
    admin_invitations,
    admin_users,
    api_keys,
    auth,
    boards,
    classification,
    deployment,
    device_tests,
    devices,
    dsp_blocks,
    health,
    impulses,
    ingestion,
    initial_models,
    jobs,
    members,
    models,
    project_invitations,
    projects,
    public_projects,
    sample_boxes,
    samples,
    training,
    tuner,
    users,
)
from backend.settings import settings

api_router = APIRouter()
for router in (
    health.router,
    auth.router,
    users.router,
    projects.router,
    members.router,
    api_keys.router,
    project_invitations.router,
    admin_users.router,
    admin_invitations.router,
    public_projects.router,
    jobs.router,
    dsp_blocks.router,
    impulses.router,
    training.router,
    models.router,
    deployment.router,
    device_tests.router,
    boards.router,
    devices.router,
    sample_boxes.router,  # before samples.router: its /{sample_id} would take /images
    tuner.router,
):
    api_router.include_router(router, max_body_size=settings.max_json_body_bytes)
api_router.include_router(sample_boxes.import_router, max_body_size=settings.max_upload_request_bytes)
api_router.include_router(samples.router, max_body_size=settings.max_upload_request_bytes)
api_router.include_router(initial_models.router, max_body_size=settings.max_upload_request_bytes)
api_router.include_router(ingestion.router, max_body_size=settings.max_upload_request_bytes)
api_router.include_router(classification.router, max_body_size=settings.max_recording_body_bytes)
