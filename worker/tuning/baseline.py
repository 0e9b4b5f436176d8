"""Trial 0 of every search: the impulse's own configuration (its DSP block and parameters, its
network, its learning rate), trained and measured exactly as the other trials are, so the table
always holds the configuration the search has to beat."""

from __future__ import annotations

from typing import Any

from worker.learning.settings import TrainingSettings
from worker.tuning.space import DataKind, ImpulseNetwork, TrialConfig

# The Optuna user attribute marking the enqueued baseline trial (worker/tuning/study.py).
CURRENT_IMPULSE = "current_impulse"
NETWORK_TASKS = ("classifier", "regression")


class NotComparable(ValueError):
    """The impulse's configuration is not one a trial can build (the baseline trial fails)."""


def current_impulse_config(
    dsp_blocks: list[dict[str, Any]], learning_blocks: list[dict[str, Any]], kind: DataKind
) -> TrialConfig:
    """The impulse's first network learning block with its one DSP block, as a trial config."""
    block = next((b for b in learning_blocks if b.get("type", "classifier") in NETWORK_TASKS), None)
    if block is None:
        raise NotComparable("the impulse has no classifier or regression block to compare with")
    if block.get("expert_script"):
        raise NotComparable(
            "the impulse's network is an expert script; trials build networks from layers"
        )
    inputs = [int(i) for i in block.get("dsp_blocks") or []]
    dsp = [spec for spec in dsp_blocks if int(spec["id"]) in inputs]
    if len(dsp) != 1:
        # Trials have one DSP block each: features of several are not a point of the space.
        raise NotComparable(
            f"the impulse's learning block takes {len(dsp)} DSP blocks; trials take one"
        )
    settings = TrainingSettings.model_validate(block.get("settings") or {})
    network = ImpulseNetwork(
        str(dsp[0]["type"]), block.get("preset"), tuple(block.get("layers") or ())
    )
    return TrialConfig(
        str(dsp[0]["type"]),
        dict(dsp[0].get("params") or {}),
        network,
        float(settings.learning_rate),
        kind,
        current_impulse=True,
    )
