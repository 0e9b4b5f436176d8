"""The API router: one router per resource, mounted under /api by backend.app."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.routes import dsp_blocks, health, impulses, jobs, projects, samples

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(projects.router)
api_router.include_router(samples.router)
api_router.include_router(jobs.router)
api_router.include_router(dsp_blocks.router)
api_router.include_router(impulses.router)
