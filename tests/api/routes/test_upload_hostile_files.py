"""Issue 13 over HTTP: the files that made the server answer 500 (and store the sample anyway,
or drop the valid files of the same upload), and the answers that named the wrong problem.

Every bad file here is uploaded beside a valid one: the bad one gets its own rejection naming
the file and the rule, the valid one is stored (207), and nothing else is stored.
"""

from __future__ import annotations

import json

import cbor2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.app import unstorable_value_detail
from backend.db.models import Sample, SampleData
from backend.db.session import get_sessionmaker
from backend.ingest import encode_acquisition_json
from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import wav_bytes

RULE = "between 0.001 ms and 1000000 ms (a rate between 0.001 Hz and 1 MHz)"


def _acquisition(**payload: object) -> dict:
    obj = json.loads(encode_acquisition_json([1.0, 2.0, 3.0], interval_ms=10, sensors=["x"]))
    obj["payload"].update(payload)
    return obj


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


def _upload_beside_a_valid_file(
    client: TestClient, rng: np.random.Generator, name: str, data: bytes
) -> str:
    """Upload `name` and a valid WAV; assert the WAV alone is stored; return name's error."""
    project = create_project(client, f"p-{name}")
    before = stored_counts()
    response = upload(client, project["id"], [("good.1.wav", wav_bytes(rng)), (name, data)])
    assert response.status_code == 207, response.text
    body = response.json()
    assert [sample["filename"] for sample in body["accepted"]] == ["good.1.wav"]
    assert [rejection["filename"] for rejection in body["rejected"]] == [name]
    assert stored_counts() == (before[0] + 1, before[1] + 1)
    error: str = body["rejected"][0]["error"]
    assert name in error and len(error) < 500
    return error


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("c.1.csv", b"# interval_ms=1e308\nx\n1\n2\n"),
        ("c.2.csv", b"# interval_ms=1e-320\nx\n1\n2\n"),
        ("c.3.csv", b"timestamp,x\n0,1\n1e306,2\n"),
        ("j.1.json", _json(_acquisition(interval_ms=1e308))),
        ("j.2.json", _json(_acquisition(interval_ms=5e-324))),
        ("j.3.json", _json(_acquisition(interval_ms=10**400))),
        ("j.4.cbor", cbor2.dumps(_acquisition(interval_ms=1e308))),
    ],
)
def test_intervals_outside_the_valid_range_are_rejected_not_stored(
    client: TestClient, rng: np.random.Generator, name: str, data: bytes
) -> None:
    error = _upload_beside_a_valid_file(client, rng, name, data)
    assert RULE in error and "interval" in error
    assert "ids are at most" not in error


def test_json_nested_10000_levels_loses_only_itself(
    client: TestClient, rng: np.random.Generator
) -> None:
    data = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    assert "nested too deeply" in _upload_beside_a_valid_file(client, rng, "deep.1.json", data)


def test_a_100_kb_cbor_bignum_loses_only_itself(
    client: TestClient, rng: np.random.Generator
) -> None:
    bignum = 1 << (8 * 100_000)
    for name, obj in [
        ("big.1.cbor", _acquisition(values=[1.0, bignum, 3.0])),
        ("big.2.cbor", _acquisition(interval_ms=bignum)),
    ]:
        error = _upload_beside_a_valid_file(client, rng, name, cbor2.dumps(obj))
        assert "an integer of about 240" in error


@pytest.mark.parametrize("field", ["device_name", "device_type"])
def test_nul_in_a_device_field_is_named(
    client: TestClient, rng: np.random.Generator, field: str
) -> None:
    error = _upload_beside_a_valid_file(
        client, rng, "nul.1.json", _json(_acquisition(**{field: "dev\x001"}))
    )
    assert f"payload.{field}" in error and "NUL character" in error
    assert "ids are at most" not in error


def test_an_image_error_says_what_is_wrong(client: TestClient, rng: np.random.Generator) -> None:
    project = create_project(client, "images")
    response = upload(client, project["id"], [("bad.1.png", b"\x89PNG\r\n\x1a\ngarbage")])
    assert response.status_code == 422
    error = response.json()["rejected"][0]["error"]
    assert "PNG" in error and "object at 0x" not in error
    assert stored_counts() == (0, 0)


def _store_directly(project_id: int, interval_ms: float | None, rate_hz: float | None) -> None:
    """A sample as uploads stored it before they checked the interval."""
    with get_sessionmaker()() as session:
        session.add(
            Sample(
                project_id=project_id,
                filename="old.1.json",
                label="old",
                category="training",
                kind="timeseries",
                source_format="json",
                axes=[{"name": "x", "units": ""}],
                shape=[5, 1],
                interval_ms=interval_ms,
                sample_rate_hz=rate_hz,
                length=5,
                duration_ms=None,
                content_hash="0" * 64,
                data=SampleData(values=b"\0" * 20),
            )
        )
        session.commit()


@pytest.mark.parametrize(
    ("interval_ms", "rate_hz"), [(1e308, 1e-305), (5e-324, float("inf")), (0.0, 0.0)]
)
def test_impulse_design_refuses_data_stored_with_an_invalid_rate(
    client: TestClient, interval_ms: float, rate_hz: float
) -> None:
    project = create_project(client, "old data")
    _store_directly(project["id"], interval_ms, rate_hz)
    body = {"input_block": {}, "dsp_blocks": [{"id": 1, "type": "spectral"}]}
    for input_block in ({}, {"frequency_hz": 100}):
        body["input_block"] = input_block
        response = client.post(f"/api/projects/{project['id']}/impulses", json=body)
        assert response.status_code == 422, response.text
        problems = response.json()["detail"]
        assert problems[0]["loc"] == ["body", "input_block", "frequency_hz"]
        assert (
            "'old.1.json'" in problems[0]["msg"] and "outside the valid range" in problems[0]["msg"]
        )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), "NUL character"),
        (OverflowError("Python int too large to convert to SQLite INTEGER"), "ids are at most"),
        (ValueError("integer out of range"), "ids are at most"),
        (OverflowError("int too large to convert to float"), "too large to be handled"),
        (ValueError("value too long for type character varying(255)"), "longer than"),
    ],
)
def test_the_last_line_error_texts_name_the_actual_problem(error: Exception, expected: str) -> None:
    detail = unstorable_value_detail(error)
    assert expected in detail
    if expected != "ids are at most":
        assert "ids" not in detail


def test_nul_and_control_characters_in_any_stored_text_are_refused(
    client: TestClient, rng: np.random.Generator
) -> None:
    """The same answer on SQLite (which would store NUL) and PostgreSQL (which refuses it)."""
    project = create_project(client, "texts")
    base = f"/api/projects/{project['id']}"
    attempts = [
        ("post", "/api/projects", {"name": "p", "description": "a\x00b"}, "NUL character"),
        ("patch", base, {"hmac_key": "k\x00"}, "NUL character"),
        ("patch", base, {"description": "a\ud800"}, "lone surrogate"),
        ("post", f"{base}/api-keys", {"name": "key\x00", "scope": "ingestion"}, "NUL"),
        ("post", "/api/users/me/tokens", {"name": "ci\x1b[31m"}, "control character"),
        ("post", f"{base}/impulses", {"name": "imp\x00"}, "NUL character"),
    ]
    for method, url, body, expected in attempts:
        # json.dumps escapes a lone surrogate ("\\ud800"), which httpx's encoder cannot send.
        response = client.request(
            method, url, content=json.dumps(body), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (url, response.text)
        assert expected in response.text, response.text
    assert client.get(base).json()["description"] == ""
    # Tabs and new lines are text in a description, not control characters to refuse.
    response = client.patch(base, json={"description": "line 1\n\tline 2"})
    assert response.status_code == 200 and response.json()["description"] == "line 1\n\tline 2"

    response = upload(client, project["id"], [("a.1.wav", wav_bytes(rng))], label="yes\x00")
    assert response.status_code == 422 and "control characters" in response.text
    assert stored_counts() == (0, 0)
