"""DSP + model cycle figures in the deployment estimates: added up when both parts have them,
and, when one has none, no total but the reason."""

from __future__ import annotations

from worker.deployment.estimates import Cost, _sum

BASIS = "≈ cycles, Cortex-M4 model; instructions are a lower bound on a Cortex-M4's cycles. …"


def _part(instructions: int, cycles: int | None, why: str = BASIS) -> Cost:
    counted = cycles is not None
    return Cost(
        latency_ms=instructions / 64e3,
        flash_bytes=1000,
        ram_bytes=500,
        method="qemu",
        basis="",
        instructions=instructions,
        cycles=cycles,
        cycles_min=cycles - 10 if cycles is not None else None,
        cycles_max=cycles + 10 if cycles is not None else None,
        cycle_factor=1.0 if counted else None,
        cycle_latency_ms=cycles / 64e3 if cycles is not None else None,
        cycle_basis=why,
        cycle_assumption="Cortex-M4: the model's own core" if counted else None,
    )


def test_dsp_and_model_cycles_add_up_with_their_range_and_latency() -> None:
    total = _sum([_part(800_000, 1_000_000), _part(300_000, 430_000)])
    assert (total.instructions, total.cycles) == (1_100_000, 1_430_000)
    assert (total.cycles_min, total.cycles_max) == (1_429_980, 1_430_020)
    assert total.cycle_latency_ms == 1_430_000 / 64e3
    assert total.cycle_basis == BASIS and total.cycle_factor == 1.0
    assert total.cycle_assumption == "Cortex-M4: the model's own core"


def test_a_part_without_cycles_leaves_no_total_but_its_reason() -> None:
    why = "no cycle estimate: 25000000 instructions are more than the 20000000 an estimate traces"
    total = _sum([_part(800_000, 1_000_000), _part(25_000_000, None, why)])
    assert total.cycles is None and total.cycle_latency_ms is None
    assert total.instructions == 25_800_000
    assert total.cycle_basis == why and total.cycle_assumption is None
