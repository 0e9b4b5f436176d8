"""The WebAssembly build: the SDK compiled by emscripten, run under Node, scores like the host."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.wasm import WasmBuild, build_wasm, emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import HostSdk
from tests.deploy.impulse_fixture import LABELS, TrainedImpulse

NODE_DRIVER = Path(__file__).resolve().parent / "wasm_classify.js"


@pytest.fixture(scope="module")
def wasm_build(host_sdk: HostSdk, tmp_path_factory: pytest.TempPathFactory) -> WasmBuild:
    reason = emscripten_unavailable()
    require(reason is None, str(reason))
    require(shutil.which("node") is not None, "node is not installed")
    return build_wasm(host_sdk.build, tmp_path_factory.mktemp("wasm"))


@pytest.mark.toolchain
def test_wasm_scores_equal_the_host_sdk(
    wasm_build: WasmBuild, host_sdk: HostSdk, trained_impulse: TrainedImpulse, tmp_path: Path
) -> None:
    windows = trained_impulse.test_windows
    raw = tmp_path / "windows.f32"
    raw.write_bytes(np.ascontiguousarray(windows, dtype="<f4").tobytes())
    run = subprocess.run(
        ["node", str(NODE_DRIVER), str(wasm_build.js_path), str(wasm_build.wasm_path), str(raw)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.strip().splitlines()]
    results, refusal = lines[:-1], lines[-1]
    assert len(results) == len(windows)
    wasm_scores = np.array([[result[label] for label in LABELS] for result in results])
    host = host_sdk.results(windows)
    host_scores, host_anomaly = host.scores, host.anomaly
    assert np.array_equal(wasm_scores.argmax(axis=1), host_scores.argmax(axis=1))
    assert float(np.abs(wasm_scores - host_scores).max()) <= 1.0 / 256.0
    # Same C++ and IEEE floats: nearly every window gives the very same int8 scores.
    assert float(np.mean(np.all(wasm_scores == host_scores, axis=1))) >= 0.95
    np.testing.assert_allclose([r["anomaly"] for r in results], host_anomaly, rtol=0, atol=1e-5)
    assert [r["anomalous"] for r in results] == host.anomalous.tolist()
    assert "classify takes" in refusal["error"]


def test_missing_emscripten_is_reported_with_the_reason() -> None:
    reason = emscripten_unavailable("em++-that-does-not-exist")
    assert reason is not None and "emscripten" in reason
