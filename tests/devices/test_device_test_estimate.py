"""Which of the platform's estimates `mcuforge device-test` sets beside the board's counter: the
cycle model's for a board that counts cycles, instructions x CPI for an emulator's count."""

from __future__ import annotations

from typing import Any

from backend.commands.device_test import ProjectModel, estimate_cycles

MODEL = ProjectModel(project_id=1, impulse_id=2, block_id=1, task="classification")


class _Response:
    status_code = 200

    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def json(self) -> dict[str, Any]:
        return self._body


class _Client:
    def __init__(self, total: dict[str, Any]) -> None:
        self.body = {"board": {"clock_hz": 64_000_000}, "int8": {"total": total}}

    def get(self, url: str, params: dict[str, str]) -> _Response:
        assert url.endswith("/projects/1/impulses/2/deployment/estimates")
        return _Response(self.body)


TOTAL = {"latency_ms": 10.0, "method": "qemu", "cycle_latency_ms": 13.0, "cycle_factor": 1.0}


def test_a_cycle_counter_is_compared_with_the_cycle_model() -> None:
    cycles, note = estimate_cycles(_Client(TOTAL), MODEL, "nano33ble", "cycles")
    assert cycles == 13.0 * 64_000
    assert "Cortex-M4 cycle model" in note


def test_an_instruction_counter_is_compared_with_instructions_times_cpi() -> None:
    cycles, note = estimate_cycles(_Client(TOTAL), MODEL, "nano33ble", "instructions")
    assert cycles == 10.0 * 64_000
    assert "instructions x CPI" in note


def test_without_a_cycle_estimate_the_instruction_latency_stands_in() -> None:
    total = {**TOTAL, "cycle_latency_ms": None, "cycle_factor": None}
    cycles, _ = estimate_cycles(_Client(total), MODEL, "nano33ble", "cycles")
    assert cycles == 10.0 * 64_000
