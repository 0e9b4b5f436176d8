"""The FastAPI application: the HTTP API under /api and the built frontend at /."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.api.main import api_router
from backend.api.routes.ingestion import INGESTION_TAG
from backend.services.errors import ServiceError
from backend.settings import settings

FRONTEND_MISSING_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcuforge</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>mcuforge</h1>
<p>The API is running, but the web interface has not been built
(<code>{dist}</code> has no <code>index.html</code>).</p>
<p>Run <code>make run</code>, or build it with <code>cd frontend &amp;&amp; npm ci &amp;&amp;
npm run build</code>, then reload this page.</p>
<p>Meanwhile the API and its documentation are at <a href="/docs">/docs</a>.</p>
</body></html>
"""


def operation_id(route: APIRoute) -> str:
    """`{tag}-{name}`, e.g. projects-read_projects: the generated client's method names."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _answers_in_text(request: Request) -> bool:
    """The ingestion service's routes answer errors in text/plain, as the service they stand in
    for does (firmware prints the body)."""
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and INGESTION_TAG in route.tags


async def _service_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)
    if _answers_in_text(request):
        # The service's clients know 400 for every invalid message.
        status_code = 400 if error.status_code == 422 else error.status_code
        return PlainTextResponse(error.detail, status_code=status_code)
    return JSONResponse({"detail": error.detail}, status_code=error.status_code)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _answers_in_text(request):
        return PlainTextResponse(
            str(error.detail), status_code=error.status_code, headers=error.headers
        )
    return await http_exception_handler(request, error)


def unstorable_value_detail(error: Exception) -> str:
    """What is wrong with a value the database refused (or could not be handed), in words.

    Each service checks its input first; this is the last line, so that what slips through is a
    422 that names the actual problem rather than a 500, or a text about ids when it was a NUL.
    """
    text = str(getattr(error, "orig", None) or error)
    if "NUL" in text or "0x00" in text:
        # PostgreSQL (psycopg) refuses NUL in text; SQLite would store it.
        return "A text in the request contains a NUL character (\\u0000), which cannot be stored."
    if "surrogates not allowed" in text:
        return (
            "A text in the request is not valid Unicode (it holds a lone surrogate, e.g. \\ud800)."
        )
    if "SQLite INTEGER" in text or "integer out of range" in text:
        # A path id past the database's integer range (PostgreSQL: DataError, SQLite:
        # OverflowError while binding).
        return "A number in the request is out of range: ids are at most 2147483647."
    if "too long" in text:
        return "A text in the request is longer than the database allows for that field."
    if isinstance(error, OverflowError):
        return "A number in the request is too large to be handled."
    return "A value in the request is out of the range or form the database can store."


async def _unstorable_value(_request: Request, error: Exception) -> JSONResponse:
    # Bad input, not a server fault.
    return JSONResponse({"detail": unstorable_value_detail(error)}, status_code=422)


async def _unencodable_text(request: Request, error: Exception) -> Response:
    assert isinstance(error, UnicodeEncodeError)
    if "surrogates not allowed" not in str(error):
        raise error  # a server fault after all
    return await _unstorable_value(request, error)


# An echoed input longer than this (a recording's million values) is left out of the error.
MAX_ECHOED_INPUT_CHARS = 1000


def _echoable(value: Any) -> bool:
    try:
        return len(json.dumps(value, allow_nan=False)) <= MAX_ECHOED_INPUT_CHARS
    except ValueError:  # NaN or infinity: valid to Python's parser, not to JSON
        return False


async def _invalid_request(_request: Request, error: Exception) -> JSONResponse:
    # FastAPI's own handler echoes each bad input back and fails (500) on a NaN it was sent.
    assert isinstance(error, RequestValidationError)
    details = []
    for detail in jsonable_encoder(error.errors()):
        if "input" in detail and not _echoable(detail["input"]):
            detail = {key: value for key, value in detail.items() if key != "input"}
        details.append(detail)
    return JSONResponse({"detail": details}, status_code=422)


def _frontend_file(dist: Path, path: str) -> Path | None:
    """The built file a path names, never one outside dist (a '..' in the path finds nothing)."""
    if not path:
        return None
    candidate = (dist / path).resolve()
    if candidate.is_file() and candidate.is_relative_to(dist.resolve()):
        return candidate
    return None


def _mount_frontend(app: FastAPI, dist: Path) -> None:
    @app.get("/{path:path}", include_in_schema=False)
    def frontend(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return JSONResponse({"detail": f"there is no API route /{path}"}, status_code=404)
        built = _frontend_file(dist, path)
        if built is not None:
            return FileResponse(built)
        index = dist / "index.html"
        if index.is_file():
            # Client-side routes (/projects/3) are the single-page app's to resolve.
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(FRONTEND_MISSING_HTML.format(dist=dist))


def create_app() -> FastAPI:
    app = FastAPI(
        title="mcuforge",
        summary="Sensor data to an exact, interpreter-free C++ library for microcontrollers.",
        version="0.1.0",
        docs_url="/docs",
        openapi_url="/openapi.json",
        generate_unique_id_function=operation_id,
    )
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(OverflowError, _unstorable_value)
    app.add_exception_handler(UnicodeEncodeError, _unencodable_text)
    app.include_router(api_router, prefix="/api")
    _mount_frontend(app, settings.frontend_dist)
    return app
