"""MCUFORGE_EXPERT_MODE: where bubblewrap cannot start, expert scripts are refused with the fix
named and the generated script still trains; `trusted` runs expert scripts without it; the
health check and the script editor say which mode is in force."""

from __future__ import annotations

import pytest

from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.conftest import require
from tests.training.conftest import (
    INPUT_BLOCK,
    LEARNING_BLOCK,
    MFCC_BLOCK,
    TrainingWorld,
    block_url,
    generate_features,
    make_impulse,
    start_training,
)
from tests.training.test_expert_script import FLAT_SOFTMAX
from tests.worker.jobs_helpers import log_lines, read_job
from worker.job_runtime import run_job
from worker.learning import sandbox_launcher
from worker.training.train_job import run_train_model
from worker.worker_heartbeats import record_heartbeat

MISSING_BWRAP = "/nonexistent/bin/bwrap"
FIX = "install bubblewrap (apt-get install bubblewrap)"


@pytest.fixture
def impulse_id(world: TrainingWorld) -> int:
    """A second impulse of the trained project, so the shared model stays as it is."""
    impulse_id = int(make_impulse(world.client, world.project_id, name="policy")["id"])
    generate_features(world.client, world.project_id, impulse_id)
    return impulse_id


@pytest.fixture
def no_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "expert_mode", "sandboxed")
    monkeypatch.setattr(settings, "bwrap_path", MISSING_BWRAP)


def _health(world: TrainingWorld) -> dict[str, str]:
    # Health is 503 while no worker has been seen: the sandbox fields are the subject here.
    with get_sessionmaker()() as session:
        record_heartbeat(session, name="policy@host", host="host", pid=1, queues=[], active_jobs=0)
    response = world.client.get("/api/health")
    assert response.status_code == 200, response.json()
    return dict(response.json())


def test_a_missing_bubblewrap_binary_is_reported_unavailable() -> None:
    probe = sandbox_launcher.probe(MISSING_BWRAP)
    assert not probe.available
    assert probe.describe() == f"unavailable: {MISSING_BWRAP} is not installed"


def test_a_bubblewrap_that_cannot_start_a_namespace_is_reported_with_the_likely_cause() -> None:
    probe = sandbox_launcher.probe("/bin/false")  # exists, runs, fails like a blocked bwrap
    assert not probe.available
    assert "cannot start a namespace" in probe.reason
    assert "unprivileged user namespaces" in probe.reason


def test_without_bubblewrap_expert_scripts_are_refused_naming_the_fix(
    world: TrainingWorld, impulse_id: int, no_bubblewrap: None
) -> None:
    health = _health(world)
    assert health["training_sandbox"] == f"unavailable: {MISSING_BWRAP} is not installed"
    assert health["expert_mode"] == "refused"
    url = f"{block_url(world.project_id, impulse_id)}/script"
    shown = world.client.get(url).json()
    assert shown["expert_mode"] == "refused" and FIX in shown["expert_mode_note"]

    refused = world.client.put(url, json={"script": FLAT_SOFTMAX})
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert FIX in detail and "MCUFORGE_EXPERT_MODE=trusted" in detail, detail
    assert world.client.get(url).json()["expert"] is False  # nothing stored
    # Nor through an impulse that brings its own edited script.
    body = {
        "name": "smuggled",
        "input_block": INPUT_BLOCK,
        "dsp_blocks": [MFCC_BLOCK],
        "learning_blocks": [{**LEARNING_BLOCK, "expert_script": FLAT_SOFTMAX}],
    }
    smuggled = world.client.post(f"/api/projects/{world.project_id}/impulses", json=body)
    assert smuggled.status_code == 409 and FIX in smuggled.json()["detail"]

    # The visual editor's generated script still trains, in a plain limited process.
    job_id = start_training(world.client, world.project_id, impulse_id)
    assert run_job(job_id, run_train_model) == "succeeded", log_lines(job_id)
    assert any("without the bubblewrap sandbox" in line for line in log_lines(job_id))


def test_an_expert_block_accepted_earlier_fails_to_train_once_the_sandbox_is_gone(
    world: TrainingWorld, impulse_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "expert_mode", "trusted")
    url = f"{block_url(world.project_id, impulse_id)}/script"
    assert world.client.put(url, json={"script": FLAT_SOFTMAX}).status_code == 200
    job_id = start_training(world.client, world.project_id, impulse_id)
    try:
        monkeypatch.setattr(settings, "expert_mode", "sandboxed")
        monkeypatch.setattr(settings, "bwrap_path", MISSING_BWRAP)
        # The API refuses to start it now ...
        response = world.client.post(f"{block_url(world.project_id, impulse_id)}/train")
        assert response.status_code == 409 and FIX in response.json()["detail"]
        # ... and the worker refuses the job queued before.
        assert run_job(job_id, run_train_model) == "failed"
        error = read_job(job_id).error
        assert error is not None and FIX in error
    finally:
        monkeypatch.setattr(settings, "expert_mode", "trusted")
        world.client.delete(url)


def test_trusted_mode_runs_expert_scripts_without_the_sandbox(
    world: TrainingWorld, impulse_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "expert_mode", "trusted")
    monkeypatch.setattr(settings, "bwrap_path", MISSING_BWRAP)
    assert _health(world)["expert_mode"] == "trusted"
    url = f"{block_url(world.project_id, impulse_id)}/script"
    replaced = world.client.put(url, json={"script": FLAT_SOFTMAX})
    assert replaced.status_code == 200 and replaced.json()["expert_mode"] == "trusted"
    try:
        job_id = start_training(world.client, world.project_id, impulse_id)
        assert run_job(job_id, run_train_model) == "succeeded", log_lines(job_id)
        assert any("MCUFORGE_EXPERT_MODE=trusted" in line for line in log_lines(job_id))
    finally:
        world.client.delete(url)


def test_with_bubblewrap_every_run_is_sandboxed(world: TrainingWorld) -> None:
    probe = sandbox_launcher.probe(settings.bwrap_path)
    require(probe.available, f"bubblewrap is {probe.describe()}")
    health = _health(world)
    assert (health["training_sandbox"], health["expert_mode"]) == ("bubblewrap", "sandboxed")
    # The world's own (generated) training ran in it.
    assert any("bubblewrap sandbox" in line for line in log_lines(world.train_job_id))
