"""`mcuforge device-test` against the SDK's device_test example: built for the emulated board
(QEMU mps2-an386, the UART on a pseudo-terminal) and for the host (pipes), on the tones project
of tests/training trained through the API. Every test window must agree with the platform."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.commands.device_protocol import (
    DeviceError,
    DeviceLink,
    encode_window,
    parse_answer,
)
from backend.commands.device_test import (
    find_model,
    run_device_test,
    summary_lines,
    upload_report,
)
from backend.commands.forward import open_port
from deploy_targets.serial_board import build_device_test_firmware, start_board
from tests.cli.conftest import free_port, mcuforge, server_environment, wait_until_serving
from tests.devices.conftest import require_arm_tools
from tests.training.conftest import (
    LABELS,
    TEST_SAMPLES,
    TrainingWorld,
    impulse_url,
    training_world,  # noqa: F401 (the session fixture, trained once)
)
from worker.deployment.job import run_build_deployment
from worker.job_runtime import run_job

WINDOWS = 3 * TEST_SAMPLES * len(LABELS)  # 1 s test clips, 500 ms windows every 250 ms


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:  # noqa: F811
    training_world.use()
    return training_world


@pytest.fixture(scope="module")
def sdk_dir(training_world: TrainingWorld, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
            ) -> Path:
    """The project's C++ SDK, built by the deployment job and downloaded as a user would."""
    training_world.use()
    client, project_id = training_world.client, training_world.project_id
    base = f"{impulse_url(project_id, training_world.impulse_id)}/deployment"
    response = client.post(f"{base}/build", json={"target": "cpp-sdk"})
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_build_deployment) == "succeeded"
    job = client.get(f"/api/projects/{project_id}/jobs/{response.json()['id']}").json()
    archive = client.get(f"{base}/builds/{job['result']['artifact_id']}/download").content
    folder = tmp_path_factory.mktemp("sdk")
    zipfile.ZipFile(io.BytesIO(archive)).extractall(folder)
    (root,) = folder.iterdir()
    assert (root / "examples" / "device_test" / "main.cpp").is_file()
    return root


class PipePort:
    """The host build's standard input and output as a serial port."""

    def __init__(self, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.stdin = process.stdin
        self.stdout_fd = process.stdout.fileno()

    def write(self, data: bytes) -> None:
        self.stdin.write(data)
        self.stdin.flush()

    def read(self, _size: int) -> bytes:
        return os.read(self.stdout_fd, 65536)


@pytest.fixture(scope="module")
def host_device_test(sdk_dir: Path) -> Iterator[PipePort]:
    build = subprocess.run(["make", "-C", str(sdk_dir), "-j2", "device_test"],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    process = subprocess.Popen([str(sdk_dir / "build" / "device_test")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        yield PipePort(process)
    finally:
        process.kill()
        process.wait()


def test_host_build_agrees_with_the_platform_on_every_test_window(
    world: TrainingWorld, host_device_test: PipePort
) -> None:
    link = DeviceLink(host_device_test, timeout_s=60)
    model = find_model(world.client, world.project_id, None, None)
    report = run_device_test(world.client, link, model, max_windows=500, board="nano33ble",
                             progress=False)
    assert report["windows_total"] == WINDOWS
    assert report["windows_agreeing"] == WINDOWS, [w for w in report["windows"]
                                                   if not w["agrees"]]
    assert report["counter_unit"] == "us"
    assert all(w["max_score_difference"] <= 1 / 256 for w in report["windows"])


def test_the_board_refuses_a_damaged_or_wrong_sized_window(host_device_test: PipePort) -> None:
    link = DeviceLink(host_device_test, timeout_s=60)
    info = link.hello()
    assert info.labels == sorted(LABELS) and info.frame_size == 4000
    frame = encode_window(7, [0.25] * info.frame_size)
    damaged = frame.replace(b"AACAPg", b"AACBPg", 1)  # 0.25 became 0.2519... on the way
    assert damaged != frame
    host_device_test.write(damaged)
    answer = link.read_line(60)
    assert answer is not None
    with pytest.raises(DeviceError, match="window 7: checksum mismatch"):
        parse_answer(answer)
    with pytest.raises(DeviceError, match="window 8: the window holds 10 values; this impulse "
                                          "takes 4000"):
        link.classify(8, [0.0] * 10)
    host_device_test.write(b"window 10 2\nAAAAAA@@\nend 00000000\n")
    answer = link.read_line(60)
    assert answer is not None
    with pytest.raises(DeviceError, match="window 10: a data line is not base64"):
        parse_answer(answer)
    assert link.classify(9, [0.0] * info.frame_size).window_id == 9  # still serving


@pytest.fixture(scope="module")
def emulated_device_test(sdk_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_arm_tools()
    return build_device_test_firmware(sdk_dir, tmp_path_factory.mktemp("device_test_fw"))


def test_emulated_board_agrees_with_the_platform_and_the_report_is_stored(
    world: TrainingWorld, emulated_device_test: Path
) -> None:
    with start_board(emulated_device_test, count_instructions=True) as board:
        port = open_port(board.port, 115200)
        try:
            link = DeviceLink(port, timeout_s=120)
            model = find_model(world.client, world.project_id, None, None)
            report = run_device_test(world.client, link, model, max_windows=500,
                                     board="nano33ble", progress=False)
        finally:
            port.close()
    assert report["windows_total"] == WINDOWS
    assert report["windows_agreeing"] == WINDOWS, [w for w in report["windows"]
                                                   if not w["agrees"]]
    assert report["counter_unit"] == "instructions"
    # The same windows, the same code path: instruction counts vary only with the data.
    assert report["counter_mean"] > 100_000
    assert report["estimate_cycles"] is not None
    # The estimate counts instructions of the same library under QEMU times a cycles-per-
    # instruction factor: the board's count is the same order of magnitude.
    assert 0.2 < report["counter_mean"] / report["estimate_cycles"] < 5
    lines = summary_lines(report)
    assert lines[0] == f"{WINDOWS} of {WINDOWS} windows agree with the platform (100.0 %)."

    stored = upload_report(world.client, world.project_id, report)
    assert stored["agreement_percent"] == 100.0
    listed = world.client.get(f"/api/projects/{world.project_id}/device-tests").json()
    latest = listed["data"][0]
    assert latest["id"] == stored["id"] and latest["counter_unit"] == "instructions"
    assert latest["trained_model_id"] == report["trained_model_id"]
    detail = world.client.get(f"/api/projects/{world.project_id}/device-tests/{stored['id']}")
    assert len(detail.json()["windows"]) == WINDOWS


def test_a_report_that_does_not_add_up_is_refused_and_nothing_stored(world: TrainingWorld
                                                                      ) -> None:
    url = f"/api/projects/{world.project_id}/device-tests"
    before = world.client.get(url).json()["count"]
    body = {
        "impulse_id": world.impulse_id, "learning_block_id": 1, "trained_model_id": 1,
        "board": "nano33ble", "windows_total": 2, "windows_agreeing": 3,
        "counter_unit": "cycles", "counter_mean": 5.0, "counter_max": 5,
        "seconds_per_window": 0.1,
    }
    refused = world.client.post(url, json=body)
    assert refused.status_code == 422, refused.text
    assert "windows_agreeing 3 is more than windows_total 2" in refused.text
    wrong_unit = world.client.post(url, json={**body, "windows_agreeing": 1,
                                              "counter_unit": "ticks"})
    assert wrong_unit.status_code == 422
    assert world.client.get(url).json()["count"] == before


def test_the_command_tests_the_emulated_board_through_a_live_server(
    world: TrainingWorld, emulated_device_test: Path, tmp_path: Path
) -> None:
    """`mcuforge device-test` as a user runs it: a server on the project's database, an admin
    key, the board's port; the report printed, stored, and its exit status."""
    key = world.client.post(f"/api/projects/{world.project_id}/api-keys",
                            json={"name": "device test", "scope": "admin"})
    assert key.status_code == 201, key.text
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port)],
        cwd=tmp_path, env=server_environment(tmp_path, world.url),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(url, server)
        before = world.client.get(f"/api/projects/{world.project_id}/device-tests").json()
        with start_board(emulated_device_test, count_instructions=True) as board:
            result = mcuforge("device-test", "--port", board.port, "--project", "tones",
                              "--url", url, "--api-key", key.json()["key"], "--max-windows", "4")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 of 4 windows agree with the platform (100.0 %)." in result.stdout
    assert "instructions a window on average" in result.stdout
    assert result.stderr.count("ok ") == 4  # one line per window
    after = world.client.get(f"/api/projects/{world.project_id}/device-tests").json()
    assert after["count"] == before["count"] + 1
    assert after["data"][0]["windows_total"] == 4
