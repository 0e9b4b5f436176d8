"""Property-based fuzzing of the upload route (issue 13): any file, in any format, beside a valid
one. The answer is 201, 207 or 4xx, never 5xx; what is stored is exactly what the answer lists
as accepted; and the valid file is always stored, whatever its neighbour did.

SQLite only, one project per test: the parsers are the subject (PostgreSQL-specific text rules
are pinned in test_upload_hostile_files.py), and the module must stay quick for CI.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.ingest import encode_acquisition_json
from tests.ingest import strategies
from tests.utils.api import create_project, raw_multipart, stored_counts, upload

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    # The client and project are built once per test and shared by its examples on purpose;
    # each example checks the stored counts it changed.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_content = itertools.count()


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def project_id(client: TestClient) -> int:
    """A time-series project (axes x, y at 100 Hz) that already holds a sample."""
    project = create_project(client, "fuzz")
    assert upload(client, project["id"], [("seed.1.json", _valid_file())]).status_code == 201
    return int(project["id"])


def _valid_file() -> bytes:
    """Fits the project, and has content no other call returned (so it is never a duplicate)."""
    values = np.random.default_rng(next(_content)).normal(size=(8, 2))
    return encode_acquisition_json(values, interval_ms=10, sensors=["x", "y"], label="ok")


def _check_upload(client: TestClient, project_id: int, name: str, data: bytes) -> None:
    before = stored_counts()
    response = upload(client, project_id, [(name, data), ("valid.1.json", _valid_file())])
    assert response.status_code in (201, 207), response.text[:500]
    body = response.json()
    accepted = [sample["filename"] for sample in body["accepted"]]
    rejected = [rejection["filename"] for rejection in body["rejected"]]
    assert "valid.1.json" in accepted
    assert sorted(accepted + rejected) == sorted([name, "valid.1.json"])
    assert (response.status_code == 201) == (rejected == [])
    assert all(0 < len(rejection["error"]) < 1000 for rejection in body["rejected"])
    after = stored_counts()
    assert after == (before[0] + len(accepted), before[1] + len(accepted))


@FUZZ
@given(file=strategies.any_file)
def test_any_file_beside_a_valid_one(
    client: TestClient, project_id: int, file: tuple[str, bytes]
) -> None:
    _check_upload(client, project_id, *file)


@FUZZ
@given(file=strategies.any_file)
def test_any_file_alone_in_an_empty_project(client: TestClient, file: tuple[str, bytes]) -> None:
    """No project data to compare with: only the parsers stand between the file and the
    database (this is how a sample with an interval of 1e308 ms got stored)."""
    name, data = file
    project = create_project(client, f"empty {next(_content)}")
    before = stored_counts()
    response = upload(client, project["id"], [(name, data)])
    assert response.status_code in (201, 422), response.text[:500]
    accepted = response.json()["accepted"]
    assert stored_counts() == (before[0] + len(accepted), before[1] + len(accepted))
    for sample in accepted:
        if sample["kind"] == "timeseries":
            assert 0.001 <= sample["sample_rate_hz"] <= 1e6


@FUZZ
@given(file=strategies.acquisition_files())
def test_acquisition_envelopes_with_odd_fields(
    client: TestClient, project_id: int, file: tuple[str, bytes]
) -> None:
    _check_upload(client, project_id, *file)


@settings(FUZZ, max_examples=60)
@given(
    stem=st.text(strategies.odd_characters | st.sampled_from('/\\."'), max_size=40),
    crlf=st.booleans(),
)
def test_odd_file_names_never_break_the_server(
    client: TestClient, project_id: int, stem: str, crlf: bool
) -> None:
    """A name is sent byte for byte (httpx would escape it); whatever the form parser makes of
    it, the answer is no 5xx and what is stored is what is listed."""
    # A lone surrogate cannot be sent as UTF-8 at all; it arrives as U+FFFD.
    name = stem.encode("utf-8", "surrogatepass").decode("utf-8", "replace") + ".json"
    if crlf:
        name = name.replace(".", "\r\n", 1)
    before = stored_counts()
    body, headers = raw_multipart([(name, _valid_file())])
    response = client.post(f"/api/projects/{project_id}/samples", content=body, headers=headers)
    assert response.status_code < 500, response.text[:500]
    accepted = response.json().get("accepted", []) if response.status_code < 300 else []
    assert stored_counts()[0] == before[0] + len(accepted)
