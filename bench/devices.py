"""Devices: the serial forwarder's sustained rate over the emulated board's UART, and the time
`mcuforge device-test` takes per window.

  forward:      QEMU mps2-an386 prints numbered 3-axis lines through a UART paced at the baud
                rate (10 bits a character); the forwarder's own reader (backend.commands.forward
                .LineReader + serial_lines.parse_line) reads them from the pseudo-terminal for a
                few seconds. A rate passes when no index is missing. Reference: the wire's own
                capacity, baud / 10 / characters a line.
  device-test:  the tones project of tests/training trained through the API, its SDK built by
                the deployment job, examples/device_test on the emulated board; every test window
                sent, answered and compared. Reference: the board's own time per window (the
                instruction count at the nano33ble's 64 MHz, one instruction a cycle).

    .venv/bin/python bench/devices.py [--part forward|device-test|all] [--seconds 4]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BAUDS = (115200, 921600)
RATES_HZ = (100, 200, 400, 800, 1000, 1600, 2000, 3000, 3200, 4000, 6000, 8000, 10000,
            12000, 16000)


def lines_received(port_path: str, baud: int, seconds: float) -> tuple[list[int], int]:
    """The sequence numbers of the lines read in `seconds`; and lines that did not parse."""
    from backend.commands.forward import LineReader, open_port
    from backend.commands.serial_lines import parse_line

    port = open_port(port_path, baud)
    try:
        reader = LineReader(port)
        reader.next_line(time.monotonic() + 2.0)  # the first line may be cut
        indices: list[int] = []
        bad = 0
        end = time.monotonic() + seconds
        while (line := reader.next_line(end)) is not None:
            values = parse_line(line[1])
            if values is None or len(values) != 4:
                bad += 1
                continue
            indices.append(int(values[3]))
        return indices, bad
    finally:
        port.close()


def bench_forward(seconds: float, bauds: list[int]) -> None:
    from deploy_targets.serial_board import build_signal_firmware, start_board

    line_chars = len("-1.234,-1.234,10.098,123456\r\n")
    print("forwarder over the emulated UART (QEMU pty), 3 axes + index a line "
          f"(~{line_chars} characters)")
    print(f"{'baud':>7} {'rate Hz':>8} {'lines/s read':>13} {'lost':>6} {'wire cap lines/s':>17}")
    with tempfile.TemporaryDirectory() as folder:
        for baud in bauds:
            wire_cap = baud / 10 / line_chars
            best = 0.0
            for rate in RATES_HZ:
                if rate > baud // 10:
                    break
                elf = build_signal_firmware(Path(folder) / f"{baud}_{rate}", signal_hz=rate,
                                            baud=baud, sequence=True)
                with start_board(elf, count_instructions=False) as board:
                    indices, bad = lines_received(board.port, baud, seconds)
                if len(indices) < 2:
                    print(f"{baud:>7} {rate:>8} {'no lines':>13}")
                    continue
                expected = indices[-1] - indices[0] + 1
                lost = expected - len(indices) + bad
                read_rate = len(indices) / seconds
                print(f"{baud:>7} {rate:>8} {read_rate:>13.0f} {lost:>6} {wire_cap:>17.0f}")
                if lost == 0:
                    best = max(best, read_rate)
                elif rate > wire_cap * 1.2:
                    break
            print(f"{baud:>7} sustained without loss: {best:.0f} lines/s "
                  f"(wire capacity {wire_cap:.0f} lines/s, {best / wire_cap:.2f}x)")


def bench_device_test() -> None:
    from fastapi.testclient import TestClient

    import worker.celery_app
    from backend.app import create_app
    from backend.commands.device_protocol import DeviceLink
    from backend.commands.device_test import find_model, run_device_test, summary_lines
    from backend.commands.forward import open_port
    from backend.db.migrate import upgrade
    from backend.db.session import set_database_url
    from deploy_targets.boards import get_board
    from deploy_targets.serial_board import build_device_test_firmware, start_board
    from tests.training.conftest import (
        LABELS,
        TEST_SAMPLES,
        TRAINING_SAMPLES,
        generate_features,
        impulse_url,
        make_impulse,
        start_training,
        upload_clips,
    )
    from tests.utils.api import create_project, sign_up
    from worker.celery_app import make_celery_app
    from worker.deployment.job import run_build_deployment
    from worker.job_runtime import run_job
    from worker.training.train_job import run_train_model

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        set_database_url(url)
        worker.celery_app.celery_app = make_celery_app(redis_url=None, data_dir=Path(folder))
        from backend.settings import settings

        settings.signup = "open"
        with TestClient(create_app()) as client:
            sign_up(client, "bench")
            project_id = int(create_project(client, "tones")["id"])
            upload_clips(client, project_id, LABELS, TRAINING_SAMPLES, "training")
            upload_clips(client, project_id, LABELS, TEST_SAMPLES, "testing")
            impulse = make_impulse(client, project_id)
            generate_features(client, project_id, impulse["id"])
            assert run_job(start_training(client, project_id, impulse["id"]),
                           run_train_model) == "succeeded"
            base = f"{impulse_url(project_id, impulse['id'])}/deployment"
            job_id = client.post(f"{base}/build", json={"target": "cpp-sdk"}).json()["id"]
            assert run_job(job_id, run_build_deployment) == "succeeded"
            job = client.get(f"/api/projects/{project_id}/jobs/{job_id}").json()
            archive = client.get(f"{base}/builds/{job['result']['artifact_id']}/download")
            zipfile.ZipFile(io.BytesIO(archive.content)).extractall(Path(folder) / "sdk")
            (sdk,) = (Path(folder) / "sdk").iterdir()
            elf = build_device_test_firmware(sdk, Path(folder) / "fw")
            with start_board(elf, count_instructions=True) as board:
                port = open_port(board.port, 115200)
                try:
                    model = find_model(client, project_id, None, None)
                    report = run_device_test(client, DeviceLink(port, 120), model,
                                             max_windows=500, board="nano33ble",
                                             progress=False)
                finally:
                    port.close()
    clock = get_board("nano33ble").clock_hz
    board_ms = report["counter_mean"] / clock * 1000
    print("device-test on the emulated board (QEMU mps2-an386, -icount shift=0), tones project "
          "(8 kHz, 500 ms windows = 4000 values, MFCC + Conv1D)")
    for line in summary_lines(report):
        print("  " + line)
    print(f"  time per window: {report['seconds_per_window'] * 1000:.1f} ms "
          f"(reference: the board's own compute, {board_ms:.1f} ms at 64 MHz)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("forward", "device-test", "all"), default="all")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="seconds of lines read at each rate")
    parser.add_argument("--bauds", default=",".join(map(str, BAUDS)),
                        help="baud rates to emulate, comma-separated (a fast one, e.g. 4000000, "
                        "shows where the forwarder itself stops keeping up)")
    args = parser.parse_args()
    if args.part in ("forward", "all"):
        bench_forward(args.seconds, [int(b) for b in args.bauds.split(",")])
    if args.part in ("device-test", "all"):
        bench_device_test()


if __name__ == "__main__":
    main()
