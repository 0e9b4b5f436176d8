"""Trial 0, the impulse's own configuration: what of an impulse it takes, what it refuses, and
that a search gets it back when the worker running it died."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from worker.tuning import lifecycle
from worker.tuning import study as studies
from worker.tuning.baseline import CURRENT_IMPULSE, NotComparable, current_impulse_config
from worker.tuning.networks import network_layers
from worker.tuning.space import ImpulseNetwork, TrialConfig

MFCC = {"id": 3, "type": "mfcc", "params": {"n_coefficients": 10}}
LAYERS = [{"type": "flatten"}, {"type": "dense", "units": 7, "activation": "relu"}]


def test_the_impulse_block_its_layers_and_learning_rate_make_the_config() -> None:
    block = {
        "id": 1,
        "type": "classifier",
        "dsp_blocks": [3],
        "layers": LAYERS,
        "settings": {"learning_rate": 0.002},
    }
    config = current_impulse_config([{"id": 2, "type": "raw"}, MFCC], [block], "audio")
    assert config.current_impulse and config.dsp_type == "mfcc"
    assert config.dsp_params == {"n_coefficients": 10} and config.learning_rate == 0.002
    assert [
        layer.model_dump(mode="json") for layer in network_layers((49, 10), config.network)
    ] == LAYERS
    again = TrialConfig.from_json(config.as_json())
    assert again == config and isinstance(again.network, ImpulseNetwork)
    # Without layers, the preset (or the DSP block's default one) for the trial's features.
    preset = current_impulse_config([MFCC], [{**block, "layers": []}], "audio")
    assert network_layers((49, 10), preset.network)[0].type == "reshape"


@pytest.mark.parametrize(
    ("dsp_blocks", "block", "reason"),
    [
        ([MFCC], {"type": "anomaly", "dsp_blocks": [3]}, "no classifier or regression"),
        ([MFCC], {"dsp_blocks": [3], "expert_script": "model = ..."}, "expert script"),
        ([MFCC, {"id": 4, "type": "raw"}], {"dsp_blocks": [3, 4]}, "takes 2 DSP blocks"),
    ],
)
def test_configurations_a_trial_cannot_build_are_refused_with_the_reason(
    dsp_blocks: list[dict], block: dict, reason: str
) -> None:
    with pytest.raises(NotComparable, match=reason):
        current_impulse_config(dsp_blocks, [block], "audio")


def test_a_baseline_whose_worker_died_is_enqueued_again(sqlite_database_url: str) -> None:
    studies.create_study("baseline-check", maximize=True, multi_objective=True)
    search = SimpleNamespace(
        id=1, study_name="baseline-check", multi_objective=True, max_trials=5, seed=0
    )
    study = studies.load_study("baseline-check", multi_objective=True, max_trials=5, seed=0)
    first = study.ask()
    assert first.number == 0 and first.user_attrs == {CURRENT_IMPULSE: True}
    lifecycle.tell_failed(search, first.number)  # type: ignore[arg-type]
    again = study.ask()
    assert again.number == 1 and again.user_attrs == {CURRENT_IMPULSE: True}
    searched = study.ask()
    # A searched trial that died is not re-enqueued: the next one is drawn from the space.
    lifecycle.tell_failed(search, searched.number)  # type: ignore[arg-type]
    assert study.ask().user_attrs == {}
