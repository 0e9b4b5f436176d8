"""An anomaly block (K-means on the features) trains and tests through the same jobs."""

from __future__ import annotations

import json

from sqlalchemy.orm import selectinload

from backend.db.models import Impulse, Sample
from backend.db.session import get_sessionmaker
from tests.training.conftest import (
    FAST_SETTINGS,
    TEST_SAMPLES,
    TrainingWorld,
    block_url,
    generate_features,
    make_impulse,
    start_training,
)
from tests.worker.jobs_helpers import log_lines
from worker.job_runtime import run_job
from worker.learning.anomaly import AnomalyModel
from worker.training.classify import sample_features
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


def test_live_classification_scores_anomalies_as_the_device_does(world: TrainingWorld) -> None:
    """A classifier with an anomaly block on the same features: every window classified live
    carries the anomaly score and flag, computed as the C++ SDK computes them (float32, in its
    order: AnomalyModel.scores), with the threshold; without the block there are none."""
    blocks = [
        {"id": 1, "dsp_blocks": [1], "settings": FAST_SETTINGS},
        {"id": 2, "type": "anomaly", "dsp_blocks": [1], "anomaly": {"clusters": 3}},
    ]
    impulse_id = make_impulse(
        world.client, world.project_id, name="live anomaly", learning_blocks=blocks
    )["id"]
    generate_features(world.client, world.project_id, impulse_id)
    for block_id in (1, 2):
        response = world.client.post(f"{block_url(world.project_id, impulse_id, block_id)}/train")
        assert response.status_code == 202, response.text
        assert run_job(response.json()["id"], run_train_model) == "succeeded"

    sample_id = world.samples["noise.testing0.wav"]
    base = block_url(world.project_id, impulse_id)
    result = world.client.post(f"{base}/classify", json={"sample_id": sample_id}).json()
    anomaly_model = world.client.get(f"{block_url(world.project_id, impulse_id, 2)}/model").json()
    exported = json.loads(
        world.client.get(
            f"/api/projects/{world.project_id}/artifacts/"
            f"{anomaly_model['artifacts'][0]['id']}/download"
        ).content
    )
    model = AnomalyModel.from_export(exported)
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, impulse_id)
        sample = session.get(Sample, sample_id, options=[selectinload(Sample.data)])
        assert impulse is not None and sample is not None
        features, _ = sample_features(impulse, [1], sample)
    expected = model.scores(features)
    assert result["anomaly_threshold"] == model.threshold
    assert [w["anomaly"] for w in result["windows"]] == expected.astype(float).tolist()
    assert [w["anomalous"] for w in result["windows"]] == model.is_anomaly(features).tolist()
    assert all(w["scores"] and w["top"] for w in result["windows"])

    # The world's impulse has no anomaly block: no scores, no threshold.
    plain = world.client.post(
        f"{block_url(world.project_id, world.impulse_id)}/classify", json={"sample_id": sample_id}
    ).json()
    assert plain["anomaly_threshold"] is None
    assert all(w["anomaly"] is None for w in plain["windows"])
