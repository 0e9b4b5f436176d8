"""`mcuforge forward` against the emulated board's UART (QEMU, a pseudo-terminal) and a live
server: the detected layout, axis names remembered per device, the stored samples, and --stream
against a WebSocket server that speaks the device relay's contract."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.sync.server import Server, ServerConnection, serve

from deploy_targets.serial_board import EmulatedBoard
from tests.cli.conftest import free_port, mcuforge
from tests.devices.conftest import SIGNAL_HZ, signal_board, signal_firmware  # noqa: F401


def expected_signal(index: np.ndarray) -> np.ndarray:
    """What signal_main.cpp prints for sample `index` (m/s^2, 3 decimals)."""
    t = index / SIGNAL_HZ
    return np.stack([
        2.0 * np.sin(2 * np.pi * t),
        np.sin(2 * np.pi * 5 * t) + 0.5 * np.cos(2 * np.pi * 0.5 * t),
        9.81 + 0.3 * np.sin(2 * np.pi * 3 * t),
    ], axis=1)


def test_forward_detects_the_board_and_stores_labelled_samples(
    live_server: str, owner: httpx.Client, project: dict, signal_board: EmulatedBoard,  # noqa: F811
    config_home: Path,
) -> None:
    common = ("forward", "--port", signal_board.port, "--url", live_server,
              "--api-key", project["api_key"], "--project", project["name"], "--name", "imu",
              "--no-plot", "--detect-s", "3")
    first = mcuforge(*common, "--label", "wave", "--length-ms", "1000", "--samples", "2",
                     "--category", "training", stdin="accX,accY,accZ\n")
    assert first.returncode == 0, first.stderr
    assert "Detected 3 axes at 100 Hz" in first.stdout
    assert "Names of the 3 axes" in first.stderr  # asked once...
    assert "2 samples stored" in first.stdout
    remembered = json.loads((config_home / "mcuforge" / "devices.json").read_text())
    assert remembered["imu"]["axes"] == ["accX", "accY", "accZ"]

    second = mcuforge(*common, "--label", "still", "--length-ms", "500")
    assert second.returncode == 0, second.stderr
    assert "Names of the" not in second.stderr  # ...and remembered for the device
    assert "Device imu: axes accX, accY, accZ" in second.stdout

    samples = owner.get(f"/api/projects/{project['id']}/samples",
                        params={"sort": "created_at"}).json()["data"]
    assert [(s["label"], s["length"]) for s in samples] == [
        ("wave", 100), ("wave", 100), ("still", 50)]
    assert all(s["category"] == "training" for s in samples[:2])
    for sample in samples:
        assert [axis["name"] for axis in sample["axes"]] == ["accX", "accY", "accZ"]
        assert sample["interval_ms"] == pytest.approx(10.0)
        assert sample["device_name"] == "imu"
        data = owner.get(f"/api/projects/{project['id']}/samples/{sample['id']}/data").json()
        assert not data["downsampled"]
        values = np.asarray([axis["values"] for axis in data["axes"]], dtype=np.float64).T
        # Consecutive samples of the synthetic signal (period 2 s, 200 samples), from wherever
        # the recording started: no sample lost or repeated.
        errors = [np.abs(expected_signal(np.arange(start, start + len(values))) - values).max()
                  for start in range(2 * SIGNAL_HZ)]
        start = int(np.argmin(errors))
        wanted = expected_signal(np.arange(start, start + len(values)))
        np.testing.assert_allclose(values, wanted, atol=1.5e-3)


def test_forward_says_what_is_wrong_with_a_port_that_is_not_there(
    live_server: str, project: dict,
) -> None:
    result = mcuforge("forward", "--port", "/dev/does-not-exist", "--url", live_server,
                      "--api-key", project["api_key"], "--project", project["name"])
    assert result.returncode == 1
    assert "cannot open the serial port /dev/does-not-exist" in result.stderr
    bad = mcuforge("forward", "--port", "/dev/does-not-exist", "--length-ms", "0")
    assert bad.returncode == 2 and "--length-ms must be 1 to 600000" in bad.stderr


def test_forward_asks_project_label_and_length_when_not_given(
    live_server: str, owner: httpx.Client, project: dict, signal_board: EmulatedBoard,  # noqa: F811
) -> None:
    answers = "\n".join(["x,y,z", project["name"], "tap", "300", "tap", "", ""]) + "\n"
    result = mcuforge("forward", "--port", signal_board.port, "--url", live_server,
                      "--api-key", project["api_key"], "--no-plot", stdin=answers)
    assert result.returncode == 0, result.stderr
    assert "Project (id or name)" in result.stderr
    assert result.stderr.count("Label of the next sample") == 3  # the last answer is empty
    assert "2 samples stored" in result.stdout
    stored = owner.get(f"/api/projects/{project['id']}/samples",
                       params={"sort": "created_at"}).json()["data"]
    # 300 ms, then the default 10 s.
    assert [(s["label"], s["length"]) for s in stored] == [("tap", 30), ("tap", 1000)]


class RelayServer:
    """The device relay's contract, as the server side answers it: the hello and the sample
    batches a connection sent, `ok` to each, or `error` when told to refuse."""

    def __init__(self, api_key: str, refuse: str | None = None) -> None:
        self.api_key = api_key
        self.refuse = refuse
        self.messages: list[dict[str, Any]] = []
        self.headers: dict[str, str] = {}

    def handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        self.headers = dict(connection.request.headers)
        if connection.request.path != "/api/devices/connect" or \
                self.headers.get("x-api-key") != self.api_key:
            connection.send(json.dumps({"type": "error", "message": "unknown API key"}))
            return
        for text in connection:
            message = json.loads(text)
            self.messages.append(message)
            if self.refuse and message["type"] == "samples":
                connection.send(json.dumps({"type": "error", "message": self.refuse}))
                return
            connection.send(json.dumps({"type": "ok"}))


@pytest.fixture
def relay() -> Iterator[tuple[RelayServer, str]]:
    handler = RelayServer("ei_stream_key")
    port = free_port()
    server: Server = serve(handler.handle, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_stream_sends_hello_then_the_boards_samples(
    relay: tuple[RelayServer, str], signal_board: EmulatedBoard,  # noqa: F811
) -> None:
    handler, url = relay
    result = mcuforge("forward", "--stream", "--port", signal_board.port, "--url", url,
                      "--api-key", "ei_stream_key", "--axes", "ax,ay,az", "--name", "desk-board",
                      "--duration-s", "2", "--no-plot")
    assert result.returncode == 0, result.stderr
    hello, *batches = handler.messages
    assert hello["type"] == "hello"
    assert hello["name"] == "desk-board" and hello["frequency_hz"] == 100.0
    assert hello["axes"] == [{"name": n, "units": ""} for n in ("ax", "ay", "az")]
    assert len(hello["device_id"]) == 36  # a UUID, kept for the device
    assert batches and all(b["type"] == "samples" for b in batches)
    values = [row for batch in batches for row in batch["values"]]
    assert all(len(row) == 3 for row in values)
    assert 160 <= len(values) <= 220  # 2 s at 100 Hz, give or take a batch
    z = np.asarray(values)[:, 2]
    assert np.all(np.abs(z - 9.81) <= 0.301)
    assert f"Streamed {len(values)} samples" in result.stdout

    again = mcuforge("forward", "--stream", "--port", signal_board.port, "--url", url,
                     "--api-key", "ei_stream_key", "--name", "desk-board", "--duration-s", "0.5",
                     "--no-plot")
    assert again.returncode == 0, again.stderr
    assert handler.messages[len(batches) + 1]["device_id"] == hello["device_id"]


def test_stream_stops_with_the_servers_error(
    relay: tuple[RelayServer, str], signal_board: EmulatedBoard,  # noqa: F811
) -> None:
    handler, url = relay
    handler.refuse = "device quota reached"
    result = mcuforge("forward", "--stream", "--port", signal_board.port, "--url", url,
                      "--api-key", "ei_stream_key", "--axes", "a,b,c", "--duration-s", "3",
                      "--no-plot")
    assert result.returncode == 1
    assert "the server refused the stream: device quota reached" in result.stderr
    wrong_key = mcuforge("forward", "--stream", "--port", signal_board.port, "--url", url,
                         "--api-key", "wrong", "--axes", "a,b,c", "--duration-s", "1",
                         "--no-plot")
    assert wrong_key.returncode == 1
    assert "unknown API key" in wrong_key.stderr
