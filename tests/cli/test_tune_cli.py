"""`mcuforge tune`: a search it cannot start says why (exit 2, nothing stored); the best trials
are printed best first, the Pareto front marked."""

from __future__ import annotations

import httpx

from backend.commands.tune import _row, best_trials
from tests.cli.conftest import mcuforge


def test_a_project_without_an_impulse_is_refused_with_the_reason(
    live_server: str, owner: httpx.Client, project: dict
) -> None:
    key = owner.post(
        f"/api/projects/{project['id']}/api-keys", json={"name": "tuner", "scope": "admin"}
    ).json()["key"]
    result = mcuforge(
        "tune",
        "--quiet",
        "--url",
        live_server,
        "--api-key",
        key,
        "--project",
        project["name"],
        "--board",
        "nano33ble",
        "--trials",
        "3",
    )
    assert result.returncode == 2, result.stdout
    assert "has no impulse" in result.stderr
    searches = owner.get(f"/api/projects/{project['id']}/tuner/searches").json()
    assert searches["count"] == 0

    unknown = mcuforge(
        "tune",
        "--quiet",
        "--url",
        live_server,
        "--api-key",
        key,
        "--project",
        project["name"],
        "--board",
        "esp8266",
    )
    assert unknown.returncode == 2 and "unknown board 'esp8266'" in unknown.stderr


def _trial(number: int, state: str, value: float | None, latency: float | None) -> dict:
    return {
        "id": 10 + number,
        "number": number,
        "state": state,
        "objective_value": value,
        "latency_ms": latency,
        "on_pareto_front": number == 2,
        "config": {"dsp": {"type": "mfcc"}, "network": {"description": "conv1d ×1 width"}},
        "result": {"cost": {"latency_ms": latency, "ram_bytes": 20480, "flash_bytes": 40960}},
    }


def test_best_trials_are_the_complete_ones_best_first_ties_by_latency() -> None:
    search = {
        "objective": "accuracy",
        "trials": [
            _trial(0, "complete", 0.8, 10.0),
            _trial(1, "pruned", None, 3.0),
            _trial(2, "complete", 0.9, 12.0),
            _trial(3, "complete", 0.9, 5.0),
            _trial(4, "failed", None, None),
        ],
    }
    assert [t["number"] for t in best_trials(search)] == [3, 2, 0]
    line = _row(search["trials"][2], "accuracy")
    assert line.startswith("*#2") and "0.900" in line and "12.00 ms" in line
    assert "RAM   20.0 kB" in line and "mfcc; conv1d" in line
    mae = {
        "objective": "mae",
        "trials": [_trial(0, "complete", 2.0, 1.0), _trial(1, "complete", 0.5, 9.0)],
    }
    assert [t["number"] for t in best_trials(mae)] == [1, 0]
    current = {
        **mae["trials"][0],
        "config": {**mae["trials"][0]["config"], "current_impulse": True},
    }
    assert _row(current, "mae").endswith("conv1d ×1 width (current impulse)")
    assert "current impulse" not in _row(mae["trials"][1], "mae")
