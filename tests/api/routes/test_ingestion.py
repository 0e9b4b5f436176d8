"""The routes compatible with Edge Impulse's ingestion service: the requests its documentation
shows (curl examples, the minimal multipart request) built byte for byte, signed and unsigned,
JSON and CBOR, multipart, duplicates, and every refusal leaving nothing stored."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import cbor2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.api.routes.ingestion import ingestion_limiter
from backend.settings import settings
from tests.utils.api import create_project, stored_counts
from tests.utils.files import acquisition_json

HMAC_KEY = "the project's hmac key"

# The data acquisition format's example in Edge Impulse's documentation ("Data acquisition
# format"), sent by its curl example: x-file-name idle.01, x-label idle, application/json.
DOCUMENTED_PAYLOAD: dict[str, Any] = {
    "device_name": "ac:87:a3:0a:2d:1b",
    "device_type": "DISCO-L475VG-IOT01A",
    "interval_ms": 10,
    "sensors": [
        {"name": "accX", "units": "m/s2"},
        {"name": "accY", "units": "m/s2"},
        {"name": "accZ", "units": "m/s2"},
    ],
    "values": [
        [-9.81, 0.03, 1.21],
        [-9.83, 0.04, 1.27],
        [-9.12, 0.03, 1.23],
        [-9.14, 0.01, 1.25],
    ],
}

# The start of the minimal request to /api/training/files in the ingestion API's documentation:
# a multipart body whose "data" part is test.cbor, an unsigned CBOR message from a Nordic nRF91.
DOCUMENTED_BOUNDARY = "999e13bfdfc8bcc05b97f4784410806e"
DOCUMENTED_MULTIPART_PREFIX = (
    b"--999e13bfdfc8bcc05b97f4784410806e\r\n"
    b'Content-Disposition: form-data; name="data"; filename="test.cbor"\r\n'
    b"Content-Type: application/cbor\r\n\r\n"
    b"\xa3gpayload\xa5kdevice_nameq11:22:33:44:55:66kdevice_typelNORDIC_NRF91"
    b"kinterval_ms\xfb@4\x00\x00\x00\x00\x00\x00gsensors\x83\xa2dnamedaccXeunitsdm/s2"
    b"\xa2dnamedaccYeunitsdm/s2\xa2dnamedaccZeunitsdm/s2fvalues\x82\x83"
    b"\xfb?\xc4\xd3\xb6\xc0\x00\x00\x00\xfb\xbf\xe9\xbaE\x00\x00\x00\x00\xfb@#\xa8\xd0`\x00\x00"
)


def documented_json(*, hmac_key: str | None = None, alg: str = "HS256") -> bytes:
    """The documented message as a device writes it: signature zeros, then (when signed) the
    HMAC-SHA256 of those bytes patched in."""
    message = {
        "protected": {"ver": "v1", "alg": alg, "iat": 1564128599},
        "signature": "0" * 64,
        "payload": DOCUMENTED_PAYLOAD,
    }
    encoded = json.dumps(message, indent=4).encode()
    if hmac_key is None:
        return encoded
    signature = hmac.new(hmac_key.encode(), encoded, hashlib.sha256).hexdigest()
    return encoded.replace(b"0" * 64, signature.encode(), 1)


def documented_cbor() -> bytes:
    message = {
        "payload": {
            "device_name": "11:22:33:44:55:66",
            "device_type": "NORDIC_NRF91",
            "interval_ms": 20.0,
            "sensors": [{"name": axis, "units": "m/s2"} for axis in ("accX", "accY", "accZ")],
            "values": [
                [0.1627109944820404, -0.803987979888916, 9.82971477508545],
                [0.1632, -0.8011, 9.8102],
            ],
        },
        "protected": {"ver": "v1", "alg": "none", "iat": 1578490000},
        "signature": "0" * 64,
    }
    return bytes(cbor2.dumps(message))


def documented_multipart() -> tuple[bytes, dict[str, str]]:
    body = (
        (
            f"--{DOCUMENTED_BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="data"; filename="test.cbor"\r\n'
            "Content-Type: application/cbor\r\n\r\n"
        ).encode()
        + documented_cbor()
        + f"\r\n--{DOCUMENTED_BOUNDARY}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={DOCUMENTED_BOUNDARY}"}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    ingestion_limiter.clear()
    yield
    ingestion_limiter.clear()


def _key(client: TestClient, project_id: int, scope: str = "ingestion") -> str:
    response = client.post(
        f"/api/projects/{project_id}/api-keys", json={"name": "firmware", "scope": scope}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.fixture
def device(client: TestClient) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A client with nothing but the ingestion key of a fresh project (like firmware)."""
    project = create_project(client, "motion")
    key = _key(client, project["id"])
    with TestClient(client.app) as firmware:
        firmware.headers["x-api-key"] = key
        yield firmware, project


def _samples(client: TestClient, project_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/projects/{project_id}/samples")
    assert response.status_code == 200
    return list(response.json()["data"])


def test_the_documented_curl_request_is_stored_and_answered_with_the_file_name(
    client: TestClient, device: tuple[TestClient, dict[str, Any]]
) -> None:
    firmware, project = device
    response = firmware.post(
        "/api/training/data",
        content=documented_json(),
        headers={"x-file-name": "idle.01", "x-label": "idle", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "idle.01.json"
    [sample] = _samples(client, project["id"])
    assert (sample["label"], sample["category"], sample["filename"]) == (
        "idle",
        "training",
        "idle.01.json",
    )
    assert [axis["name"] for axis in sample["axes"]] == ["accX", "accY", "accZ"]
    assert sample["interval_ms"] == 10 and sample["length"] == 4
    values = client.get(f"/api/projects/{project['id']}/samples/{sample['id']}/data").json()
    assert np.allclose(values["axes"][0]["values"], [-9.81, -9.83, -9.12, -9.14])


def test_signed_messages_verify_against_the_projects_hmac_key(client: TestClient) -> None:
    project = create_project(client, "signed", hmac_key=HMAC_KEY)
    with TestClient(client.app) as firmware:
        firmware.headers["x-api-key"] = _key(client, project["id"])
        headers = {"x-file-name": "idle.01", "Content-Type": "application/json"}
        good = firmware.post(
            "/api/training/data", content=documented_json(hmac_key=HMAC_KEY), headers=headers
        )
        assert good.status_code == 200, good.text
        before = stored_counts()
        forged = firmware.post(
            "/api/training/data",
            content=documented_json(hmac_key="another key").replace(b"-9.81", b"-1.81"),
            headers={**headers, "x-file-name": "forged"},
        )
        assert forged.status_code == 400
        assert "signature does not match" in forged.text
        unsigned = firmware.post(
            "/api/training/data", content=documented_json(alg="none"), headers=headers
        )
        assert unsigned.status_code == 400 and "unsigned" in unsigned.text
        assert stored_counts() == before
    assert [s["filename"] for s in _samples(client, project["id"])] == ["idle.01.json"]


def test_cbor_goes_to_testing_and_anomaly_data_to_testing_labelled_anomaly(
    client: TestClient, device: tuple[TestClient, dict[str, Any]]
) -> None:
    firmware, project = device
    cbor_headers = {"x-file-name": "walk.7", "x-label": "walk", "Content-Type": "application/cbor"}
    response = firmware.post("/api/testing/data", content=documented_cbor(), headers=cbor_headers)
    assert response.status_code == 200, response.text
    assert response.text == "walk.7.cbor"
    flagged = firmware.post(
        "/api/anomaly/data",
        content=documented_cbor(),
        headers={"x-file-name": "field.3", "Content-Type": "application/cbor"},
    )
    assert flagged.status_code == 200, flagged.text
    by_name = {s["filename"]: s for s in _samples(client, project["id"])}
    assert (by_name["walk.7.cbor"]["category"], by_name["walk.7.cbor"]["label"]) == (
        "testing",
        "walk",
    )
    assert (by_name["field.3.cbor"]["category"], by_name["field.3.cbor"]["label"]) == (
        "testing",
        "anomaly",
    )


def test_the_documented_minimal_multipart_request_is_answered_with_success_and_files(
    client: TestClient, device: tuple[TestClient, dict[str, Any]]
) -> None:
    firmware, project = device
    body, headers = documented_multipart()
    assert body.startswith(DOCUMENTED_MULTIPART_PREFIX)  # the bytes the documentation shows
    response = firmware.post("/api/training/files", content=body, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["success"] is True
    [stored] = answer["files"]
    assert stored["success"] is True and stored["fileName"] == "test.cbor"
    [sample] = _samples(client, project["id"])
    assert sample["id"] == stored["sampleId"]
    assert (sample["label"], sample["interval_ms"], sample["length"]) == ("test", 20, 2)
    assert sample["device_name"] == "11:22:33:44:55:66"


def test_multipart_files_are_judged_one_by_one(
    client: TestClient, device: tuple[TestClient, dict[str, Any]], rng: np.random.Generator
) -> None:
    firmware, project = device
    response = firmware.post(
        "/api/training/files",
        files=[
            ("data", ("up.1.json", acquisition_json(rng, rows=8))),
            ("data", ("broken.json", b"{not json")),
        ],
        headers={"x-label": "up"},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False
    assert [f["success"] for f in answer["files"]] == [True, False]
    assert "broken.json" in answer["files"][1]["error"]
    assert [s["label"] for s in _samples(client, project["id"])] == ["up"]
    refused = firmware.post("/api/training/files", files=[("data", ("broken.json", b"{not json"))])
    assert refused.status_code == 400 and refused.json()["success"] is False
    wrong_field = firmware.post(
        "/api/training/files", files=[("files", ("x.json", acquisition_json(rng)))]
    )
    assert wrong_field.status_code == 400 and '"data"' in wrong_field.text
    assert len(_samples(client, project["id"])) == 1


def test_duplicates_are_stored_unless_disallowed(
    client: TestClient, device: tuple[TestClient, dict[str, Any]]
) -> None:
    firmware, project = device
    headers = {"x-file-name": "idle.01", "Content-Type": "application/json"}
    for _ in range(2):
        assert (
            firmware.post(
                "/api/training/data", content=documented_json(), headers=headers
            ).status_code
            == 200
        )
    assert len(_samples(client, project["id"])) == 2
    refused = firmware.post(
        "/api/training/data",
        content=documented_json(),
        headers={**headers, "x-disallow-duplicates": "1"},
    )
    assert refused.status_code == 400
    assert "same content" in refused.text
    assert len(_samples(client, project["id"])) == 2


def test_date_id_and_no_label_headers(
    client: TestClient, device: tuple[TestClient, dict[str, Any]]
) -> None:
    firmware, project = device
    response = firmware.post(
        "/api/training/data",
        content=documented_json(),
        headers={
            "x-file-name": "idle",
            "x-add-date-id": "1",
            "x-no-label": "1",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.text
    assert response.text.startswith("idle.") and response.text.endswith(".json")
    assert response.text != "idle.json"
    [sample] = _samples(client, project["id"])
    assert sample["filename"] == response.text and sample["label"] == "unlabeled"


@pytest.mark.parametrize(
    ("headers", "status", "says"),
    [
        ({}, 401, "x-api-key"),
        ({"x-api-key": "mfk_not-a-key"}, 401, "unknown"),
    ],
)
def test_missing_or_wrong_key_is_401_in_text(
    client: TestClient, headers: dict[str, str], status: int, says: str
) -> None:
    create_project(client)
    with TestClient(client.app) as stranger:
        response = stranger.post(
            "/api/training/data",
            content=documented_json(),
            headers={**headers, "x-file-name": "a", "Content-Type": "application/json"},
        )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert says in response.text
    assert stored_counts() == (0, 0)


def test_keys_without_ingest_and_signed_in_users_are_refused(client: TestClient) -> None:
    project = create_project(client)
    read_only = _key(client, project["id"], "read-only")
    headers = {"x-file-name": "a", "Content-Type": "application/json"}
    with TestClient(client.app) as reader:
        reader.headers["x-api-key"] = read_only
        response = reader.post("/api/training/data", content=documented_json(), headers=headers)
        assert response.status_code == 403 and "ingest" in response.text
    signed_in = client.post("/api/training/data", content=documented_json(), headers=headers)
    assert signed_in.status_code == 403 and "x-api-key" in signed_in.text
    assert stored_counts() == (0, 0)


def test_bad_bodies_and_missing_file_name_store_nothing(
    device: tuple[TestClient, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    firmware, _project = device
    json_type = {"Content-Type": "application/json"}
    no_name = firmware.post("/api/training/data", content=documented_json(), headers=json_type)
    assert no_name.status_code == 421 and "x-file-name" in no_name.text
    bad_json = firmware.post(
        "/api/training/data", content=b'{"protected": {', headers={**json_type, "x-file-name": "a"}
    )
    assert bad_json.status_code == 400 and "a.json" in bad_json.text
    missing_payload = firmware.post(
        "/api/training/data",
        content=json.dumps(
            {"protected": {"ver": "v1", "alg": "none"}, "signature": "0" * 64}
        ).encode(),
        headers={**json_type, "x-file-name": "a"},
    )
    assert missing_payload.status_code == 400 and "payload" in missing_payload.text
    odd_type = firmware.post(
        "/api/training/data",
        content=b"1,2,3",
        headers={"Content-Type": "text/plain", "x-file-name": "a"},
    )
    assert odd_type.status_code == 400 and "application/json" in odd_type.text
    empty = firmware.post(
        "/api/training/data", content=b"", headers={**json_type, "x-file-name": "a"}
    )
    assert empty.status_code == 400 and "empty" in empty.text
    monkeypatch.setattr(settings, "max_upload_file_bytes", 200)
    oversized = firmware.post(
        "/api/training/data", content=documented_json(), headers={**json_type, "x-file-name": "a"}
    )
    assert oversized.status_code == 413 and "MCUFORGE_MAX_UPLOAD_FILE_BYTES" in oversized.text
    assert stored_counts() == (0, 0)


def test_requests_past_the_rate_limit_are_429_with_retry_after(
    device: tuple[TestClient, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    firmware, _project = device
    monkeypatch.setattr(settings, "ingestion_requests_per_minute", 2)
    headers = {"x-file-name": "idle.01", "Content-Type": "application/json"}
    answers = [
        firmware.post("/api/training/data", content=documented_json(), headers=headers)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60
    assert "MCUFORGE_INGESTION_REQUESTS_PER_MINUTE" in answers[2].text
    assert stored_counts()[0] == 2


def test_an_oversized_multipart_request_is_413_and_stores_nothing(
    device: tuple[TestClient, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    rng: np.random.Generator,
) -> None:
    firmware, _project = device
    monkeypatch.setattr(settings, "max_upload_request_bytes", 4096)
    response = firmware.post(
        "/api/training/files",
        files=[("data", (f"up.{i}.json", acquisition_json(rng, rows=40))) for i in range(4)],
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/plain")
    assert "4096 bytes" in response.text
    assert stored_counts() == (0, 0)
