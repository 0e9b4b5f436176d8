"""Bad input, refused before the job (422 / 409 with the reason) and by the job itself (a failed
job whose error says what to fix): stale features after relabelling, adding, removing or
cropping samples, changed DSP parameters, one class only, classes of a single sample."""

from __future__ import annotations

import pytest

from backend.db.session import get_sessionmaker
from backend.services.jobs import create_job
from tests.training.conftest import (
    INPUT_BLOCK,
    MFCC_BLOCK,
    TrainingWorld,
    block_url,
    generate_features,
    impulse_url,
    make_impulse,
    upload_clips,
)
from tests.worker.jobs_helpers import read_job
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model


def small_project(
    world: TrainingWorld, name: str, labels: tuple[str, ...], count: int
) -> tuple[int, int]:
    """A project with `count` training clips per label, an impulse and its features."""
    project_id = world.new_project(name)
    upload_clips(world.client, project_id, labels, count, "training")
    impulse = make_impulse(world.client, project_id)
    generate_features(world.client, project_id, impulse["id"])
    return project_id, impulse["id"]


def job_error(project_id: int, impulse_id: int) -> str:
    """Run a training job written past the API (as if the data changed after the request)."""
    with get_sessionmaker()() as session:
        job = create_job(
            session,
            project_id=project_id,
            kind="training.train",
            params={"impulse_id": impulse_id, "learning_block_id": 1},
        )
    assert run_job(job.id, run_train_model) == "failed"
    error = read_job(job.id).error
    assert error is not None
    return error


@pytest.fixture
def two_labels(world: TrainingWorld) -> tuple[int, int]:
    return small_project(world, "stale", ("high", "low"), 3)


def sample_id_of(world: TrainingWorld, project_id: int, filename: str) -> int:
    response = world.client.get(f"/api/projects/{project_id}/samples", params={"limit": 100})
    (sample,) = [s for s in response.json()["data"] if s["filename"] == filename]
    return int(sample["id"])


def test_relabelling_a_sample_makes_the_features_stale(
    world: TrainingWorld, two_labels: tuple[int, int]
) -> None:
    project_id, impulse_id = two_labels
    sample_id = sample_id_of(world, project_id, "low.training1.wav")
    patched = world.client.patch(
        f"/api/projects/{project_id}/samples/{sample_id}", json={"label": "high"}
    )
    assert patched.status_code == 200, patched.text
    expected = (
        "features of DSP block 1 (MFCC) are stale: the dataset changed since they were "
        "generated: 1 sample(s) relabelled ('low.training1.wav (low -> high)'); generate "
        "features again"
    )
    response = world.client.post(f"{block_url(project_id, impulse_id)}/train")
    assert (response.status_code, response.json()["detail"]) == (409, expected)
    assert job_error(project_id, impulse_id) == expected


def test_adding_moving_and_removing_samples_make_the_features_stale(
    world: TrainingWorld, two_labels: tuple[int, int]
) -> None:
    project_id, impulse_id = two_labels
    upload_clips(world.client, project_id, ("low",), 1, "testing")
    moved = sample_id_of(world, project_id, "high.training0.wav")
    world.client.patch(f"/api/projects/{project_id}/samples/{moved}", json={"category": "testing"})
    removed = sample_id_of(world, project_id, "high.training2.wav")
    assert world.client.delete(f"/api/projects/{project_id}/samples/{removed}").status_code == 204
    detail = world.client.post(f"{block_url(project_id, impulse_id)}/train").json()["detail"]
    assert "1 sample(s) added ('low.testing0.wav')" in detail
    assert "1 sample(s) removed ('high.training2.wav')" in detail
    assert "1 sample(s) moved between splits ('high.training0.wav (training -> testing)')" in detail


def test_cropping_a_sample_makes_the_features_stale(
    world: TrainingWorld, two_labels: tuple[int, int]
) -> None:
    project_id, impulse_id = two_labels
    sample_id = sample_id_of(world, project_id, "high.training1.wav")
    cropped = world.client.post(
        f"/api/projects/{project_id}/samples/{sample_id}/crop", json={"start_ms": 0, "end_ms": 500}
    )
    assert cropped.status_code == 200, cropped.text
    expected = (
        "features of DSP block 1 (MFCC) are stale: the dataset changed since they were "
        "generated: 1 sample(s) cropped ('high.training1.wav'); generate features again"
    )
    response = world.client.post(f"{block_url(project_id, impulse_id)}/train")
    assert (response.status_code, response.json()["detail"]) == (409, expected)
    assert job_error(project_id, impulse_id) == expected


def test_changed_dsp_parameters_make_the_features_stale(
    world: TrainingWorld, two_labels: tuple[int, int]
) -> None:
    project_id, impulse_id = two_labels
    changed = {**MFCC_BLOCK, "params": {**MFCC_BLOCK["params"], "n_coefficients": 10}}
    response = world.client.put(
        impulse_url(project_id, impulse_id),
        json={
            "input_block": INPUT_BLOCK,
            "dsp_blocks": [changed],
            "learning_blocks": [{"id": 1, "dsp_blocks": [1]}],
        },
    )
    assert response.status_code == 200, response.text
    expected = (
        "features of DSP block 1 (MFCC) are stale: the input or DSP block parameters changed "
        "since they were generated; generate features again"
    )
    train = world.client.post(f"{block_url(project_id, impulse_id)}/train")
    assert (train.status_code, train.json()["detail"]) == (409, expected)
    assert job_error(project_id, impulse_id) == expected


def test_missing_features_are_refused_before_and_in_the_job(world: TrainingWorld) -> None:
    project_id = world.new_project("no features")
    upload_clips(world.client, project_id, ("high", "low"), 2, "training")
    impulse_id = make_impulse(world.client, project_id)["id"]
    expected = "features of DSP block 1 (MFCC) have not been generated; generate features first"
    train = world.client.post(f"{block_url(project_id, impulse_id)}/train")
    assert (train.status_code, train.json()["detail"]) == (409, expected)
    assert job_error(project_id, impulse_id) == expected


def test_one_class_only_fails_the_job_saying_a_second_class_is_needed(
    world: TrainingWorld,
) -> None:
    project_id, impulse_id = small_project(world, "one class", ("high",), 3)
    assert job_error(project_id, impulse_id) == (
        "a classifier needs at least two classes, got 1 (high); label samples with a second class"
    )


def test_classes_of_one_sample_each_fail_the_job_saying_validation_needs_more(
    world: TrainingWorld,
) -> None:
    # Each clip has several overlapping windows, but the validation split keeps a sample's
    # windows together: with one sample per class nothing can validate.
    project_id = world.new_project("tiny classes")
    upload_clips(world.client, project_id, ("high", "low"), 1, "training")
    impulse_id = make_impulse(world.client, project_id)["id"]
    generate_features(world.client, project_id, impulse_id)
    assert job_error(project_id, impulse_id) == (
        "every class has a single sample (2 samples): validation needs a class with at least 2 "
        "samples; add samples"
    )


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        (
            {"learning_rate": 2},
            "learning_rate",
            "learning_rate (Adam learning rate) is 2; it must be between 1e-06 and 1",
        ),
        ({"epochs": 0}, "epochs", "epochs (training cycles) is 0; it must be between 1 and 1000"),
        (
            {"epochs": 5000},
            "epochs",
            "epochs (training cycles) is 5000; it must be between 1 and 1000",
        ),
    ],
)
def test_settings_out_of_range_are_a_422_naming_the_field(
    world: TrainingWorld, settings: dict, field: str, message: str
) -> None:
    url = block_url(world.project_id, world.impulse_id)
    response = world.client.post(f"{url}/train", json={"settings": settings})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "settings", field]
    assert error["msg"] == message


def test_training_a_block_that_does_not_exist_is_a_404(world: TrainingWorld) -> None:
    response = world.client.post(f"{block_url(world.project_id, world.impulse_id, 7)}/train")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        f"impulse {world.impulse_id} has no learning block 7; its learning blocks are: 1 (add "
        "one to the impulse's learning_blocks)"
    )
