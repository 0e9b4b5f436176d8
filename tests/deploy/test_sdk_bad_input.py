"""What the SDK generator refuses, each with a message naming what is wrong and the rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkError, build_cpp_sdk, project_identifier
from tests.deploy.impulse_fixture import DSP, IMPULSE, LABELS, TrainedImpulse


def attempt(trained: TrainedImpulse, out_dir: Path, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "impulse": IMPULSE,
        "model_int8": trained.model_int8,
        "labels": LABELS,
        "dsp_blocks": [DSP],
        "anomaly": None,
        "out_dir": out_dir / "sdk",
        **changes,
    }
    build_cpp_sdk(
        arguments.pop("impulse"), arguments.pop("model_int8"), arguments.pop("labels"),
        **arguments,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dsp_blocks": []}, "no DSP block"),
        ({"dsp_blocks": [DSP, DSP]}, "the DSP blocks mfcc, mfcc with the impulse's parameters "
                                     "produce 650; retrain"),
        ({"dsp_blocks": [DspSpec("image", {})]},
         "cannot generate the DSP block 'image' for a time-series window"),
        ({"dsp_blocks": [DspSpec("mfcc", {"n_coefficients": 10})]}, "retrain after generating"),
        ({"dsp_blocks": [DspSpec("mfcc", {"fft_length": 3})]}, "fft_length"),
        ({"dsp_blocks": [DspSpec("mfcc", {}, (1,))]}, "indices into the 1 raw axes"),
        ({"labels": ["a", "b"]}, "scores 3 classes but the impulse has 2 labels"),
        ({"labels": ["a", "a", "b"]}, "labels must be unique"),
        ({"labels": []}, "no labels"),
        ({"anomaly": {"mean": [0.0]}}, "lacks feature_columns"),
        ({"example_window": [0.0] * 10}, "the impulse's raw window is 4000"),
    ],
)
def test_bad_input_is_refused_naming_the_problem(
    trained_impulse: TrainedImpulse, tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(SdkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        attempt(trained_impulse, tmp_path, **changes)


def test_float32_model_is_refused(trained_impulse: TrainedImpulse, tmp_path: Path) -> None:
    with pytest.raises(SdkError) as error:
        attempt(trained_impulse, tmp_path, model_int8=trained_impulse.model_float32)
    assert "cannot be compiled" in str(error.value) or "int8" in str(error.value)


def test_a_float32_sdk_refuses_an_int8_model(
    trained_impulse: TrainedImpulse, tmp_path: Path
) -> None:
    with pytest.raises(SdkError, match="is int8; a float32 SDK takes a model that was not"):
        attempt(trained_impulse, tmp_path, precision="float32")


def test_an_unknown_precision_is_refused(trained_impulse: TrainedImpulse, tmp_path: Path) -> None:
    with pytest.raises(SdkError, match="precision 'int4' is not one of int8, float32"):
        attempt(trained_impulse, tmp_path, precision="int4")


def test_anomaly_columns_must_exist(trained_impulse: TrainedImpulse, tmp_path: Path) -> None:
    exported = {**trained_impulse.anomaly, "feature_columns": [0, 99999]}
    with pytest.raises(SdkError, match="columns 0..324"):
        attempt(trained_impulse, tmp_path, anomaly=exported)


def test_output_folder_must_be_new(trained_impulse: TrainedImpulse, tmp_path: Path) -> None:
    (tmp_path / "sdk").mkdir()
    (tmp_path / "sdk" / "keep.txt").write_text("mine")
    with pytest.raises(SdkError, match="not empty"):
        attempt(trained_impulse, tmp_path)
    assert (tmp_path / "sdk" / "keep.txt").read_text() == "mine"


def test_impulse_spec_rules() -> None:
    with pytest.raises(SdkError, match="no axes"):
        ImpulseSpec("p", (), 100.0, 10)
    with pytest.raises(SdkError, match="frequency_hz"):
        ImpulseSpec("p", ("x",), 0.0, 10)
    assert project_identifier("Keyword spotting!") == "keyword_spotting"
    assert project_identifier("42") == "p_42"


@pytest.mark.parametrize("damage", ["truncated", "huge dimension"])
def test_corrupted_model_is_refused_naming_the_problem(
    trained_impulse: TrainedImpulse, tmp_path: Path, damage: str
) -> None:
    # The deployment job turns SdkError into a failed job with this message (issue 13).
    import struct

    import tflite

    model = trained_impulse.model_int8
    if damage == "truncated":
        damaged, message = model[: len(model) // 2], "malformed TFLite flatbuffer of"
    else:
        tensor = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0).Tensors(0)
        shape_at = tensor._tab.Vector(tensor._tab.Offset(4))
        damaged = model[:shape_at] + struct.pack("<i", 2**31 - 1) + model[shape_at + 4 :]
        message = "more than the 67108864 a microcontroller model can have"
    with pytest.raises(SdkError, match="the model cannot be compiled to C..: ") as error:
        attempt(trained_impulse, tmp_path, model_int8=damaged)
    assert message in str(error.value)
