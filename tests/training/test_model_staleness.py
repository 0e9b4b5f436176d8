"""A trained model goes out of date when its training split changes, even once the features are
generated again: the model API says why, deployment refuses it (409) until the block is trained
again, model testing goes ahead and its results carry the warning. Test samples do not count,
and a model trained before models recorded their samples is not refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from backend.db.models import Impulse, TrainedModel
from backend.db.session import get_sessionmaker
from tests.training.conftest import (
    TrainingWorld,
    block_url,
    clip_wav,
    generate_features,
    impulse_url,
    make_impulse,
    upload_clips,
)
from tests.utils.api import upload
from tests.worker.jobs_helpers import log_lines
from worker.deployment.inputs import deployment_inputs
from worker.job_runtime import run_job
from worker.training.test_job import run_test_model
from worker.training.train_job import run_train_model

CLASSIFIER = {"id": 1, "dsp_blocks": [1], "settings": {"epochs": 2, "batch_size": 8, "seed": 3}}
ANOMALY = {"id": 2, "type": "anomaly", "dsp_blocks": [1], "anomaly": {"clusters": 2}}
MOVED = (
    "the dataset changed since the model was trained: 1 sample(s) moved between splits "
    "('low.training1.wav (training -> testing)')"
)


def train(world: TrainingWorld, project_id: int, impulse_id: int, block_id: int) -> None:
    response = world.client.post(f"{block_url(project_id, impulse_id, block_id)}/train")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert run_job(job_id, run_train_model) == "succeeded", log_lines(job_id)


def model_of(world: TrainingWorld, project_id: int, impulse_id: int, block_id: int) -> Any:
    response = world.client.get(f"{block_url(project_id, impulse_id, block_id)}/model")
    assert response.status_code == 200, response.text
    return response.json()


def deployment_refusals(world: TrainingWorld, project_id: int, impulse_id: int) -> set[str]:
    """What the build and the estimates answer: one 409 message, or none when it would build."""
    base = f"{impulse_url(project_id, impulse_id)}/deployment"
    build = world.client.post(f"{base}/build", json={"target": "cpp-sdk"})
    estimates = world.client.get(f"{base}/estimates", params={"board": "nano33ble"})
    assert build.status_code == estimates.status_code == 409, (build.text, estimates.text)
    return {build.json()["detail"], estimates.json()["detail"]}


def builds(project_id: int, impulse_id: int) -> tuple[int, int | None]:
    """The ids of the classifier and anomaly models a build would take now."""
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, impulse_id)
        assert impulse is not None
        inputs = deployment_inputs(session, impulse, library=True)
        anomaly = inputs.anomaly_model.id if inputs.anomaly_model is not None else None
        return inputs.model.id, anomaly


@pytest.fixture
def trained(world: TrainingWorld) -> tuple[int, int]:
    """A project of its own (its dataset changes here), classifier and anomaly block trained."""
    project_id = world.new_project("outdated")
    upload_clips(world.client, project_id, ("high", "low"), 3, "training")
    upload_clips(world.client, project_id, ("high", "low"), 1, "testing")
    impulse_id = make_impulse(world.client, project_id, learning_blocks=[CLASSIFIER, ANOMALY])["id"]
    generate_features(world.client, project_id, impulse_id)
    train(world, project_id, impulse_id, 1)
    train(world, project_id, impulse_id, 2)
    return project_id, impulse_id


def test_a_changed_training_split_outdates_the_model_until_it_is_trained_again(
    world: TrainingWorld, trained: tuple[int, int]
) -> None:
    project_id, impulse_id = trained
    samples = {
        s["filename"]: s["id"]
        for s in world.client.get(
            f"/api/projects/{project_id}/samples", params={"limit": 100}
        ).json()["data"]
    }
    first = model_of(world, project_id, impulse_id, 1)
    assert (first["outdated_reason"], first["dataset_recorded"]) == (None, True)

    # A new test sample changes what a test measures, not what the model learned from.
    added = upload(
        world.client, project_id, [("high.extra.wav", clip_wav("high", 50))], category="testing"
    )
    assert added.status_code in (200, 201), added.text
    generate_features(world.client, project_id, impulse_id)
    assert model_of(world, project_id, impulse_id, 1)["outdated_reason"] is None
    assert builds(project_id, impulse_id) == (
        first["id"],
        model_of(world, project_id, impulse_id, 2)["id"],
    )

    # A training sample moved to the test split: the features are generated again and are
    # current, the model learned from that sample and is not.
    moved = world.client.patch(
        f"/api/projects/{project_id}/samples/{samples['low.training1.wav']}",
        json={"category": "testing"},
    )
    assert moved.status_code == 200, moved.text
    generate_features(world.client, project_id, impulse_id)
    features = world.client.get(f"{impulse_url(project_id, impulse_id)}/features").json()
    assert [block["state"] for block in features["blocks"]] == ["ready"]
    outdated = model_of(world, project_id, impulse_id, 1)
    assert (outdated["id"], outdated["outdated_reason"]) == (first["id"], MOVED)
    assert model_of(world, project_id, impulse_id, 2)["outdated_reason"] == MOVED
    assert deployment_refusals(world, project_id, impulse_id) == {
        f"the model of learning block 1 is out of date: {MOVED}; train it again"
    }

    # Testing it is allowed; its results say the model was out of date.
    test = world.client.post(f"{block_url(project_id, impulse_id)}/test")
    assert test.status_code == 202, test.text
    assert run_job(test.json()["id"], run_test_model) == "succeeded", log_lines(test.json()["id"])
    results = world.client.get(f"{block_url(project_id, impulse_id)}/test-results").json()
    assert results["results"]["model_outdated_reason"] == MOVED

    # Training the classifier again makes it current; the anomaly block's model still is not.
    train(world, project_id, impulse_id, 1)
    retrained = model_of(world, project_id, impulse_id, 1)
    assert retrained["id"] != first["id"] and retrained["outdated_reason"] is None
    assert deployment_refusals(world, project_id, impulse_id) == {
        f"the model of anomaly block 2 is out of date: {MOVED}; train it again"
    }
    train(world, project_id, impulse_id, 2)
    anomaly = model_of(world, project_id, impulse_id, 2)
    assert anomaly["outdated_reason"] is None
    assert builds(project_id, impulse_id) == (retrained["id"], anomaly["id"])

    # A model trained before models recorded their samples: unknown, said, not refused.
    with get_sessionmaker()() as session:
        session.execute(
            update(TrainedModel)
            .where(TrainedModel.id == retrained["id"])
            .values(training_dataset_digest=None, dataset_samples=None)
        )
        session.commit()
    relabelled = world.client.patch(
        f"/api/projects/{project_id}/samples/{samples['high.training0.wav']}",
        json={"label": "low"},
    )
    assert relabelled.status_code == 200, relabelled.text
    generate_features(world.client, project_id, impulse_id)
    legacy = model_of(world, project_id, impulse_id, 1)
    assert (legacy["outdated_reason"], legacy["dataset_recorded"]) == (None, False)
    # The anomaly model did record its samples: the relabelling outdates it.
    assert deployment_refusals(world, project_id, impulse_id) == {
        "the model of anomaly block 2 is out of date: the dataset changed since the model was "
        "trained: 1 sample(s) relabelled ('high.training0.wav (high -> low)'); train it again"
    }
