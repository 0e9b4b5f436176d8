"""Devices and the relay: a device streams over `WS /api/devices/connect`, the project's browsers
watch it over `WS .../devices/{device_id}/live`, the devices list shows it; every bound holds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backend.schemas.devices import DeviceHello
from backend.services.device_relay import DeviceRelay, relay
from backend.settings import settings
from tests.utils.api import create_project

HELLO: dict[str, Any] = {
    "type": "hello",
    "device_id": "a4:cf:12:00:00:01",
    "name": "bench board",
    "frequency_hz": 62.5,
    "axes": [
        {"name": "accX", "units": "m/s2"},
        {"name": "accY", "units": "m/s2"},
        {"name": "accZ", "units": "m/s2"},
    ],
}
ROWS = [[0.1, -0.2, 9.8], [0.2, -0.1, 9.7]]


@pytest.fixture(autouse=True)
def empty_relay() -> Iterator[None]:
    relay.clear()
    yield
    relay.clear()


def _key(client: TestClient, project_id: int, scope: str = "ingestion") -> str:
    response = client.post(
        f"/api/projects/{project_id}/api-keys", json={"name": "board", "scope": scope}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.fixture
def project(client: TestClient) -> dict[str, Any]:
    return create_project(client, "motion")


def _refusal(
    client: TestClient, url: str, headers: dict[str, str], first: dict[str, Any] | None = None
) -> tuple[str, int]:
    with client.websocket_connect(url, headers=headers) as socket:
        if first is not None:
            socket.send_json(first)
        answer = socket.receive_json()
        assert answer["type"] == "error", answer
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    return str(answer["message"]), closed.value.code


def test_a_device_streams_to_a_watching_browser_and_is_listed(
    client: TestClient, project: dict[str, Any]
) -> None:
    key = _key(client, project["id"])
    live = f"/api/projects/{project['id']}/devices/{HELLO['device_id']}/live"
    message, code = _refusal(client, live, {})
    assert code == 4404 and "no device" in message  # only devices that said hello are watched
    with client.websocket_connect("/api/devices/connect", headers={"x-api-key": key}) as board:
        board.send_json(HELLO)
        assert board.receive_json() == {"type": "ok"}
        with client.websocket_connect(live) as browser:  # the signed-in session cookie
            status = browser.receive_json()
            assert status["type"] == "status" and status["connected"] is True
            assert status["frequency_hz"] == 62.5
            assert [a["name"] for a in status["axes"]] == ["accX", "accY", "accZ"]
            board.send_json({"type": "samples", "values": ROWS})
            assert board.receive_json() == {"type": "ok"}
            assert browser.receive_json() == {"type": "samples", "values": ROWS}
            listed = client.get(f"/api/projects/{project['id']}/devices").json()
            assert listed["count"] == 1
            [device] = listed["data"]
            assert (
                device["device_id"],
                device["name"],
                device["frequency_hz"],
                device["connected"],
            ) == (HELLO["device_id"], "bench board", 62.5, True)
            assert device["axes"] == HELLO["axes"] and device["last_seen_at"]
            board.close()
            assert browser.receive_json()["connected"] is False
            # The browser keeps watching: the device is back, with its samples.
            with client.websocket_connect(
                "/api/devices/connect", headers={"x-api-key": key}
            ) as again:
                again.send_json(HELLO)
                assert again.receive_json() == {"type": "ok"}
                assert browser.receive_json()["connected"] is True
                again.send_json({"type": "samples", "values": ROWS[:1]})
                assert again.receive_json() == {"type": "ok"}
                assert browser.receive_json() == {"type": "samples", "values": ROWS[:1]}
    listed = client.get(f"/api/projects/{project['id']}/devices").json()
    assert listed["data"][0]["connected"] is False


def test_a_bearer_token_connects_with_the_project_in_the_query(
    client: TestClient, project: dict[str, Any]
) -> None:
    token = client.post("/api/users/me/tokens", json={"name": "forwarder"}).json()["token"]
    with TestClient(client.app) as cli:
        url = f"/api/devices/connect?project={project['id']}"
        with cli.websocket_connect(url, headers={"Authorization": f"Bearer {token}"}) as board:
            board.send_json(HELLO)
            assert board.receive_json() == {"type": "ok"}
        message, code = _refusal(cli, "/api/devices/connect", {"Authorization": f"Bearer {token}"})
        assert code == 4404 and "?project=" in message


def test_bad_messages_get_errors_and_store_nothing(
    client: TestClient, project: dict[str, Any]
) -> None:
    key = _key(client, project["id"])
    with client.websocket_connect("/api/devices/connect", headers={"x-api-key": key}) as board:
        board.send_json(HELLO)
        assert board.receive_json() == {"type": "ok"}
        board.send_json({"type": "samples", "values": [[1.0, 2.0]]})
        assert "values[0] has 2 values" in board.receive_json()["message"]
        board.send_json({"type": "samples", "values": [["1", 2.0, 3.0]]})
        assert board.receive_json()["type"] == "error"
        board.send_text('{"type": "samples", "values": [[NaN, 1, 2]]}')
        assert board.receive_json()["type"] == "error"
        board.send_text("not json")
        assert board.receive_json()["type"] == "error"
        board.send_json({"type": "samples", "values": ROWS})
        assert board.receive_json() == {"type": "ok"}  # still connected
    message, code = _refusal(
        client, "/api/devices/connect", {"x-api-key": key}, {"type": "samples", "values": ROWS}
    )
    assert code == 1008 and "hello" in message
    bad_hello = {**HELLO, "frequency_hz": "62.5"}
    message, code = _refusal(client, "/api/devices/connect", {"x-api-key": key}, bad_hello)
    assert code == 1008 and "frequency_hz" in message


def test_who_may_connect_and_watch(
    client: TestClient, project: dict[str, Any], new_client: Any
) -> None:
    read_only = _key(client, project["id"], "read-only")
    with TestClient(client.app) as stranger:
        message, code = _refusal(stranger, "/api/devices/connect", {})
        assert code == 4401
        message, code = _refusal(stranger, "/api/devices/connect", {"x-api-key": "mfk_wrong"})
        assert code == 4401 and "unknown" in message
        message, code = _refusal(stranger, "/api/devices/connect", {"x-api-key": read_only})
        assert code == 4403 and "ingest" in message
        live = f"/api/projects/{project['id']}/devices/x/live"
        assert _refusal(stranger, live, {})[1] == 4401
    outsider = new_client("mallory")
    assert _refusal(outsider, live, {})[1] == 4404
    # A page of another site cannot use the member's cookie to watch.
    assert _refusal(client, live, {"origin": "https://evil.example"})[1] == 4403
    assert outsider.get(f"/api/projects/{project['id']}/devices").status_code == 404


def test_bounds_message_size_rate_devices_and_watchers(
    client: TestClient, project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _key(client, project["id"])
    monkeypatch.setattr(settings, "device_max_message_bytes", 1024)
    monkeypatch.setattr(settings, "device_max_connected_per_project", 1)
    monkeypatch.setattr(settings, "device_max_subscribers", 1)
    monkeypatch.setattr(settings, "device_max_messages_per_second", 1.0)
    with client.websocket_connect("/api/devices/connect", headers={"x-api-key": key}) as board:
        board.send_json(HELLO)
        assert board.receive_json() == {"type": "ok"}
        answers = []
        for _ in range(4):
            board.send_json({"type": "samples", "values": ROWS})
            answers.append(board.receive_json()["type"])
        assert answers[:2] == ["ok", "ok"] and "error" in answers  # a 2-message burst, then dropped
        second = {**HELLO, "device_id": "another"}
        message, code = _refusal(client, "/api/devices/connect", {"x-api-key": key}, second)
        assert code == 1008 and "MCUFORGE_DEVICE_MAX_CONNECTED_PER_PROJECT" in message
        live = f"/api/projects/{project['id']}/devices/{HELLO['device_id']}/live"
        with client.websocket_connect(live) as watcher:
            assert watcher.receive_json()["connected"] is True
            message, code = _refusal(client, live, {})
            assert code == 1008 and "MCUFORGE_DEVICE_MAX_SUBSCRIBERS" in message
        board.send_text(
            '{"type": "samples", "values": [' + ",".join(["[1.5, 2.5, 3.5]"] * 100) + "]}"
        )
        assert "MCUFORGE_DEVICE_MAX_MESSAGE_BYTES" in board.receive_json()["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            board.receive_json()
        assert closed.value.code == 1009


def test_a_slow_watcher_loses_the_oldest_messages_and_is_told_how_many() -> None:
    hub = DeviceRelay()
    hello = DeviceHello.model_validate(HELLO)
    device = hub.connect(1, hello, max_per_project=1)
    watcher, status = hub.subscribe(1, hello.device_id, max_subscribers=1, queue_messages=3)
    assert status is not None and json.loads(status)["connected"] is True
    for step in range(10):
        hub.publish(device, [[float(step), 0.0, 0.0]])
    assert watcher.pending() == 3 and watcher.dropped == 7

    first = json.loads(asyncio.run(watcher.next_message()))
    assert first == {"type": "samples", "values": [[7.0, 0.0, 0.0]], "dropped": 7}

