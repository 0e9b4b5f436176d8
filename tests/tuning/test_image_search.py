"""An image project searched end to end: trials over resolution, grayscale/RGB and network
width compute their own features at the trial's size, compile, measure, train and score."""

from __future__ import annotations

from sqlalchemy import select

from backend.db.models import FeatureSet, SearchState, TrialState, TunerSearch, TunerTrial
from backend.db.session import get_sessionmaker
from tests.tuning.conftest import RecordingApp, add_image_project, run_queued
from tests.tuning.test_search_in_process import start

CHANNELS = {"grayscale": 1, "rgb": 3}


def test_an_image_search_runs_trials_over_resolution_colour_and_width(
    sqlite_database_url: str, local_queue: RecordingApp
) -> None:
    with get_sessionmaker()() as session:
        project_id, impulse_id = add_image_project(session)
    search_id = start(project_id, max_trials=3, parallel_trials=1, epochs=2, seed=2)
    run_queued(local_queue)
    with get_sessionmaker()() as session:
        search = session.get(TunerSearch, search_id)
        trials = list(
            session.scalars(
                select(TunerTrial)
                .where(TunerTrial.search_id == search_id)
                .order_by(TunerTrial.number)
            )
        )
        cached = {
            tuple(f.shape)
            for f in session.scalars(select(FeatureSet).where(FeatureSet.impulse_id == impulse_id))
        }
    assert search is not None and search.state == SearchState.done
    assert len(trials) == 3
    assert all(t.state == TrialState.complete for t in trials), [
        (t.state, t.error, t.result) for t in trials
    ]
    baseline, *searched = trials
    assert baseline.config["current_impulse"] is True
    assert baseline.config["dsp"]["params"]["width"] == 24
    for trial in searched:
        params = trial.config["dsp"]["params"]
        assert trial.config["kind"] == "image" and trial.config["dsp"]["type"] == "image"
        assert params["width"] == params["height"] and params["width"] in (32, 48, 64, 96)
        assert trial.config["network"]["family"] == "mobilenet"
        # The trial's features are of its own size and colour mode, not the impulse's.
        assert (params["height"], params["width"], CHANNELS[params["color_mode"]]) in cached
    for trial in trials:
        result = trial.result or {}
        assert 0.0 <= result["int8"]["accuracy"] <= 1.0
        assert result["cost"]["latency_ms"] > 0 and result["cost"]["ram_bytes"] > 0
        assert result["fits"] is True
    # The configurations differ: the search explored the image space, not one point.
    assert (
        len({str(t.config["dsp"]["params"]) + t.config["network"]["description"] for t in trials})
        == 3
    )
