"""`mcuforge device-test`: the project's test windows through the SDK's device_test firmware on
a board, compared window by window with the platform's int8 results; the report is printed and
stored in the project (the Deployment page shows the last one).

The platform's side comes from live classification (`classify` with include_windows: each
window's raw values as the device's classifier takes them, and its int8 scores); a board
agrees on a window when its top label is the platform's and every score is within 1/256 (one
step of the int8 output), or for regression when the value is within 1e-5 (relative), and the
anomaly score, when there is one, within 1e-4 relative (float32 on the device, float64 here)."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from backend.commands.credentials import credentials_path, load_credentials, settings_url
from backend.commands.device_protocol import BoardInfo, BoardResult, DeviceError, DeviceLink

SCORE_TOLERANCE = 1.0 / 256.0
VALUE_TOLERANCE = 1e-5
ANOMALY_TOLERANCE = 1e-4
DEFAULT_MAX_WINDOWS = 200
MAX_REPORT_WINDOWS = 1000  # what the report route stores per report


class DeviceTestFailed(Exception):
    """The test cannot run (no model, no test data, board silent); str() says why."""


@dataclass(frozen=True)
class PlatformWindow:
    """One test window as the platform classified it."""

    sample_id: int
    filename: str
    window: int
    raw: list[float]
    scores: dict[str, float] | None
    top: str | None
    value: float | None
    anomaly: float | None


@dataclass(frozen=True)
class WindowOutcome:
    """One window on the board against the platform (what the report stores per window)."""

    sample_id: int
    filename: str
    window: int
    agrees: bool
    platform_top: str | None
    device_top: str | None
    max_score_difference: float | None
    value_difference: float | None
    anomaly_difference: float | None
    counter: int


@dataclass(frozen=True)
class ProjectModel:
    project_id: int
    impulse_id: int
    block_id: int
    task: str


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"


def _get(client: Any, path: str, **params: Any) -> Any:
    response = client.get(path, params=params or None)
    if response.status_code != 200:
        raise DeviceTestFailed(f"GET {path}: {_detail(response)}")
    return response.json()


def find_model(
    client: Any, project_id: int, impulse_id: int | None, block_id: int | None
) -> ProjectModel:
    """The impulse (given, or the newest) and its classification or regression block."""
    impulses = _get(client, f"/api/projects/{project_id}/impulses")["data"]
    if impulse_id is not None:
        impulses = [i for i in impulses if int(i["id"]) == impulse_id]
    if not impulses:
        raise DeviceTestFailed(
            f"project {project_id} has no impulse" + (f" {impulse_id}" if impulse_id else "")
        )
    impulse = max(impulses, key=lambda i: int(i["id"]))
    blocks = [b for b in impulse["learning_blocks"] if b.get("type") != "anomaly"]
    if block_id is not None:
        blocks = [b for b in blocks if int(b["id"]) == block_id]
    if not blocks:
        raise DeviceTestFailed(
            f"impulse {impulse['id']} has no classification or regression block to test"
        )
    block = blocks[0]
    return ProjectModel(
        project_id, int(impulse["id"]), int(block["id"]), str(block.get("type", "classification"))
    )


def platform_windows(
    client: Any, model: ProjectModel, max_windows: int
) -> tuple[list[PlatformWindow], int, list[str]]:
    """Up to `max_windows` test windows with the platform's results; (windows, the trained
    model's id, notes on samples left out)."""
    base = f"/api/projects/{model.project_id}"
    classify = f"{base}/impulses/{model.impulse_id}/learning/{model.block_id}/classify"
    windows: list[PlatformWindow] = []
    notes: list[str] = []
    trained_model_id = 0
    offset = 0
    while len(windows) < max_windows:
        page = _get(
            client,
            f"{base}/samples",
            category="testing",
            offset=offset,
            limit=100,
            sort="created_at",
        )
        if not page["data"]:
            break
        offset += len(page["data"])
        for sample in page["data"]:
            if len(windows) >= max_windows:
                break
            response = client.post(
                classify, json={"sample_id": sample["id"], "include_windows": True}
            )
            if response.status_code == 404 and "model" in _detail(response).lower():
                raise DeviceTestFailed(f"no trained model to test: {_detail(response)}")
            if response.status_code != 200:
                notes.append(f"{sample['filename']}: {_detail(response)}")
                continue
            body = response.json()
            trained_model_id = int(body["trained_model_id"])
            raw_windows = body.get("raw_windows")
            if raw_windows is None:
                notes.append(f"{sample['filename']}: {body.get('raw_windows_note')}")
                continue
            for result, raw in zip(body["windows"], raw_windows, strict=True):
                windows.append(
                    PlatformWindow(
                        sample_id=int(sample["id"]),
                        filename=str(sample["filename"]),
                        window=int(result["window"]),
                        raw=raw,
                        scores=result.get("scores"),
                        top=result.get("top"),
                        value=result.get("value"),
                        anomaly=result.get("anomaly"),
                    )
                )
                if len(windows) >= max_windows:
                    break
    if not windows:
        raise DeviceTestFailed(
            "the project has no test window to send"
            + (f" ({'; '.join(notes[:3])})" if notes else ": add samples to the test split")
        )
    return windows, trained_model_id, notes


def compare(platform: PlatformWindow, device: BoardResult, labels: list[str]) -> WindowOutcome:
    """Whether the board's answer to one window equals the platform's (see the module doc)."""
    agrees = True
    platform_top = device_top = None
    max_difference = value_difference = anomaly_difference = None
    if platform.scores is not None:
        device_scores = dict(zip(labels, device.scores, strict=False))
        if set(device_scores) != set(platform.scores):
            agrees = False
        else:
            max_difference = max(abs(device_scores[k] - v) for k, v in platform.scores.items())
            agrees = max_difference <= SCORE_TOLERANCE
        # The label of the highest score on each side, ties to the first in the board's order
        # (the platform's own `top` says "uncertain" below its threshold: not a label).
        order = [label for label in labels if label in platform.scores]
        platform_top = max(order, key=lambda k: platform.scores[k]) if order else None  # type: ignore[index]
        device_top = max(device_scores, key=lambda k: device_scores[k]) if device_scores else None
        agrees = agrees and device_top == platform_top
    if platform.value is not None:
        value_difference = abs(device.value - platform.value)
        agrees = agrees and value_difference <= VALUE_TOLERANCE * max(1.0, abs(platform.value))
    if platform.anomaly is not None:
        anomaly_difference = abs(device.anomaly - platform.anomaly)
        agrees = agrees and anomaly_difference <= ANOMALY_TOLERANCE * max(
            1.0, abs(platform.anomaly)
        )
    return WindowOutcome(
        sample_id=platform.sample_id,
        filename=platform.filename,
        window=platform.window,
        agrees=agrees,
        platform_top=platform_top,
        device_top=device_top,
        max_score_difference=max_difference,
        value_difference=value_difference,
        anomaly_difference=anomaly_difference,
        counter=device.counter,
    )


def estimate_cycles(
    client: Any, model: ProjectModel, board: str, counter_unit: str = "cycles"
) -> tuple[float | None, str]:
    """The platform's estimate for one window on `board` (DSP + model), in cycles; and a note.
    A board that counts cycles is compared with the cycle model's figure (its error, measured);
    an emulator that counts instructions with the instruction count times the board's CPI."""
    response = client.get(
        f"/api/projects/{model.project_id}/impulses/{model.impulse_id}/deployment/estimates",
        params={"board": board},
    )
    if response.status_code != 200:
        return None, f"no estimate: {_detail(response)}"
    body = response.json()
    total = body["int8"]["total"]
    clock_hz = float(body["board"]["clock_hz"])
    cycle_ms = total.get("cycle_latency_ms")
    if counter_unit == "cycles" and cycle_ms is not None:
        return float(cycle_ms) * clock_hz / 1000.0, (
            f"≈ {cycle_ms:.3f} ms on {board}, Cortex-M4 cycle model "
            f"(x {total['cycle_factor']:.2f} for the core)"
        )
    latency_ms = total["latency_ms"]
    if latency_ms is None:
        return None, "no latency estimate for this impulse"
    cycles = float(latency_ms) * clock_hz / 1000.0
    return cycles, f"{latency_ms:.3f} ms on {board} ({total['method']}, instructions x CPI)"


def run_device_test(
    client: Any,
    link: DeviceLink,
    model: ProjectModel,
    *,
    max_windows: int,
    board: str,
    progress: bool = True,
) -> dict[str, Any]:
    """The whole test: windows from the platform, through the board, compared; the report."""
    info: BoardInfo = link.hello()
    windows, trained_model_id, notes = platform_windows(client, model, max_windows)
    if info.frame_size != len(windows[0].raw):
        raise DeviceTestFailed(
            f"the board's impulse takes {info.frame_size} values a window; this project's takes "
            f"{len(windows[0].raw)}: flash the device_test example of this project's SDK"
        )
    platform_labels = windows[0].scores
    if platform_labels is not None and set(platform_labels) != set(info.labels):
        raise DeviceTestFailed(
            f"the board's labels ({', '.join(info.labels)}) are not this model's "
            f"({', '.join(platform_labels)}): flash the device_test example of the SDK built "
            "from this model"
        )
    outcomes: list[WindowOutcome] = []
    started = time.monotonic()
    for index, window in enumerate(windows):
        try:
            answer = link.classify(index, window.raw)
        except DeviceError as error:
            raise DeviceTestFailed(str(error)) from None
        outcome = compare(window, answer, info.labels)
        outcomes.append(outcome)
        if progress:
            mark = "ok " if outcome.agrees else "DIFF"
            tops = (
                f" {outcome.platform_top} / {outcome.device_top}"
                if outcome.platform_top is not None
                else ""
            )
            print(
                f"{mark} {window.filename} window {window.window}:{tops} "
                f"{info.counter_unit} {answer.counter}",
                file=sys.stderr,
            )
    seconds = time.monotonic() - started
    estimate, estimate_note = estimate_cycles(client, model, board, info.counter_unit)
    agreeing = sum(outcome.agrees for outcome in outcomes)
    counters = [outcome.counter for outcome in outcomes]
    return {
        "impulse_id": model.impulse_id,
        "learning_block_id": model.block_id,
        "trained_model_id": trained_model_id,
        "windows_total": len(outcomes),
        "windows_agreeing": agreeing,
        "counter_unit": info.counter_unit,
        "counter_mean": sum(counters) / len(counters),
        "counter_max": max(counters),
        "estimate_cycles": estimate,
        "estimate_note": estimate_note,
        "board": board,
        "seconds_per_window": seconds / len(outcomes),
        "notes": notes[:20],
        "windows": [asdict(outcome) for outcome in outcomes[:MAX_REPORT_WINDOWS]],
    }


def summary_lines(report: dict[str, Any]) -> list[str]:
    total, agreeing = report["windows_total"], report["windows_agreeing"]
    lines = [
        f"{agreeing} of {total} windows agree with the platform "
        f"({100.0 * agreeing / total:.1f} %).",
        f"Board: {report['counter_mean']:.0f} {report['counter_unit']} a window on average "
        f"(max {report['counter_max']}).",
    ]
    if report["estimate_cycles"] is not None:
        ratio = report["counter_mean"] / report["estimate_cycles"]
        lines.append(
            f"Estimate: {report['estimate_cycles']:.0f} cycles "
            f"({report['estimate_note']}); board / estimate = {ratio:.2f}."
        )
    else:
        lines.append(f"Estimate: {report['estimate_note']}.")
    lines.append(f"{report['seconds_per_window'] * 1000:.1f} ms a window over the serial link.")
    return lines


def upload_report(client: Any, project_id: int, report: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/projects/{project_id}/device-tests", json=report)
    if response.status_code != 201:
        raise DeviceTestFailed(f"the report was not stored: {_detail(response)}")
    return dict(response.json())


def _run(args: argparse.Namespace) -> int:
    stored = None if args.api_key else load_credentials()
    url = (args.url or (stored.url if stored else settings_url())).rstrip("/")
    if args.api_key:
        headers = {"x-api-key": args.api_key}
    elif stored is not None:
        headers = {"Authorization": f"Bearer {stored.token}"}
    else:
        print(
            f"mcuforge device-test: no sign-in in {credentials_path()}: run `mcuforge login` "
            "or pass --api-key (an admin key of the project)",
            file=sys.stderr,
        )
        return 2
    if not 1 <= args.max_windows <= MAX_REPORT_WINDOWS:
        print(
            f"mcuforge device-test: --max-windows must be 1 to {MAX_REPORT_WINDOWS}",
            file=sys.stderr,
        )
        return 2
    import httpx

    from backend.commands.forward import ForwardFailed, open_port
    from backend.commands.upload import UploadFailed, resolve_project

    try:
        port = open_port(args.port, args.baud)
    except ForwardFailed as error:
        print(f"mcuforge device-test: {error}", file=sys.stderr)
        return 1
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
            project_id = resolve_project(client, args.project)
            model = find_model(client, project_id, args.impulse, args.block)
            report = run_device_test(
                client,
                DeviceLink(port, timeout_s=args.timeout_s),
                model,
                max_windows=args.max_windows,
                board=args.board,
                progress=not args.quiet,
            )
            for line in summary_lines(report):
                print(line)
            if not args.no_upload:
                stored_report = upload_report(client, project_id, report)
                print(f"Report {stored_report['id']} stored in project {project_id}.")
    except (DeviceTestFailed, DeviceError, UploadFailed) as error:
        print(f"mcuforge device-test: {error}", file=sys.stderr)
        return 1
    except httpx.HTTPError as error:
        print(
            f"mcuforge device-test: cannot reach the mcuforge server at {url}: {error}",
            file=sys.stderr,
        )
        return 1
    finally:
        port.close()
    return 0 if report["windows_agreeing"] == report["windows_total"] else 3


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "device-test",
        help="check on a board that the deployed impulse classifies as the platform does",
        description="Send the project's test windows to a board running the SDK's "
        "examples/device_test firmware, compare its scores with the platform's int8 results "
        "window by window and its cycle count with the estimate, print the report and store "
        "it in the project. Exit status 3 when a window disagrees. Needs read access to the "
        "project and the deploy permission (the login token of an editor or owner, or an "
        "admin API key).",
    )
    parser.add_argument(
        "--port",
        default="/dev/ttyACM0",
        help="serial device or pyserial URL (default /dev/ttyACM0)",
    )
    parser.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    parser.add_argument("--project", required=True, help="project id or name")
    parser.add_argument("--impulse", type=int, help="impulse id (default: the newest)")
    parser.add_argument(
        "--block", type=int, help="learning block id (default: the first classifier or regression)"
    )
    parser.add_argument(
        "--board",
        default="nano33ble",
        help="board profile of the estimate to compare with (default nano33ble)",
    )
    parser.add_argument(
        "--max-windows",
        type=int,
        default=DEFAULT_MAX_WINDOWS,
        help=f"test windows to send at most (default {DEFAULT_MAX_WINDOWS})",
    )
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=30.0,
        help="seconds to wait for the board's answer to a window (default 30)",
    )
    parser.add_argument("--url", help="the server (default: the one of `mcuforge login`)")
    parser.add_argument("--api-key", help="an admin API key (default: the login token)")
    parser.add_argument("--no-upload", action="store_true", help="do not store the report")
    parser.add_argument("--quiet", action="store_true", help="no line per window")
    parser.set_defaults(func=_run)
