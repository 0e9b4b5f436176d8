"""Two uploads of the same content at the same moment (issue 13): duplicate detection is a check
before the insert, so both used to pass it and both were stored. The unique index on
(project_id, dedupe_key) lets one commit; the other gets the same rejection a detected duplicate
gets, and its other files are still stored."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.services import uploads
from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import wav_bytes


@pytest.fixture
def checks_meet() -> Iterator[None]:
    """The first two duplicate checks wait for each other, so that both uploads have checked
    before either commits: the race, every time."""
    barrier = threading.Barrier(2, timeout=20)
    calls = itertools.count()
    original = uploads._existing_duplicate

    def check_then_wait(*args):  # type: ignore[no-untyped-def]
        found = original(*args)
        if next(calls) < 2:
            barrier.wait()
        return found

    uploads._existing_duplicate = check_then_wait  # type: ignore[assignment]
    try:
        yield
    finally:
        uploads._existing_duplicate = original  # type: ignore[assignment]


def _at_once(client: TestClient, project_id: int, uploads_files, **form):  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(upload, client, project_id, files, **form) for files in uploads_files
        ]
        return [future.result(timeout=60) for future in futures]


def test_simultaneous_uploads_of_the_same_content_store_it_once(
    client: TestClient, rng: np.random.Generator, checks_meet: None
) -> None:
    project = create_project(client, "race")
    shared = wav_bytes(rng)
    first, second = _at_once(
        client,
        project["id"],
        [
            [("same.a.wav", shared), ("own.a.wav", wav_bytes(rng))],
            [("same.b.wav", shared), ("own.b.wav", wav_bytes(rng))],
        ],
    )
    assert sorted([first.status_code, second.status_code]) == [201, 207], (first.text, second.text)
    winner, loser = (first, second) if first.status_code == 201 else (second, first)
    assert len(winner.json()["accepted"]) == 2
    body = loser.json()
    assert [sample["filename"] for sample in body["accepted"]] == [
        name
        for name in ("own.a.wav", "own.b.wav")
        if name in loser.request.content.decode("latin-1")
    ]
    (rejection,) = body["rejected"]
    stored_twin = next(s for s in winner.json()["accepted"] if s["filename"].startswith("same"))
    assert rejection["filename"].startswith("same")
    assert (
        f'same content as sample {stored_twin["id"]} ("{stored_twin["filename"]}")'
        in (rejection["error"])
    )
    assert stored_counts() == (3, 3)
    listed = client.get(f"/api/projects/{project['id']}/samples").json()
    assert listed["count"] == 3


def test_a_lone_duplicate_that_loses_the_race_is_a_422(
    client: TestClient, rng: np.random.Generator, checks_meet: None
) -> None:
    project = create_project(client, "race")
    clip = wav_bytes(rng)
    responses = _at_once(client, project["id"], [[("x.1.wav", clip)], [("x.2.wav", clip)]])
    assert sorted(r.status_code for r in responses) == [201, 422]
    loser = next(r for r in responses if r.status_code == 422)
    assert "same content as sample" in loser.json()["rejected"][0]["error"]
    assert stored_counts() == (1, 1)


def test_duplicates_allowed_on_request_are_both_stored(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "allowed")
    clip = wav_bytes(rng)
    assert upload(client, project["id"], [("x.0.wav", clip)]).status_code == 201
    responses = _at_once(
        client, project["id"], [[("x.1.wav", clip)], [("x.2.wav", clip)]], allow_duplicates=True
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert stored_counts() == (3, 3)
    # The copies stored on request do not hold the content's key: the first upload still does.
    again = upload(client, project["id"], [("x.3.wav", clip)])
    assert again.status_code == 422 and '("x.0.wav")' in again.json()["rejected"][0]["error"]
