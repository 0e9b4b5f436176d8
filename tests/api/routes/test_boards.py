"""GET /api/boards: the board profiles of deploy_targets/boards.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deploy_targets.boards import BOARDS
from tests.utils.api import create_project


def test_the_list_is_the_board_profiles(client: TestClient) -> None:
    response = client.get("/api/boards")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(BOARDS) == len(body["data"])
    assert [board["name"] for board in body["data"]] == list(BOARDS)
    for listed in body["data"]:
        profile = BOARDS[listed["name"]]
        assert listed == {
            "name": profile.name,
            "description": profile.description,
            "core": profile.core,
            "clock_hz": profile.clock_hz,
            "flash_bytes": profile.flash_bytes,
            "ram_bytes": profile.ram_bytes,
            "fpu": profile.fpu,
            "dsp_extension": profile.dsp_extension,
        }
    nano = body["data"][list(BOARDS).index("nano33ble")]
    assert (nano["core"], nano["clock_hz"], nano["ram_bytes"]) == (
        "cortex-m4f",
        64_000_000,
        262_144,
    )
    assert (nano["fpu"], nano["dsp_extension"]) == ("fpv4-sp-d16", True)


def test_every_listed_board_is_one_the_deployment_routes_take(client: TestClient) -> None:
    project = create_project(client, "boards")
    impulse = client.post(
        f"/api/projects/{project['id']}/impulses",
        json={
            "input_block": {"axes": ["audio"], "frequency_hz": 16000, "window_size_ms": 1000},
            "dsp_blocks": [{"id": 1, "type": "mfcc"}],
            "learning_blocks": [{"id": 1, "type": "classifier", "dsp_blocks": [1]}],
        },
    )
    assert impulse.status_code == 201, impulse.text
    url = f"/api/projects/{project['id']}/impulses/{impulse.json()['id']}/deployment/estimates"
    for board in client.get("/api/boards").json()["data"]:
        # The board is checked first: a known one gets as far as "nothing trained" (409).
        response = client.get(url, params={"board": board["name"]})
        assert response.status_code == 409, response.text
        assert "no trained model" in response.json()["detail"]
    unknown = client.get(url, params={"board": "esp32"})
    assert unknown.status_code == 422 and "nano33ble" in unknown.json()["detail"]


def test_anyone_may_read_it_like_the_dsp_block_catalogue(anonymous_client: TestClient) -> None:
    # Anonymous visitors of a public project see its deployment page, which lists these boards.
    response = anonymous_client.get("/api/boards")
    assert response.status_code == 200 and response.json()["count"] == len(BOARDS)
