"""The search space: every suggestion is a DSP configuration the block accepts for the data and a
network that takes its features (a trial is never spent on a configuration refused up front)."""

from __future__ import annotations

import optuna
import pytest

from dsp_blocks.registry import get_block
from worker.tuning.networks import network_layers
from worker.tuning.space import data_kind, suggest_config


@pytest.mark.parametrize(
    ("kind", "rate_hz", "window_samples", "axes"),
    [("motion", 50.0, 50, 3), ("motion", 100.0, 200, 6), ("audio", 16000.0, 16000, 1),
     ("audio", 8000.0, 4000, 1)],
)
def test_sixty_suggestions_all_fit_the_data(
    kind: str, rate_hz: float, window_samples: int, axes: int
) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(60):
        trial = study.ask()
        config = suggest_config(trial, kind, rate_hz, window_samples)  # type: ignore[arg-type]
        block = get_block(config.dsp_type)
        params = block.parse_params(config.dsp_params)
        shape = block.output_shape(params, sample_rate_hz=rate_hz, window_length=window_samples,
                                   n_axes=axes)
        assert network_layers(tuple(shape), config.network), config
        study.tell(trial, 0.5)


def test_the_kind_of_data_follows_the_input_block() -> None:
    assert data_kind({"type": "image"}, ["image"]) == "image"
    assert data_kind({"axes": ["audio"], "frequency_hz": 16000}, ["spectral"]) == "audio"
    assert data_kind({"axes": ["x", "y", "z"], "frequency_hz": 100}, ["raw"]) == "motion"
    assert data_kind({"axes": ["x"], "frequency_hz": 50}, ["mfe"]) == "audio"


def test_features_without_information_are_pruned_before_compiling() -> None:
    from pathlib import Path

    import numpy as np

    from deploy_targets.boards import get_board
    from deploy_targets.sdk import DspSpec, ImpulseSpec
    from worker.tuning.space import NetworkChoice, TrialConfig
    from worker.tuning.trial import Limits, Objective, TrialData, run_trial

    saturated = TrialData(np.ones((12, 20, 8), np.float32), np.arange(12) % 2, ["a", "b"],
                          np.arange(12))
    config = TrialConfig("mfe", {}, NetworkChoice("conv1d", 1.0, 1, 3, 0.0), 0.01, "audio")
    outcome = run_trial(
        saturated, config, impulse=ImpulseSpec("p", ("audio",), 16000.0, 16000),
        dsp=DspSpec("mfe", {}), limits=Limits(get_board("nano33ble")), objective=Objective(),
        epochs=1, seed=0, workdir=Path("unused"),
    )
    assert outcome.state == "pruned" and "same" in (outcome.reason or "")
    assert outcome.cost is None  # neither compiled nor trained
