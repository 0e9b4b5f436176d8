"""Expert mode: the generated script is readable and replaceable; a replacement is what trains,
and a failing one ends the job as failed with its traceback in the job log."""

from __future__ import annotations

import math

import pytest

from tests.training.conftest import (
    TrainingWorld,
    block_url,
    generate_features,
    make_impulse,
    start_training,
)
from tests.worker.jobs_helpers import log_lines, read_job
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model

FLAT_SOFTMAX = '''\
"""Expert script: one dense softmax layer over the flattened features."""
import tf_keras as keras
from tf_keras import layers

keras.utils.set_random_seed(settings.seed)
model = keras.Sequential(
    [keras.Input(shape=input_shape), layers.Flatten(), layers.Dense(num_classes, activation="softmax")]
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(train_dataset, validation_data=validation_dataset, epochs=2, callbacks=callbacks, verbose=0)
'''

BROKEN = """\
import tf_keras as keras

def build():
    raise RuntimeError("the expert forgot the output layer")

model = build()
"""


@pytest.fixture
def expert_impulse(world: TrainingWorld) -> int:
    """A second impulse of the trained project, so the shared model stays as it is."""
    impulse_id = int(make_impulse(world.client, world.project_id, name="expert")["id"])
    generate_features(world.client, world.project_id, impulse_id)
    return impulse_id


def test_the_generated_script_is_the_editor_network(world: TrainingWorld) -> None:
    response = world.client.get(f"{block_url(world.project_id, world.impulse_id)}/script")
    assert response.status_code == 200
    script = response.json()
    assert script["expert"] is False
    assert "layers.Conv1D(8, kernel_size=3" in script["script"]
    assert 'layers.Dense(num_classes, activation="softmax")' in script["script"]


def test_an_expert_script_replaces_the_generated_one_and_is_what_trains(
    world: TrainingWorld, expert_impulse: int
) -> None:
    url = f"{block_url(world.project_id, expert_impulse)}/script"
    replaced = world.client.put(url, json={"script": FLAT_SOFTMAX})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["expert"], replaced.json()["script"]) == (True, FLAT_SOFTMAX)
    input_shape = replaced.json()["input_shape"]

    job_id = start_training(world.client, world.project_id, expert_impulse)
    assert run_job(job_id, run_train_model) == "succeeded", log_lines(job_id)
    model = world.client.get(f"{block_url(world.project_id, expert_impulse)}/model").json()
    assert len(model["history"]) == 2  # the script's own epochs=2
    # One dense layer: a MAC per feature value and class, nothing else.
    assert model["mac_count"] == math.prod(input_shape) * 3
    artifacts = world.client.get(
        f"/api/projects/{world.project_id}/models/{model['id']}/artifacts"
    ).json()["data"]
    (script,) = [a for a in artifacts if a["kind"] == "training-script"]
    download = f"/api/projects/{world.project_id}/artifacts/{script['id']}/download"
    assert world.client.get(download).text == FLAT_SOFTMAX

    back = world.client.delete(url)
    assert back.status_code == 200
    assert back.json()["expert"] is False and "layers.Conv1D(" in back.json()["script"]


def test_a_failing_expert_script_fails_the_job_with_its_traceback_in_the_log(
    world: TrainingWorld, expert_impulse: int
) -> None:
    url = f"{block_url(world.project_id, expert_impulse)}/script"
    assert world.client.put(url, json={"script": BROKEN}).status_code == 200
    job_id = start_training(world.client, world.project_id, expert_impulse)
    assert run_job(job_id, run_train_model) == "failed"
    job = read_job(job_id)
    assert job.error is not None and "the expert forgot the output layer" in job.error
    log = "\n".join(log_lines(job_id))
    assert "Traceback" in log
    assert "line 4, in build" in log
    assert "RuntimeError: the expert forgot the output layer" in log
