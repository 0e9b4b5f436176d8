"""Peak memory of each bounded path, measured in a process of its own (tests/memory/workloads.py)
against what the path must not grow with: files in an upload, a recording's resampled size,
samples in a project. Sizes are modest so each test takes seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.peak_rss import run_workload

MIB = 1024 * 1024
SIDE = 1024
IMAGE_MIB = SIDE * SIDE * 3 * 4 / MIB  # one image's pixels as stored (float32 RGB): 12 MiB


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, for a workload process to migrate and use."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'memory.db'}"
        return
    from tests.utils.databases import private_postgres_database

    server_url: str = request.getfixturevalue("postgres_url")
    with private_postgres_database(server_url, prefix="mcuforge_memory", migrate=False) as url:
        yield url


def test_ten_images_in_one_upload_add_less_than_two_images_of_memory(
    fresh_database_url: str,
) -> None:
    # Before files were stored one at a time, every parsed image was held to the end of the
    # request: 10 images added about 10 x 12 MiB (236 MiB measured).
    result = run_workload(
        "upload", "--database-url", fresh_database_url, "--files", "10", "--side", str(SIDE)
    )

    assert result["stored"] == 12  # the two of the warm-up and the ten
    growth = result["peak_mib"] - result["peak_after_warm_up_mib"]
    assert growth < 2 * IMAGE_MIB, result


def test_live_classification_of_a_1_hz_recording_is_refused_with_a_small_peak(
    tmp_path: Path,
) -> None:
    # The largest recording the schema takes (1 000 000 values) at 1 Hz into a 16 kHz impulse:
    # 16 000 000 000 values once resampled; it took the API to 10 GB before the limit.
    result = run_workload(
        "classify",
        "--database-url",
        f"sqlite:///{tmp_path / 'memory.db'}",
        "--values",
        "1000000",
        "--frequency-hz",
        "1",
    )

    assert result["status"] == 422, result
    assert "MCUFORGE_MAX_RESAMPLED_VALUES" in result["detail"]
    assert result["peak_mib"] - result["peak_before_mib"] < 100, result


def test_feature_generation_peak_does_not_grow_with_the_number_of_samples(
    tmp_path: Path,
) -> None:
    # One-second clips at 16 kHz, MFE over 500 ms windows every 250 ms: 3 windows of 7.7 kB of
    # features per clip, so the many clips' matrix is 72 MiB (the few's 18 MiB). Both are past
    # EXACT_PCA_MAX_VALUES: below it the exact projection's bounded copies would be the peak.
    clips = {"few": 800, "many": 3200}
    peaks = {}
    for name, count in clips.items():
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        setup = run_workload(
            "feature-project", "--database-url", url, "--clips", str(count), "--dsp-block", "mfe"
        )
        result = run_workload("features", "--database-url", url, "--job-id", str(setup["job_id"]))
        assert result["state"] == "succeeded", result
        peaks[name] = result["peak_mib"]

    # Holding the feature matrix and the database driver's copy of it grew the peak by 180 MiB
    # here. Values are read a page at a time, windows a batch at a time, features go to a file
    # and are stored a chunk at a time. What is left, about 12 MiB here (per-sample metadata and
    # the allocator settling), stops growing: bench/memory.py peaks alike at 4000 and 10000.
    assert peaks["many"] - peaks["few"] < 20, peaks
