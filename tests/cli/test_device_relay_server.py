"""The device relay and the ingestion routes through a real `mcuforge serve` (uvicorn and its
WebSocket implementation), as `mcuforge forward --stream` and firmware reach them: a device
streams with the `websockets` client, a watcher gets its samples, a frame over the message limit
is cut off by the server itself (1009)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from backend.commands.forward import Device, LineReader, LivePlot, stream
from backend.settings import settings

HELLO = {
    "type": "hello",
    "device_id": "qemu-uart-0",
    "name": "emulated board",
    "frequency_hz": 100.0,
    "axes": [{"name": "accX", "units": "m/s2"}, {"name": "accY", "units": "m/s2"}],
}


def _ws(live_server: str) -> str:
    return live_server.replace("http://", "ws://")


def test_a_device_streams_through_the_server_to_a_watcher(
    live_server: str, project: dict, owner: httpx.Client
) -> None:
    key = {"x-api-key": project["api_key"]}
    with connect(f"{_ws(live_server)}/api/devices/connect", additional_headers=key) as board:
        board.send(json.dumps(HELLO))
        assert json.loads(board.recv(timeout=10)) == {"type": "ok"}
        live = f"{_ws(live_server)}/api/projects/{project['id']}/devices/qemu-uart-0/live"
        cookies = "; ".join(f"{name}={value}" for name, value in owner.cookies.items())
        with connect(live, additional_headers={"Cookie": cookies}) as browser:
            assert json.loads(browser.recv(timeout=10))["connected"] is True
            board.send(json.dumps({"type": "samples", "values": [[0.5, -0.5], [0.25, 1.0]]}))
            assert json.loads(board.recv(timeout=10)) == {"type": "ok"}
            assert json.loads(browser.recv(timeout=10)) == {
                "type": "samples",
                "values": [[0.5, -0.5], [0.25, 1.0]],
            }
        too_big = json.dumps({"type": "samples", "values": [[1.0, 2.0]] * 20_000})
        assert len(too_big) > settings.device_max_message_bytes
        board.send(too_big)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                board.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    listed = owner.get(f"/api/projects/{project['id']}/devices").json()
    assert listed["data"][0]["device_id"] == "qemu-uart-0"
    assert listed["data"][0]["connected"] is False


def test_firmware_posts_to_the_ingestion_route_of_the_server(
    live_server: str, project: dict, owner: httpx.Client
) -> None:
    body = json.dumps(
        {
            "protected": {"ver": "v1", "alg": "none", "iat": 1564128599},
            "signature": "0" * 64,
            "payload": {
                "device_type": "QEMU_MPS2_AN386",
                "interval_ms": 10,
                "sensors": [{"name": "accX", "units": "m/s2"}],
                "values": [[0.1], [0.2], [0.3]],
            },
        }
    )
    response = httpx.post(
        f"{live_server}/api/testing/data",
        content=body,
        headers={
            "x-api-key": project["api_key"],
            "x-file-name": "idle.01",
            "x-label": "idle",
            "Content-Type": "application/json",
        },
    )
    assert (response.status_code, response.text) == (200, "idle.01.json")
    samples = owner.get(f"/api/projects/{project['id']}/samples").json()["data"]
    assert [(s["label"], s["category"]) for s in samples] == [("idle", "testing")]


def test_a_refusal_quoting_a_long_non_ascii_device_id_closes_with_its_code(
    live_server: str, project: dict, owner: httpx.Client
) -> None:
    device_id = "é" * 100  # the refusal quotes it: 200 bytes, more than a close reason holds
    live = f"{_ws(live_server)}/api/projects/{project['id']}/devices/{device_id}/live"
    cookies = "; ".join(f"{name}={value}" for name, value in owner.cookies.items())
    with connect(live, additional_headers={"Cookie": cookies}) as browser:
        answer = json.loads(browser.recv(timeout=10))
        assert answer["type"] == "error" and device_id in answer["message"]
        with pytest.raises(ConnectionClosed) as closed:
            browser.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


class _PacedBoard:
    """A serial port whose board prints `i,-i` every 10 ms (what pyserial's read gives)."""

    def __init__(self) -> None:
        self.count = 0
        self.in_waiting = 0

    def read(self, size: int) -> bytes:
        time.sleep(0.01)
        self.count += 1
        return f"{self.count},{-self.count}\n".encode()

    def reset_input_buffer(self) -> None:
        pass


def test_forward_stream_reaches_a_browser_through_the_real_relay(
    live_server: str, project: dict, owner: httpx.Client
) -> None:
    device = Device(device_id="desk-board", name="desk board", axes=["ax", "ay"],
                    frequency_hz=100.0)
    board = _PacedBoard()
    sent: list[int] = []
    streaming = threading.Thread(target=lambda: sent.append(stream(
        LineReader(board), device, live_server, project["api_key"], 3.0,
        LivePlot(device.axes, enabled=False))))
    streaming.start()
    try:
        live = f"{_ws(live_server)}/api/projects/{project['id']}/devices/desk-board/live"
        cookies = "; ".join(f"{name}={value}" for name, value in owner.cookies.items())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the relay lets a browser watch after the hello
            listed = owner.get(f"/api/projects/{project['id']}/devices").json()["data"]
            if listed and listed[0]["connected"]:
                break
            time.sleep(0.1)
        with connect(live, additional_headers={"Cookie": cookies}) as browser:
            assert json.loads(browser.recv(timeout=10))["connected"] is True
            message = json.loads(browser.recv(timeout=10))
            assert message["type"] == "samples"
            rows = message["values"]
            assert rows and all(len(row) == 2 and row[1] == -row[0] for row in rows)
    finally:
        streaming.join(timeout=30)
    assert sent and sent[0] > 0
    listed = owner.get(f"/api/projects/{project['id']}/devices").json()["data"][0]
    assert (listed["name"], listed["frequency_hz"]) == ("desk board", 100.0)
    assert [axis["name"] for axis in listed["axes"]] == ["ax", "ay"]
