"""Devices: the list of a project's devices, the WebSocket a device streams into, and the one a
browser watches a device through (the relay: backend.services.device_relay).

`WS /api/devices/connect` takes `x-api-key: <project API key>` (the key's project), or
`Authorization: Bearer <personal token>` with `?project=<id>`; either must hold the ingest
permission. `WS /api/projects/{project_id}/devices/{device_id}/live` takes whoever may read the
project: a browser session (from this server's own pages), a bearer token or an API key.
A refused socket gets `{"type": "error", "message": ...}` and is closed with 4401, 4403 or 4404
(the HTTP status the same request would get, plus 4000); a broken bound closes it with 1008
(too fast, too many) or 1009 (a message too large).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from backend.api.deps import (
    ProjectDep,
    SessionDep,
    WebSocketRefusal,
    websocket_actor,
    websocket_project,
)
from backend.db.session import get_sessionmaker
from backend.schemas.devices import MAX_DEVICE_ID_CHARS, DeviceHello, DeviceSamples, DevicesPublic
from backend.services import devices
from backend.services.access import Permission
from backend.services.device_relay import ConnectedDevice, RelayRefusal, Subscriber, relay
from backend.settings import settings

router = APIRouter(tags=["devices"])

HELLO_TIMEOUT_SECONDS = 10.0
# How often a streaming device's last_seen_at is written (not on every message).
LAST_SEEN_WRITE_SECONDS = 5.0
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


@router.get("/projects/{project_id}/devices", response_model=DevicesPublic)
def read_devices(
    session: SessionDep,
    project: ProjectDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DevicesPublic:
    """The devices that streamed into the project, most recently heard first."""
    return devices.list_devices(
        session, project, relay.connected_ids(project.id), offset=offset, limit=limit
    )


# --- helpers ----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, close_code: int, message: str) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.message = message


async def _close_with_error(websocket: WebSocket, close_code: int, message: str) -> None:
    with contextlib.suppress(Exception):  # the peer may be gone already
        await websocket.send_json({"type": "error", "message": message})
        # A close reason has at most 123 bytes.
        reason = message.encode()[:120].decode(errors="ignore")
        await websocket.close(code=close_code, reason=reason)


def _authorize(
    websocket: WebSocket, project_id: int | None, needed: Permission, *, allow_cookie: bool
) -> int:
    """The project the caller may act in with `needed`; WebSocketRefusal otherwise."""
    with get_sessionmaker()() as session:
        actor = websocket_actor(websocket, session, allow_cookie=allow_cookie)
        if actor.api_key is not None:
            if project_id is not None and project_id != actor.api_key.project_id:
                raise WebSocketRefusal(4404, f"project {project_id} does not exist")
            project_id = actor.api_key.project_id
        if project_id is None:
            raise WebSocketRefusal(
                4401 if actor.is_anonymous else 4404,
                "send x-api-key: <project API key>, or a bearer token and ?project=<id>",
            )
        return websocket_project(session, actor, project_id, frozenset({needed})).id


async def _receive_json(websocket: WebSocket) -> Any:
    """The next message as JSON; _Refused past the size limit, WebSocketDisconnect at the end."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    data = message.get("text")
    if data is None:
        data = message.get("bytes") or b""
    size_bytes = len(data.encode()) if isinstance(data, str) else len(data)
    if size_bytes > settings.device_max_message_bytes:
        raise _Refused(
            CLOSE_TOO_BIG,
            f"a message is at most {settings.device_max_message_bytes} bytes "
            "(MCUFORGE_DEVICE_MAX_MESSAGE_BYTES); send fewer rows per message",
        )
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the message"
    return f"{where}: {first['msg']}"


def _parse_hello(raw: Any) -> DeviceHello:
    if not isinstance(raw, dict) or raw.get("type") != "hello":
        raise _Refused(
            CLOSE_POLICY,
            'the first message must be {"type": "hello", "device_id", "name", "frequency_hz", '
            '"axes": [{"name", "units"}]}',
        )
    try:
        hello = DeviceHello.model_validate(raw)
    except ValidationError as error:
        raise _Refused(CLOSE_POLICY, f"the hello is not valid: {_problem(error)}") from None
    if len(hello.axes) > settings.max_axes:
        raise _Refused(
            CLOSE_POLICY,
            f"the hello has {len(hello.axes)} axes; at most {settings.max_axes} (MCUFORGE_MAX_AXES)",
        )
    return hello


def _parse_samples(raw: Any, axes: int) -> list[list[float]] | str:
    """The rows of a samples message, or why it is refused (the device may send the next one)."""
    if not isinstance(raw, dict):
        return 'a message must be a JSON object such as {"type": "samples", "values": [[...]]}'
    if raw.get("type") != "samples":
        return f"unknown message type {str(raw.get('type'))[:40]!r}; after the hello send samples"
    try:
        values = DeviceSamples.model_validate(raw).values
    except ValidationError as error:
        return f"the samples are not valid: {_problem(error)}"
    for index, row in enumerate(values):
        if len(row) != axes:
            return f"values[{index}] has {len(row)} values; the hello named {axes} axes"
    return values


class _Throttle:
    """A token bucket: `rate` messages a second on average, bursts of two seconds' worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, 2 * rate)
        self.tokens = self.capacity
        self.last = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _write_seen(project_id: int, device_id: str) -> None:
    with get_sessionmaker()() as session:
        devices.record_seen(session, project_id, device_id)


def _is_known(project_id: int, device_id: str) -> bool:
    """Whether the device ever said hello to the project (only those can be watched)."""
    with get_sessionmaker()() as session:
        return devices.device_exists(session, project_id, device_id)


def _write_hello(project_id: int, hello: DeviceHello) -> None:
    with get_sessionmaker()() as session:
        devices.record_hello(session, project_id, hello)


# --- a device streams ---------------------------------------------------------------------------


@router.websocket("/devices/connect")
async def connect_device(
    websocket: WebSocket, project: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> None:
    """A device (or `mcuforge forward --stream`) streams its samples to the project's browsers."""
    await websocket.accept()
    try:
        project_id = await run_in_threadpool(
            _authorize, websocket, project, Permission.ingest, allow_cookie=False
        )
    except WebSocketRefusal as refusal:
        await _close_with_error(websocket, refusal.close_code, refusal.message)
        return
    device: ConnectedDevice | None = None
    try:
        raw = await asyncio.wait_for(_receive_json(websocket), HELLO_TIMEOUT_SECONDS)
        hello = _parse_hello(raw)
        try:
            device = relay.connect(
                project_id, hello, max_per_project=settings.device_max_connected_per_project
            )
        except RelayRefusal as refusal:
            raise _Refused(CLOSE_POLICY, str(refusal)) from None
        await run_in_threadpool(_write_hello, project_id, hello)
        await websocket.send_json({"type": "ok"})
        await _stream(websocket, device)
    except TimeoutError:
        await _close_with_error(
            websocket, CLOSE_POLICY, f"no hello within {HELLO_TIMEOUT_SECONDS:g} s"
        )
    except _Refused as refusal:
        await _close_with_error(websocket, refusal.close_code, refusal.message)
    except WebSocketDisconnect:
        pass
    finally:
        if device is not None:
            relay.disconnect(device)
            await run_in_threadpool(_write_seen, project_id, device.hello.device_id)


async def _stream(websocket: WebSocket, device: ConnectedDevice) -> None:
    throttle = _Throttle(settings.device_max_messages_per_second)
    axes = len(device.hello.axes)
    last_write = time.monotonic()
    while True:
        raw = await _receive_json(websocket)
        if not throttle.allow():
            await websocket.send_json(
                {
                    "type": "error",
                    "message": f"too fast: at most {settings.device_max_messages_per_second:g} "
                    "messages a second (MCUFORGE_DEVICE_MAX_MESSAGES_PER_SECOND); this one was "
                    "dropped: send more rows per message",
                }
            )
            continue
        values = _parse_samples(raw, axes)
        if isinstance(values, str):
            await websocket.send_json({"type": "error", "message": values})
            continue
        relay.publish(device, values)
        await websocket.send_json({"type": "ok"})
        if time.monotonic() - last_write >= LAST_SEEN_WRITE_SECONDS:
            last_write = time.monotonic()
            await run_in_threadpool(_write_seen, device.project_id, device.hello.device_id)


# --- a browser watches ------------------------------------------------------------------------


@router.websocket("/projects/{project_id}/devices/{device_id}/live")
async def watch_device(websocket: WebSocket, project_id: int, device_id: str) -> None:
    """A browser receives a device's samples and status as they arrive."""
    await websocket.accept()
    try:
        if not 1 <= len(device_id) <= MAX_DEVICE_ID_CHARS:
            raise WebSocketRefusal(4404, "no such device")
        await run_in_threadpool(
            _authorize, websocket, project_id, Permission.read, allow_cookie=True
        )
        if not await run_in_threadpool(_is_known, project_id, device_id):
            raise WebSocketRefusal(4404, f'project {project_id} has no device "{device_id}"')
        subscriber, status = relay.subscribe(
            project_id,
            device_id,
            max_subscribers=settings.device_max_subscribers,
            queue_messages=settings.device_subscriber_queue_messages,
        )
    except WebSocketRefusal as refusal:
        await _close_with_error(websocket, refusal.close_code, refusal.message)
        return
    except RelayRefusal as refusal:
        await _close_with_error(websocket, CLOSE_POLICY, str(refusal))
        return
    try:
        await websocket.send_text(
            status or json.dumps({"type": "status", "connected": False, "device_id": device_id})
        )
        await _forward(websocket, subscriber)
    finally:
        relay.unsubscribe(project_id, device_id, subscriber)


async def _forward(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Send queued messages until the browser goes away (its messages are read and ignored)."""

    async def until_closed() -> None:
        with contextlib.suppress(Exception):
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass

    closed = asyncio.ensure_future(until_closed())
    try:
        while not closed.done():
            next_message = asyncio.ensure_future(subscriber.next_message())
            done, _ = await asyncio.wait(
                {closed, next_message}, return_when=asyncio.FIRST_COMPLETED
            )
            if next_message not in done:
                next_message.cancel()
                return
            try:
                await websocket.send_text(next_message.result())
            except Exception:
                return  # the browser went away mid-send
    finally:
        closed.cancel()
