"""An anomaly block (K-means on the features) trains and tests through the same jobs."""

from __future__ import annotations

import json

from tests.training.conftest import (
    TEST_SAMPLES,
    TrainingWorld,
    block_url,
    generate_features,
    make_impulse,
    start_training,
)
from tests.worker.jobs_helpers import log_lines
from worker.job_runtime import run_job
from worker.training.test_job import run_test_model
from worker.training.train_job import run_train_model


def test_an_anomaly_block_fits_clusters_and_scores_the_test_split(world: TrainingWorld) -> None:
    block = {"id": 1, "type": "anomaly", "dsp_blocks": [1], "anomaly": {"clusters": 4}}
    impulse_id = make_impulse(
        world.client, world.project_id, name="anomaly", learning_blocks=[block]
    )["id"]
    generate_features(world.client, world.project_id, impulse_id)
    job_id = start_training(world.client, world.project_id, impulse_id)
    assert run_job(job_id, run_train_model) == "succeeded", log_lines(job_id)

    base = block_url(world.project_id, impulse_id)
    model = world.client.get(f"{base}/model").json()
    assert model["task"] == "anomaly"
    assert model["metrics"]["threshold"] > 0
    # The threshold is the 0.99 quantile of the training scores: at most 1 % lie above it.
    assert model["metrics"]["training_anomalies"] <= 0.01 * model["metrics"]["training_windows"] + 1
    (artifact,) = model["artifacts"]
    assert artifact["kind"] == "anomaly-model-json"
    exported = json.loads(
        world.client.get(
            f"/api/projects/{world.project_id}/artifacts/{artifact['id']}/download"
        ).content
    )
    assert (
        len(exported["centroids"]) == 4 and exported["threshold"] == model["metrics"]["threshold"]
    )

    test = world.client.post(f"{base}/test")
    assert test.status_code == 202
    assert run_job(test.json()["id"], run_test_model) == "succeeded"
    results = world.client.get(f"{base}/test-results").json()["results"]
    assert len(results["samples"]) == 3 * TEST_SAMPLES
    assert all(s["anomaly"] == (s["max_score"] > results["threshold"]) for s in results["samples"])
