"""The API router: one router per resource, mounted under /api by backend.app."""

from __future__ import annotations

from fastapi import APIRouter

api_router = APIRouter()
