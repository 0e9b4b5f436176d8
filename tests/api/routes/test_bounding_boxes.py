"""Bounding boxes over HTTP: import from every format, each bad-input rule (nothing stored), the
labelling PUT, the labelling list and the COCO export round trip."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import png_bytes

WIDTH, HEIGHT = 96, 64
BOXES = {
    "a.png": [
        {"label": "cat", "x": 10, "y": 5, "width": 20, "height": 30},
        {"label": "dog", "x": 50, "y": 20, "width": 40, "height": 40},
    ],
    "b.png": [{"label": "dog", "x": 0, "y": 0, "width": 96, "height": 64}],
    "c.png": [],
}


def _images(rng: np.random.Generator) -> list[tuple[str, bytes]]:
    return [(name, png_bytes(rng, size=(WIDTH, HEIGHT))) for name in BOXES]


def _edge_impulse(boxes: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    document = {"version": 1, "type": "bounding-box-labels", "boundingBoxes": boxes}
    return [("bounding_boxes.labels", json.dumps(document).encode())]


def _coco(boxes: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    labels = sorted({box["label"] for entries in boxes.values() for box in entries})
    images, annotations = [], []
    for image_id, (name, entries) in enumerate(boxes.items(), start=1):
        images.append(
            {"id": image_id, "file_name": f"imgs/{name}", "width": WIDTH, "height": HEIGHT}
        )
        for box in entries:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": labels.index(box["label"]) + 7,
                    "bbox": [box["x"], box["y"], box["width"], box["height"]],
                }
            )
    categories = [{"id": i + 7, "name": label} for i, label in enumerate(labels)]
    document = {"images": images, "annotations": annotations, "categories": categories}
    return [("instances.json", json.dumps(document).encode())]


def _voc(boxes: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    files = []
    for name, entries in boxes.items():
        objects = "".join(
            f"<object><name>{b['label']}</name><bndbox><xmin>{b['x']}</xmin><ymin>{b['y']}</ymin>"
            f"<xmax>{b['x'] + b['width']}</xmax><ymax>{b['y'] + b['height']}</ymax></bndbox></object>"
            for b in entries
        )
        xml = (
            f"<annotation><folder>x</folder><filename>{name}</filename><size><width>{WIDTH}</width>"
            f"<height>{HEIGHT}</height><depth>3</depth></size>{objects}</annotation>"
        )
        files.append((name.replace(".png", ".xml"), xml.encode()))
    return files


def _yolo(boxes: dict[str, list[dict]]) -> list[tuple[str, bytes]]:
    classes = ["dog", "cat"]
    files = [("classes.txt", "\n".join(classes).encode())]
    for name, entries in boxes.items():
        lines = [
            f"{classes.index(b['label'])} {(b['x'] + b['width'] / 2) / WIDTH:.6f} "
            f"{(b['y'] + b['height'] / 2) / HEIGHT:.6f} {b['width'] / WIDTH:.6f} {b['height'] / HEIGHT:.6f}"
            for b in entries
        ]
        files.append((name.replace(".png", ".txt"), "\n".join(lines).encode()))
    return files


FORMATS: dict[str, Callable[[dict[str, list[dict]]], list[tuple[str, bytes]]]] = {
    "edge-impulse": _edge_impulse,
    "coco": _coco,
    "voc": _voc,
    "yolo": _yolo,
}


def _import(client: TestClient, project_id: int, files: list[tuple[str, bytes]], **form: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/projects/{project_id}/samples/import",
        files=[("files", (name, data)) for name, data in files],
        data=form,
    )


def _boxes_by_name(samples: list[dict]) -> dict[str, list[dict]]:
    return {s["filename"]: s["bounding_boxes"] for s in samples}


@pytest.mark.parametrize("box_format", sorted(FORMATS))
def test_every_format_imports_the_boxes_in_pixels(
    client: TestClient, rng: np.random.Generator, box_format: str
) -> None:
    project = create_project(client, f"import-{box_format}")
    response = _import(client, project["id"], _images(rng) + FORMATS[box_format](BOXES))
    assert response.status_code == 201, response.text
    accepted = response.json()["accepted"]
    assert _boxes_by_name(accepted) == BOXES
    assert {s["label"] for s in accepted} == {"object_detection"}
    stored = client.get(f"/api/projects/{project['id']}/samples/{accepted[0]['id']}").json()
    assert stored["bounding_boxes"] == BOXES[stored["filename"]]


def _refused(response, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["accepted"] == []
    errors = " | ".join(r["error"] for r in body["rejected"])
    for fragment in fragments:
        assert fragment in errors, errors


BAD_BOX_CASES = {
    "outside": (
        {"label": "cat", "x": 90, "y": 0, "width": 10, "height": 10},
        "outside the 96 x 64",
    ),
    "negative size": (
        {"label": "cat", "x": 10, "y": 0, "width": -5, "height": 10},
        "at least 1 pixel",
    ),
    "empty label": ({"label": " ", "x": 10, "y": 0, "width": 5, "height": 10}, "label"),
}


# An empty label only exists in Edge Impulse's format: COCO labels are categories and VOC's an
# element, whose absence the malformed-file tests cover.
BAD_BOX_IMPORTS = [
    (box_format, case)
    for box_format in ("edge-impulse", "coco", "voc")
    for case in sorted(BAD_BOX_CASES)
    if box_format == "edge-impulse" or case != "empty label"
]


@pytest.mark.parametrize("box_format, case", BAD_BOX_IMPORTS)
def test_a_bad_box_refuses_the_whole_import_naming_file_and_box(
    client: TestClient, rng: np.random.Generator, box_format: str, case: str
) -> None:
    project = create_project(client, "bad-box")
    bad_box, message = BAD_BOX_CASES[case]
    boxes = {**BOXES, "b.png": [BOXES["b.png"][0], bad_box]}
    before = stored_counts()
    response = _import(client, project["id"], _images(rng) + FORMATS[box_format](boxes))
    _refused(response, "b.png", message)
    error = response.json()["rejected"][0]["error"]
    assert ("box 2" in error) or ("annotation 4" in error) or ("object 2" in error), error
    assert stored_counts() == before


def test_yolo_rules_unknown_class_and_values_outside_0_1(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "yolo-bad")
    before = stored_counts()
    files = _images(rng) + [
        ("classes.txt", b"dog\ncat\n"),
        ("a.txt", b"0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.1 0.1\n"),
    ]
    _refused(
        _import(client, project["id"], files),
        "a.txt",
        "line 2 (box 2)",
        "class 2 is not in the classes file",
    )
    files = _images(rng) + [("classes.txt", b"dog\n"), ("a.txt", b"0 0.5 0.5 1.5 0.2\n")]
    _refused(_import(client, project["id"], files), "a.txt", "from 0 to 1")
    files = _images(rng) + [("a.txt", b"0 0.5 0.5 0.2 0.2\n")]
    _refused(_import(client, project["id"], files), "classes file")
    files = _images(rng) + [("classes.txt", b"dog\n"), ("a.txt", b"0 0.9 0.5 0.5 0.2\n")]
    _refused(_import(client, project["id"], files), "a.txt", "box 1", "outside the 96 x 64")
    assert stored_counts() == before


def test_unknown_image_names_and_malformed_files_are_refused(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "bad-files")
    before = stored_counts()
    boxes = {**BOXES, "missing.png": [{"label": "cat", "x": 1, "y": 1, "width": 2, "height": 2}]}
    _refused(
        _import(client, project["id"], _images(rng) + _edge_impulse(boxes)),
        "bounding_boxes.labels",
        '"missing.png"',
        "not in this upload",
    )
    _refused(
        _import(client, project["id"], _images(rng) + [("instances.json", b"{not json")]),
        "instances.json",
        "not valid JSON",
    )
    _refused(
        _import(client, project["id"], _images(rng) + [("instances.json", b'{"images": []}')]),
        "not a COCO file",
    )
    _refused(
        _import(client, project["id"], _images(rng) + [("a.xml", b"<annotation><filename>a.png")]),
        "a.xml",
        "not valid XML",
    )
    coco = json.loads(_coco(BOXES)[0][1])
    coco["annotations"][0]["category_id"] = 99
    _refused(
        _import(client, project["id"], _images(rng) + [("i.json", json.dumps(coco).encode())]),
        "i.json",
        "category_id 99",
    )
    coco = json.loads(_coco(BOXES)[0][1])
    coco["categories"][0]["name"] = ""
    _refused(
        _import(client, project["id"], _images(rng) + [("i.json", json.dumps(coco).encode())]),
        "i.json",
        "category 7: the label is empty",
    )
    voc = _voc({"a.png": [{"label": "", "x": 1, "y": 1, "width": 2, "height": 2}]})
    _refused(
        _import(client, project["id"], _images(rng) + voc), "a.xml", "object 1", "<name> is missing"
    )
    coco = json.loads(_coco(BOXES)[0][1])
    coco["images"][0]["width"] = 200
    _refused(
        _import(client, project["id"], _images(rng) + [("i.json", json.dumps(coco).encode())]),
        "i.json",
        "the annotations say 200 x 64",
    )
    _refused(
        _import(client, project["id"], _images(rng) + [("notes.md", b"hello")]),
        "notes.md",
        "not an image",
    )
    both = _images(rng) + _edge_impulse(BOXES) + _coco(BOXES)
    _refused(_import(client, project["id"], both), "one format")
    assert stored_counts() == before


def test_xml_entity_bombs_are_refused_before_expansion(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "xml-bomb")
    entities = "".join(
        f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, 30)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE annotation [<!ENTITY e0 "boom">{entities}]>'
        "<annotation><filename>&e29;</filename></annotation>"
    ).encode()
    external = (
        b'<?xml version="1.0"?><!DOCTYPE annotation [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<annotation><filename>&x;</filename></annotation>"
    )
    before = stored_counts()
    _refused(
        _import(client, project["id"], _images(rng) + [("a.xml", bomb)]), "a.xml", "DTD or entities"
    )
    _refused(
        _import(client, project["id"], _images(rng) + [("a.xml", external)]),
        "a.xml",
        "DTD or entities",
    )
    assert stored_counts() == before


def test_a_bad_image_in_an_import_stores_nothing(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "bad-image")
    before = stored_counts()
    files = [
        ("a.png", png_bytes(rng, size=(WIDTH, HEIGHT))),
        ("b.png", b"not a png"),
        ("c.png", png_bytes(rng, size=(WIDTH, HEIGHT))),
    ]
    _refused(_import(client, project["id"], files + _edge_impulse(BOXES)), "b.png")
    assert stored_counts() == before


def test_import_refuses_label_fields_and_requests_without_annotations(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "import-form")
    response = _import(client, project["id"], _images(rng) + _edge_impulse(BOXES), label="cat")
    assert response.status_code == 422 and "annotation file" in response.json()["detail"]
    response = _import(client, project["id"], _images(rng))
    assert response.status_code == 422 and "annotation file" in response.json()["detail"]
    assert stored_counts() == (0, 0)


def _one_image(
    client: TestClient, rng: np.random.Generator, name: str = "shot.1.png"
) -> tuple[dict, dict]:
    project = create_project(client, "label")
    response = upload(client, project["id"], [(name, png_bytes(rng, size=(WIDTH, HEIGHT)))])
    assert response.status_code == 201, response.text
    return project, response.json()["accepted"][0]


def test_put_replaces_the_boxes_with_the_same_rules(
    client: TestClient, rng: np.random.Generator
) -> None:
    project, sample = _one_image(client, rng)
    assert sample["bounding_boxes"] == [] and sample["label"] == "shot"
    url = f"/api/projects/{project['id']}/samples/{sample['id']}/bounding_boxes"
    boxes = [{"label": "bee", "x": 1, "y": 2, "width": 3, "height": 4}]
    response = client.put(url, json={"bounding_boxes": boxes})
    assert response.status_code == 200, response.text
    assert response.json()["bounding_boxes"] == boxes
    assert response.json()["label"] == "object_detection"
    outside = [*boxes, {"label": "bee", "x": 90, "y": 2, "width": 10, "height": 4}]
    response = client.put(url, json={"bounding_boxes": outside})
    assert response.status_code == 422
    assert (
        "box 2 ('bee')" in response.json()["detail"]
        and "outside the 96 x 64" in response.json()["detail"]
    )
    response = client.put(url, json={"bounding_boxes": [{**boxes[0], "width": 0}]})
    assert response.status_code == 422 and "at least 1 pixel" in response.json()["detail"]
    response = client.put(url, json={"bounding_boxes": [{**boxes[0], "x": "1"}]})
    assert response.status_code == 422
    stored = client.get(f"/api/projects/{project['id']}/samples/{sample['id']}").json()
    assert stored["bounding_boxes"] == boxes
    response = client.put(url, json={"bounding_boxes": []})
    assert response.status_code == 200 and response.json()["bounding_boxes"] == []


def test_put_on_a_time_series_is_refused(client: TestClient) -> None:
    from tests.utils.files import csv_bytes

    project = create_project(client, "series")
    sample = upload(
        client, project["id"], [("walk.1.csv", csv_bytes(np.random.default_rng(1)))]
    ).json()["accepted"][0]
    response = client.put(
        f"/api/projects/{project['id']}/samples/{sample['id']}/bounding_boxes",
        json={"bounding_boxes": []},
    )
    assert response.status_code == 422 and "time series" in response.json()["detail"]


def test_a_viewer_may_read_but_not_label(
    client: TestClient, new_client: Callable[[str], TestClient], rng: np.random.Generator
) -> None:
    project, sample = _one_image(client, rng)
    viewer = new_client("vera")
    response = client.post(
        f"/api/projects/{project['id']}/members", json={"user": "vera", "role": "viewer"}
    )
    assert response.status_code in (200, 201), response.text
    url = f"/api/projects/{project['id']}/samples/{sample['id']}/bounding_boxes"
    boxes = [{"label": "bee", "x": 1, "y": 2, "width": 3, "height": 4}]
    response = viewer.put(url, json={"bounding_boxes": boxes})
    assert response.status_code == 403
    assert viewer.get(f"/api/projects/{project['id']}/samples/images").status_code == 200
    assert (
        client.get(f"/api/projects/{project['id']}/samples/{sample['id']}").json()["bounding_boxes"]
        == []
    )


def test_images_list_puts_unlabelled_first(client: TestClient, rng: np.random.Generator) -> None:
    project = create_project(client, "queue")
    files = [(f"img{i}.png", png_bytes(rng, size=(WIDTH, HEIGHT))) for i in range(4)]
    ids = [s["id"] for s in upload(client, project["id"], files).json()["accepted"]]
    box = [{"label": "bee", "x": 1, "y": 2, "width": 3, "height": 4}]
    for sample_id in ids[:2]:
        client.put(
            f"/api/projects/{project['id']}/samples/{sample_id}/bounding_boxes",
            json={"bounding_boxes": box},
        )
    listed = client.get(f"/api/projects/{project['id']}/samples/images").json()
    assert [s["id"] for s in listed["data"]] == ids[2:] + ids[:2] and listed["count"] == 4
    unlabelled = client.get(
        f"/api/projects/{project['id']}/samples/images", params={"unlabelled": "true"}
    ).json()
    assert [s["id"] for s in unlabelled["data"]] == ids[2:] and unlabelled["count"] == 2


@pytest.mark.parametrize("box_format", ["edge-impulse", "yolo"])
def test_export_then_import_gives_the_same_boxes(
    client: TestClient, rng: np.random.Generator, box_format: str
) -> None:
    source = create_project(client, "source")
    imported = _import(client, source["id"], _images(rng) + FORMATS[box_format](BOXES))
    assert imported.status_code == 201, imported.text
    response = client.get(f"/api/projects/{source['id']}/samples/export/coco")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("annotations.json"))
    # Only images with boxes are exported.
    assert sorted(image["file_name"] for image in document["images"]) == ["a.png", "b.png"]
    files = [
        (name.split("/", 1)[1], archive.read(name))
        for name in archive.namelist()
        if name.startswith("images/")
    ]
    target = create_project(client, "target")
    response = _import(
        client, target["id"], [*files, ("annotations.json", archive.read("annotations.json"))]
    )
    assert response.status_code == 201, response.text
    assert _boxes_by_name(response.json()["accepted"]) == {k: v for k, v in BOXES.items() if v}
    # The pixels survive too: the exported PNG has the stored values.
    original = {s["filename"]: s["content_hash"] for s in imported.json()["accepted"]}
    again = {s["filename"]: s["content_hash"] for s in response.json()["accepted"]}
    assert again["a.png"] == original["a.png"]
