"""GET /api/dsp-blocks: every block with the parameter schema the UI's form is built from."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dsp_blocks.registry import BLOCKS


def test_every_block_is_listed_with_its_parameter_schema(client: TestClient) -> None:
    response = client.get("/api/dsp-blocks")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(BLOCKS) == len(body["data"])
    assert {block["name"] for block in body["data"]} == set(BLOCKS)
    for block in body["data"]:
        assert block["title"] and block["description"]
        assert block["output_kind"] in ("image", "vector")
        assert block["parameters"]["type"] == "object"
        assert block["parameters"]["properties"], block["name"]


def test_mfcc_schema_carries_defaults_ranges_and_descriptions(client: TestClient) -> None:
    blocks = {block["name"]: block for block in client.get("/api/dsp-blocks").json()["data"]}

    properties = blocks["mfcc"]["parameters"]["properties"]
    assert properties["n_coefficients"]["default"] == 13
    assert properties["n_coefficients"]["minimum"] == 1
    assert properties["n_filters"]["default"] == 32
    assert properties["frame_length_s"]["default"] == 0.02
    assert "seconds" in properties["frame_length_s"]["description"]
    assert properties["pre_emphasis"]["default"] == 0.98
    assert blocks["mfcc"]["output_kind"] == "image"
    assert blocks["mfe"]["parameters"]["properties"]["n_filters"]["default"] == 40


def test_the_schema_is_the_block_models_own(client: TestClient) -> None:
    blocks = {block["name"]: block for block in client.get("/api/dsp-blocks").json()["data"]}

    for name, block in BLOCKS.items():
        assert blocks[name]["parameters"] == block.Params.model_json_schema()
