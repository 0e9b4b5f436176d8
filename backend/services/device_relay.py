"""The device relay: samples a connected device sends, passed on to the browsers watching it.

Everything here lives in the memory of one API process: a device and the browsers that watch it
must reach the same process (one `mcuforge serve`, or sticky routing by path behind a proxy).
Every bound is a setting: devices connected per project, browsers per device, and a queue per
browser whose oldest messages are dropped (and counted) when that browser reads too slowly, so a
slow reader never slows the device or grows the server's memory.

Handlers of one device and of its watchers may run on different event loops (test clients do);
the queues are therefore guarded by a lock and a waiting reader is woken on its own loop.
Messages are queued as the JSON text sent to browsers, encoded once per message whatever the
number of watchers: a queue of N messages holds at most N times the device's message limit.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backend.schemas.devices import DeviceHello

_SAMPLES_PREFIX = '{"type": "samples"'


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, allow_nan=False)


class RelayRefusal(Exception):
    """A connection the relay's bounds refuse; str() says which bound and its setting."""


@dataclass(eq=False)  # each watcher is itself: compared by identity
class Subscriber:
    """One browser watching one device: its bounded queue and how many messages it lost."""

    max_messages: int
    dropped: int = 0
    _queue: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _ready: asyncio.Event | None = None

    def push(self, message: str) -> None:
        with self._lock:
            if len(self._queue) >= self.max_messages:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(message)
            loop, ready = self._loop, self._ready
        if loop is not None and ready is not None:
            try:
                loop.call_soon_threadsafe(ready.set)
            except RuntimeError:
                pass  # the watcher's loop is closed: it is going away

    async def next_message(self) -> str:
        """The oldest queued message (JSON text), waiting for one; samples carry the number of
        messages dropped so far."""
        with self._lock:
            if self._ready is None:
                self._loop = asyncio.get_running_loop()
                self._ready = asyncio.Event()
            ready = self._ready
        while True:
            with self._lock:
                if self._queue:
                    message = self._queue.popleft()
                    if self.dropped and message.startswith(_SAMPLES_PREFIX):
                        message = f'{message[:-1]}, "dropped": {self.dropped}}}'
                    return message
                ready.clear()
            await ready.wait()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)


@dataclass(eq=False)
class ConnectedDevice:
    project_id: int
    hello: DeviceHello
    connected_at: datetime
    subscribers: list[Subscriber] = field(default_factory=list)
    samples_received: int = 0

    def status(self, *, connected: bool) -> str:
        return _encode(
            {
                "type": "status",
                "connected": connected,
                "device_id": self.hello.device_id,
                "name": self.hello.name,
                "frequency_hz": self.hello.frequency_hz,
                "axes": [axis.model_dump() for axis in self.hello.axes],
            }
        )


class DeviceRelay:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._devices: dict[tuple[int, str], ConnectedDevice] = {}
        # Watchers of a device that is not connected (yet): they get it when it connects.
        self._waiting: dict[tuple[int, str], list[Subscriber]] = {}

    def connect(
        self, project_id: int, hello: DeviceHello, *, max_per_project: int
    ) -> ConnectedDevice:
        key = (project_id, hello.device_id)
        with self._lock:
            if key in self._devices:
                raise RelayRefusal(
                    f'a device with the id "{hello.device_id}" is already connected to this '
                    "project; give each device its own id"
                )
            connected = sum(1 for project, _ in self._devices if project == project_id)
            if connected >= max_per_project:
                raise RelayRefusal(
                    f"this project already has {connected} devices connected, the limit "
                    "(MCUFORGE_DEVICE_MAX_CONNECTED_PER_PROJECT)"
                )
            device = ConnectedDevice(project_id, hello, datetime.now(UTC))
            device.subscribers = self._waiting.pop(key, [])
            self._devices[key] = device
            subscribers = list(device.subscribers)
        for subscriber in subscribers:
            subscriber.push(device.status(connected=True))
        return device

    def disconnect(self, device: ConnectedDevice) -> None:
        key = (device.project_id, device.hello.device_id)
        with self._lock:
            if self._devices.get(key) is not device:
                return
            del self._devices[key]
            subscribers = list(device.subscribers)
            if subscribers:
                self._waiting.setdefault(key, []).extend(subscribers)
        for subscriber in subscribers:
            subscriber.push(device.status(connected=False))

    def publish(self, device: ConnectedDevice, values: list[list[float]]) -> None:
        with self._lock:
            device.samples_received += len(values)
            subscribers = list(device.subscribers)
        message = _encode({"type": "samples", "values": values})
        for subscriber in subscribers:
            subscriber.push(message)

    def subscribe(
        self, project_id: int, device_id: str, *, max_subscribers: int, queue_messages: int
    ) -> tuple[Subscriber, str | None]:
        """A new watcher, and the device's status when it is connected (None when not)."""
        key = (project_id, device_id)
        subscriber = Subscriber(max_messages=queue_messages)
        with self._lock:
            device = self._devices.get(key)
            watchers = (
                device.subscribers if device is not None else self._waiting.setdefault(key, [])
            )
            if len(watchers) >= max_subscribers:
                if device is None and not watchers:
                    del self._waiting[key]
                raise RelayRefusal(
                    f"{len(watchers)} browsers already watch this device, the limit "
                    "(MCUFORGE_DEVICE_MAX_SUBSCRIBERS)"
                )
            watchers.append(subscriber)
            status = device.status(connected=True) if device is not None else None
        return subscriber, status

    def unsubscribe(self, project_id: int, device_id: str, subscriber: Subscriber) -> None:
        key = (project_id, device_id)
        with self._lock:
            device = self._devices.get(key)
            for watchers in (device.subscribers if device else [], self._waiting.get(key, [])):
                if subscriber in watchers:
                    watchers.remove(subscriber)
            if key in self._waiting and not self._waiting[key]:
                del self._waiting[key]

    def connected_ids(self, project_id: int) -> set[str]:
        with self._lock:
            return {device_id for project, device_id in self._devices if project == project_id}

    def clear(self) -> None:
        """Forget every connection (tests; a process that restarts forgets them anyway)."""
        with self._lock:
            self._devices.clear()
            self._waiting.clear()


relay = DeviceRelay()
