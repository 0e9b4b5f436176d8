"""A regression block end to end: decimal targets given at upload (the value field and the
VALUE.NAME.ext file name) train a one-output model on whole samples; a label that is not a
number fails the job naming the sample."""

from __future__ import annotations

import re

from tests.training.conftest import (
    FAST_SETTINGS,
    TrainingWorld,
    clip_wav,
    generate_features,
    make_impulse,
    start_training,
)
from tests.training.test_bad_input import job_error
from tests.utils.api import upload
from tests.worker.jobs_helpers import log_lines, read_job
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model

REGRESSION_BLOCK = {
    "id": 1,
    "type": "regression",
    "dsp_blocks": [1],
    "settings": {**FAST_SETTINGS, "epochs": 2},
}


def test_decimal_targets_train_a_regression_model_on_whole_samples(world: TrainingWorld) -> None:
    project_id = world.new_project("pitch")
    for index in range(5):
        # The file name carries the target: 0.25.low0.wav -> 0.25.
        named = upload(world.client, project_id, [(f"0.25.low{index}.wav", clip_wav("low", index))])
        assert named.json()["accepted"][0]["label"] == "0.25", named.text
        valued = upload(
            world.client, project_id, [(f"x.{index}.wav", clip_wav("high", index))], value="1.75"
        )
        assert valued.json()["accepted"][0]["label"] == "1.75", valued.text
    impulse_id = make_impulse(world.client, project_id, learning_blocks=[REGRESSION_BLOCK])["id"]
    generate_features(world.client, project_id, impulse_id)
    job_id = start_training(world.client, project_id, impulse_id)
    assert run_job(job_id, run_train_model) == "succeeded", read_job(job_id).error
    assert read_job(job_id).result["task"] == "regression"
    lines = [line for line in log_lines(job_id) if line.startswith("Training on ")]
    match = re.search(r"of (\d+) samples, validating on \d+ windows of (\d+) samples", lines[0])
    assert match, lines
    training_samples = sum(
        s["category"] == "training"
        for s in world.client.get(f"/api/projects/{project_id}/samples").json()["data"]
    )
    assert int(match.group(1)) + int(match.group(2)) == training_samples


def test_a_label_that_is_not_a_number_fails_the_job_naming_the_sample(
    world: TrainingWorld,
) -> None:
    project_id = world.new_project("mislabelled")
    upload(world.client, project_id, [(f"1.5.a{i}.wav", clip_wav("low", i)) for i in range(3)])
    upload(world.client, project_id, [("warm.1.wav", clip_wav("high", 1))], category="training")
    warm = [
        s
        for s in world.client.get(f"/api/projects/{project_id}/samples").json()["data"]
        if s["label"] == "warm"
    ][0]
    impulse_id = make_impulse(world.client, project_id, learning_blocks=[REGRESSION_BLOCK])["id"]
    generate_features(world.client, project_id, impulse_id)
    error = job_error(project_id, impulse_id)
    assert f"sample {warm['id']} (\"warm.1.wav\") is labelled 'warm'" in error
    assert "not a finite number" in error
