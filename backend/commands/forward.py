"""`mcuforge forward`: a board that prints comma- or tab-separated numbers on a serial port
becomes a data source. It detects the axes and the sampling frequency from the lines, asks once
for the axes' names (remembered per device), then records labelled samples into a project over
the HTTP API, or with --stream relays the samples to the server's device WebSocket so that the
browser's Data acquisition can record from the board."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.commands.credentials import credentials_path, load_credentials, settings_url
from backend.commands.serial_lines import (
    DetectedLayout,
    NotSensorData,
    detect_layout,
    parse_axis_names,
    parse_line,
    snap_frequency,
    sparkline,
)

DEFAULT_LENGTH_MS = 10_000
MAX_LENGTH_MS = 10 * 60 * 1000  # what one sample may hold; longer recordings are several
PLOT_WIDTH = 60
STREAM_BATCH_S = 0.1


class ForwardFailed(Exception):
    """The forwarder cannot go on (no port, no numbers on it, server refusal); str() says why."""


# --- the serial port ---------------------------------------------------------------------------


class LineReader:
    """Lines from a serial port, each with the time its last byte was read."""

    def __init__(self, port: Any) -> None:
        self.port = port
        self._partial = b""
        self._ready: deque[tuple[float, str]] = deque()

    def _fill(self) -> None:
        waiting = getattr(self.port, "in_waiting", 0) or 0
        chunk = self.port.read(max(1, min(waiting, 65536)))
        if not chunk:
            return
        at = time.monotonic()
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        if len(self._partial) > 65536:  # no newline in 64 KB: not line-based output
            self._partial = b""
        for line in lines:
            self._ready.append((at, line.decode("utf-8", "replace").rstrip("\r")))

    def next_line(self, deadline: float) -> tuple[float, str] | None:
        """The next line, or None when `deadline` (time.monotonic()) passes first."""
        while not self._ready:
            if time.monotonic() >= deadline:
                return None
            self._fill()
        return self._ready.popleft()

    def discard_pending(self, timeout_s: float = 1.0) -> None:
        """Forget what was read but not used, and the line being received (dropping the
        buffer may cut it in half): the next line is a whole, fresh one."""
        reset = getattr(self.port, "reset_input_buffer", None)
        if reset is not None:
            reset()
        self._ready.clear()
        self._partial = b""
        self.next_line(time.monotonic() + timeout_s)


def open_port(port: str, baud: int) -> Any:
    """A pyserial port: a device path (/dev/ttyACM0, COM3) or a pyserial URL (socket://h:p)."""
    import serial

    try:
        return serial.serial_for_url(port, baudrate=baud, timeout=0.05)
    except (serial.SerialException, ValueError) as error:
        raise ForwardFailed(f"cannot open the serial port {port}: {error}") from None


def detect(reader: LineReader, seconds: float, frequency_hz: float | None = None
           ) -> DetectedLayout:
    """Listen for `seconds` and detect the layout; a given frequency replaces the measured one."""
    reader.discard_pending()
    lines: list[tuple[float, str]] = []
    deadline = time.monotonic() + seconds
    while (line := reader.next_line(deadline)) is not None:
        lines.append(line)
    try:
        layout = detect_layout(lines)
    except NotSensorData as error:
        raise ForwardFailed(str(error)) from None
    if frequency_hz is not None:
        layout = DetectedLayout(layout.axis_count, snap_frequency(frequency_hz),
                                layout.measured_hz, layout.lines)
    return layout


# --- devices remembered ------------------------------------------------------------------------


def devices_path() -> Path:
    """`$XDG_CONFIG_HOME/mcuforge/devices.json`, beside the credentials of `mcuforge login`."""
    return credentials_path().parent / "devices.json"


def load_devices() -> dict[str, dict[str, Any]]:
    try:
        stored = json.loads(devices_path().read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def remember_device(name: str, record: dict[str, Any]) -> None:
    devices = load_devices()
    devices[name] = record
    path = devices_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(devices, indent=2))
    os.replace(temporary, path)


@dataclass(frozen=True)
class Device:
    """A board as the project sees it: a stable id, a name, its axes and frequency."""

    device_id: str
    name: str
    axes: list[str]
    frequency_hz: float


def _ask(prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise ForwardFailed("standard input ended while a question was asked")
    return line.strip()


def resolve_device(name: str, layout: DetectedLayout, axes_text: str | None, clean: bool
                   ) -> Device:
    """The device's remembered axis names, or names given with --axes, or asked once."""
    known = {} if clean else load_devices().get(name, {})
    axes: list[str] | None = None
    if axes_text is not None:
        try:
            axes = parse_axis_names(axes_text, layout.axis_count)
        except ValueError as error:
            raise ForwardFailed(f"--axes: {error}") from None
    elif isinstance(known.get("axes"), list) and len(known["axes"]) == layout.axis_count:
        axes = [str(axis) for axis in known["axes"]]
    while axes is None:
        default = ",".join(f"axis{i + 1}" for i in range(layout.axis_count))
        answer = _ask(f"Names of the {layout.axis_count} axes, separated by commas [{default}]: ")
        try:
            axes = parse_axis_names(answer or default, layout.axis_count)
        except ValueError as error:
            print(error, file=sys.stderr)
    device_id = str(known.get("device_id") or uuid.uuid4())
    remember_device(name, {"device_id": device_id, "axes": axes})
    return Device(device_id, name, axes, layout.frequency_hz)


# --- recording ---------------------------------------------------------------------------------


class LivePlot:
    """A sparkline per axis of the last PLOT_WIDTH values, redrawn in place on a terminal."""

    def __init__(self, axes: list[str], enabled: bool) -> None:
        self.axes = axes
        self.enabled = enabled
        self.history: list[deque[float]] = [deque(maxlen=PLOT_WIDTH) for _ in axes]
        self._drawn = False
        self._last_draw = 0.0
        self._redraw = sys.stderr.isatty()

    def add(self, values: tuple[float, ...]) -> None:
        for history, value in zip(self.history, values, strict=True):
            history.append(value)

    def lines(self) -> list[str]:
        width = max(len(axis) for axis in self.axes)
        return [
            f"{axis:>{width}} {sparkline(list(history))} {history[-1] if history else 0:10.3f}"
            for axis, history in zip(self.axes, self.history, strict=True)
        ]

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and (not self._redraw or now - self._last_draw < 0.2)):
            return
        self._last_draw = now
        if self._drawn and self._redraw:
            print(f"\x1b[{len(self.axes)}A", end="", file=sys.stderr)
        for line in self.lines():
            print(f"\x1b[2K{line}" if self._redraw else line, file=sys.stderr)
        self._drawn = True


def record(reader: LineReader, device: Device, length_ms: int, plot: LivePlot
           ) -> tuple[list[tuple[float, ...]], int]:
    """`length_ms` of samples from now on; (the samples, lines skipped as not fitting)."""
    wanted = max(1, round(length_ms * device.frequency_hz / 1000.0))
    reader.discard_pending()
    samples: list[tuple[float, ...]] = []
    skipped = 0
    # Twice the sample's own length plus 5 s: a board that stopped printing ends the wait.
    deadline = time.monotonic() + 2 * length_ms / 1000.0 + 5.0
    while len(samples) < wanted:
        line = reader.next_line(deadline)
        if line is None:
            raise ForwardFailed(
                f"the board sent {len(samples)} of {wanted} samples within "
                f"{2 * length_ms / 1000 + 5:.0f} s; is it still printing?"
            )
        values = parse_line(line[1])
        if values is None or len(values) != len(device.axes):
            skipped += 1
            continue
        samples.append(values)
        plot.add(values)
        plot.draw()
    return samples, skipped


def acquisition_file(device: Device, samples: list[tuple[float, ...]], label: str) -> bytes:
    """The samples in the JSON acquisition format, the upload route's native time series."""
    from backend.ingest import encode_acquisition_json

    return encode_acquisition_json(
        samples,
        interval_ms=1000.0 / device.frequency_hz,
        sensors=[(axis, "") for axis in device.axes],
        device_type="SERIAL_FORWARDER",
        device_name=device.name,
        label=label,
    )


def auth_headers(api_key: str | None, token: str | None) -> dict[str, str]:
    if api_key:
        return {"x-api-key": api_key}
    if token:
        return {"Authorization": f"Bearer {token}"}
    raise ForwardFailed("run `mcuforge login` or pass --api-key (a project's API key)")


def upload_sample(client: Any, project_id: int, device: Device, samples: list[tuple[float, ...]],
                  label: str, category: str) -> dict[str, Any]:
    """Store one recording through the upload route; the stored sample, or ForwardFailed."""
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{uuid.uuid4().hex[:4]}"
    filename = f"{label}.{device.name}-{stamp}.json"
    response = client.post(
        f"/api/projects/{project_id}/samples",
        files=[("files", (filename, acquisition_file(device, samples, label),
                          "application/json"))],
        data={"label": label, "category": category},
    )
    body = response.json() if "json" in response.headers.get("content-type", "") else {}
    accepted = body.get("accepted") or []
    if not accepted:
        rejected = body.get("rejected") or [{"error": body.get("detail")
                                              or f"HTTP {response.status_code}"}]
        raise ForwardFailed(f"the server refused the sample: {rejected[0].get('error')}")
    return dict(accepted[0])


# --- streaming to the server's device relay ----------------------------------------------------


def websocket_url(url: str) -> str:
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):] + "/api/devices/connect"
    if base.startswith("http://"):
        return "ws://" + base[len("http://"):] + "/api/devices/connect"
    raise ForwardFailed(f"the server URL {url} does not start with http:// or https://")


def _answer(connection: Any, timeout_s: float | None) -> dict[str, Any] | None:
    """The server's next answer; None when none came within `timeout_s`."""
    try:
        text = connection.recv(timeout=timeout_s)
    except TimeoutError:
        return None
    try:
        answer = json.loads(text)
    except ValueError:
        raise ForwardFailed(f"the server answered something that is not JSON: {text!r:.80}"
                            ) from None
    if not isinstance(answer, dict):
        raise ForwardFailed(f"the server answered {answer!r:.80}, not an object")
    if answer.get("type") == "error":
        raise ForwardFailed(f"the server refused the stream: {answer.get('message')}")
    return answer


def _drain_answers(connection: Any) -> None:
    """Read what the server sent before closing; its error, if any, is raised."""
    from websockets.exceptions import ConnectionClosed

    try:
        while _answer(connection, 0) is not None:
            pass
    except ConnectionClosed:
        pass


def _relay(connection: Any, reader: LineReader, device: Device, hello: dict[str, Any],
           end: float | None, plot: LivePlot) -> int:
    """Hello, then batches every STREAM_BATCH_S until `end`; the samples sent."""
    sent = 0
    connection.send(json.dumps(hello))
    if _answer(connection, 30.0) is None:
        raise ForwardFailed("the server did not answer the device's hello within 30 s")
    reader.discard_pending()
    batch: list[list[float]] = []
    flush_at = time.monotonic() + STREAM_BATCH_S
    while end is None or time.monotonic() < end:
        line = reader.next_line(flush_at if end is None else min(flush_at, end))
        if line is not None:
            values = parse_line(line[1])
            if values is not None and len(values) == len(device.axes):
                batch.append(list(values))
                plot.add(values)
        if time.monotonic() >= flush_at:
            if batch:
                connection.send(json.dumps({"type": "samples", "values": batch}))
                sent += len(batch)
                batch = []
            while _answer(connection, 0) is not None:
                pass
            plot.draw()
            flush_at = time.monotonic() + STREAM_BATCH_S
    if batch:
        connection.send(json.dumps({"type": "samples", "values": batch}))
        sent += len(batch)
    # What the server said about the last batches (an error still counts).
    while _answer(connection, 0.5) is not None:
        pass
    return sent


def stream(reader: LineReader, device: Device, url: str, api_key: str,
           duration_s: float | None, plot: LivePlot) -> int:
    """Relay the board's samples until `duration_s` passes (or Ctrl-C); the samples sent."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
    from websockets.sync.client import connect

    hello = {
        "type": "hello", "device_id": device.device_id, "name": device.name,
        "frequency_hz": device.frequency_hz,
        "axes": [{"name": axis, "units": ""} for axis in device.axes],
    }
    sent = 0
    end = None if duration_s is None else time.monotonic() + duration_s
    try:
        with connect(websocket_url(url), additional_headers={"x-api-key": api_key},
                     open_timeout=30) as connection:
            try:
                sent = _relay(connection, reader, device, hello, end, plot)
            except ConnectionClosed:
                # The server said why before it closed: that reason, not the closing.
                _drain_answers(connection)
                raise
    except InvalidStatus as error:
        status = error.response.status_code
        reason = "the API key was refused" if status in (401, 403) else f"HTTP {status}"
        raise ForwardFailed(f"the server refused the device connection: {reason}") from None
    except (OSError, InvalidHandshake) as error:
        raise ForwardFailed(f"cannot connect to {websocket_url(url)}: {error}") from None
    except ConnectionClosed as error:
        raise ForwardFailed(f"the server closed the device connection: {error}") from None
    return sent


# --- the command -------------------------------------------------------------------------------


def _recordings(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    """(label, length in ms) of each sample to record: from the options, or asked in turn."""
    if args.label is not None:
        for _ in range(args.samples):
            yield args.label, args.length_ms
        return
    while True:
        label = _ask("Label of the next sample (empty to stop): ")
        if not label:
            return
        length = _ask(f"Length in ms [{args.length_ms}]: ")
        try:
            length_ms = int(length) if length else args.length_ms
        except ValueError:
            print(f"{length!r} is not a number of milliseconds", file=sys.stderr)
            continue
        if not 1 <= length_ms <= MAX_LENGTH_MS:
            print(f"the length must be 1 to {MAX_LENGTH_MS} ms", file=sys.stderr)
            continue
        yield label, length_ms


def _run(args: argparse.Namespace) -> int:
    problems = [
        f"--length-ms must be 1 to {MAX_LENGTH_MS}" if not 1 <= args.length_ms <= MAX_LENGTH_MS
        else "",
        "--samples must be 1 to 10000" if not 1 <= args.samples <= 10_000 else "",
        "--detect-s must be 0.5 to 60 s" if not 0.5 <= args.detect_s <= 60 else "",
        "--frequency must be above 0 Hz" if args.frequency is not None and args.frequency <= 0
        else "",
    ]
    for problem in filter(None, problems):
        print(f"mcuforge forward: {problem}", file=sys.stderr)
        return 2
    stored = None if args.api_key else load_credentials()
    url = (args.url or (stored.url if stored else settings_url())).rstrip("/")
    try:
        if args.stream and not args.api_key:
            raise ForwardFailed("--stream needs the project's API key (--api-key)")
        headers = auth_headers(args.api_key, stored.token if stored else None)
        port = open_port(args.port, args.baud)
        try:
            return _forward(args, url, headers, LineReader(port))
        finally:
            port.close()
    except ForwardFailed as error:
        print(f"mcuforge forward: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130


def _forward(args: argparse.Namespace, url: str, headers: dict[str, str], reader: LineReader
             ) -> int:
    print(f"Listening on {args.port} at {args.baud} baud for {args.detect_s:g} s...",
          file=sys.stderr)
    layout = detect(reader, args.detect_s, args.frequency)
    print(f"Detected {layout.axis_count} axes at {layout.frequency_hz:g} Hz "
          f"(measured {layout.measured_hz:.2f} Hz over {layout.lines} lines).")
    name = args.name or Path(args.port).name or "serial"
    device = resolve_device(name, layout, args.axes, args.clean)
    print(f"Device {device.name}: axes {', '.join(device.axes)}.")
    plot = LivePlot(device.axes, enabled=not args.no_plot)
    if args.stream:
        sent = stream(reader, device, url, args.api_key, args.duration_s, plot)
        print(f"Streamed {sent} samples of {device.name} to {url}.")
        return 0

    import httpx

    from backend.commands.upload import UploadFailed, resolve_project

    project = args.project
    if project is None:
        project = _ask("Project (id or name): ")
    stored_count = 0
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            try:
                project_id = resolve_project(client, project)
            except UploadFailed as error:
                raise ForwardFailed(str(error)) from None
            for label, length_ms in _recordings(args):
                print(f"Recording {length_ms} ms of {label!r}...", file=sys.stderr)
                samples, skipped = record(reader, device, length_ms, plot)
                plot.draw(force=True)
                sample = upload_sample(client, project_id, device, samples, label, args.category)
                stored_count += 1
                skipped_note = f"; {skipped} lines skipped" if skipped else ""
                print(f"Stored {sample['filename']} ({len(samples)} samples at "
                      f"{device.frequency_hz:g} Hz, {sample.get('category', args.category)})"
                      f"{skipped_note}.")
    except httpx.HTTPError as error:
        raise ForwardFailed(f"cannot reach the mcuforge server at {url}: {error}") from None
    print(f"{stored_count} samples stored.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "forward",
        help="record samples from a board that prints numbers on a serial port",
        description="Read lines of comma- or tab-separated numbers from a serial port, detect "
        "the number of axes and the sampling frequency, and record labelled samples into a "
        "project (the project's API key, or the token of `mcuforge login`). Axis names are "
        "asked once per device and kept in $XDG_CONFIG_HOME/mcuforge/devices.json. With "
        "--stream the board appears as a device in the browser's Data acquisition instead.",
    )
    parser.add_argument("--port", default="/dev/ttyACM0",
                        help="serial device or pyserial URL (default /dev/ttyACM0)")
    parser.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    parser.add_argument("--url", help="the server (default: the one of `mcuforge login`)")
    parser.add_argument("--api-key", help="a project API key (default: the login token)")
    parser.add_argument("--project", help="project id or name (default: asked)")
    parser.add_argument("--label", help="record --samples samples with this label, then stop "
                        "(default: ask a label and a length for each sample)")
    parser.add_argument("--length-ms", type=int, default=DEFAULT_LENGTH_MS,
                        help=f"length of each sample (default {DEFAULT_LENGTH_MS})")
    parser.add_argument("--samples", type=int, default=1, help="samples to record with --label")
    parser.add_argument("--category", choices=("training", "testing", "auto"), default="auto",
                        help="where samples go (default auto: the 80/20 split)")
    parser.add_argument("--axes", help="axis names separated by commas (replaces remembered)")
    parser.add_argument("--name", help="the device's name (default: the port's name)")
    parser.add_argument("--frequency", type=float,
                        help="the sampling frequency in Hz, when line timing cannot tell it")
    parser.add_argument("--detect-s", type=float, default=2.0,
                        help="seconds of lines to detect axes and frequency from (default 2)")
    parser.add_argument("--clean", action="store_true",
                        help="forget the remembered axis names of this device")
    parser.add_argument("--stream", action="store_true",
                        help="relay samples to the server's device WebSocket (needs --api-key)")
    parser.add_argument("--duration-s", type=float,
                        help="with --stream: stop after this many seconds (default: Ctrl-C)")
    parser.add_argument("--no-plot", action="store_true", help="no live plot in the terminal")
    parser.set_defaults(func=_run)
