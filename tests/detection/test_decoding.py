"""FOMO decoding, centroid targets and centroid matching; the SDK's C++ decoder gives the
platform's objects on hand-made and random maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.detection.host_decoder import build_host_decoder, host_decode
from worker.learning.detection import (
    DetectedObject,
    centroid_targets,
    decode,
    detection_metrics,
    output_grid,
)

LABELS = ["cat", "dog"]


def probability_map(rows: int, columns: int, cells: dict[tuple[int, int], tuple[int, float]]):
    """Background everywhere except `cells`: (row, column) -> (channel, probability)."""
    values = np.zeros((rows, columns, 1 + len(LABELS)), dtype=np.float32)
    values[:, :, 0] = 1.0
    for (row, column), (channel, probability) in cells.items():
        values[row, column, :] = (1.0 - probability) / len(LABELS)
        values[row, column, channel] = probability
    return values


@pytest.fixture(scope="module")
def host_decoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_host_decoder(tmp_path_factory.mktemp("detect"))


def test_empty_map_has_no_objects() -> None:
    assert decode(probability_map(6, 6, {}), LABELS) == []


def test_one_component_gives_its_bounding_box_and_highest_score() -> None:
    cells = {(1, 2): (1, 0.6), (1, 3): (1, 0.9), (2, 3): (1, 0.7)}
    (found,) = decode(probability_map(6, 6, cells), LABELS)
    assert (found.label, found.x, found.y, found.width, found.height) == ("cat", 16, 8, 16, 16)
    assert found.score == pytest.approx(0.9)
    assert found.centroid == (24.0, 16.0)


def test_touching_cells_of_different_labels_are_different_objects() -> None:
    found = decode(probability_map(4, 4, {(1, 1): (1, 0.8), (1, 2): (2, 0.8)}), LABELS)
    assert [(o.label, o.x, o.y) for o in found] == [("cat", 8, 8), ("dog", 16, 8)]


def test_diagonal_neighbours_are_not_connected() -> None:
    found = decode(probability_map(4, 4, {(0, 0): (1, 0.8), (1, 1): (1, 0.8)}), LABELS)
    assert len(found) == 2


def test_cells_on_every_edge_and_corner_are_found() -> None:
    cells = {(0, 0): (1, 0.9), (0, 5): (1, 0.9), (5, 0): (2, 0.9), (5, 5): (2, 0.9)}
    found = decode(probability_map(6, 6, cells), LABELS, cell_size=(4, 5))
    assert [(o.label, o.x, o.y, o.width, o.height) for o in found] == [
        ("cat", 0, 0, 4, 5),
        ("cat", 20, 0, 4, 5),
        ("dog", 0, 25, 4, 5),
        ("dog", 20, 25, 4, 5),
    ]


def test_threshold_and_object_limit() -> None:
    cells = {(0, 0): (1, 0.55), (2, 2): (1, 0.95), (4, 4): (1, 0.95)}
    values = probability_map(6, 6, cells)
    assert len(decode(values, LABELS, threshold=0.5)) == 3
    assert len(decode(values, LABELS, threshold=0.6)) == 2
    assert [o.y for o in decode(values, LABELS, max_objects=2)] == [0, 16]
    with pytest.raises(ValueError, match="threshold"):
        decode(values, LABELS, threshold=0.0)
    with pytest.raises(ValueError, match="shape"):
        decode(values[:, :, :2], LABELS)


def test_centroid_targets_scale_boxes_and_clip_to_the_map() -> None:
    boxes = [
        {"label": "dog", "x": 0, "y": 0, "width": 20, "height": 20},  # centre (10, 10)
        {"label": "cat", "x": 180, "y": 180, "width": 20, "height": 20},  # centre on the edge
        {"label": "bird", "x": 50, "y": 50, "width": 10, "height": 10},  # not a block label
    ]
    target = centroid_targets(boxes, LABELS, image_size=(200, 200), input_size=(48, 48))
    assert target.shape == (6, 6, 3)
    assert target.sum() == 36  # one-hot everywhere
    assert target[0, 0].tolist() == [0, 0, 1]  # 10 px of 200 -> 2.4 px of 48: cell 0
    assert target[5, 5].tolist() == [0, 1, 0]  # 190 px of 200 -> 45.6 px: the last cell
    assert target[:, :, 0].sum() == 34


def test_output_grid_needs_multiples_of_eight() -> None:
    assert output_grid(96, 48) == (12, 6)
    with pytest.raises(ValueError, match="multiples of 8"):
        output_grid(50, 48)


def test_matching_counts_hits_misses_false_alarms_and_confusions() -> None:
    truth = [
        [
            {"label": "cat", "x": 0, "y": 0, "width": 16, "height": 16},  # centre (8, 8)
            {"label": "dog", "x": 32, "y": 32, "width": 16, "height": 16},  # centre (40, 40)
            {"label": "dog", "x": 80, "y": 0, "width": 8, "height": 8},  # missed
        ],
        [],
    ]
    found = [
        [
            DetectedObject(label="cat", x=8, y=0, width=8, height=8, score=0.9),  # (12, 4): hit
            DetectedObject(label="cat", x=40, y=40, width=8, height=8, score=0.9),  # dog as cat
        ],
        [DetectedObject(label="dog", x=0, y=0, width=8, height=8, score=0.9)],  # nothing there
    ]
    metrics = detection_metrics(found, truth, LABELS, match_distance_px=12.0)
    # rows: true background, cat, dog; columns: predicted background, cat, dog
    assert metrics.confusion_matrix == [[0, 0, 1], [0, 1, 0], [1, 1, 0]]
    cat, dog = metrics.per_label
    assert (cat.precision, cat.recall) == (0.5, 1.0)
    assert (dog.precision, dog.recall, dog.f1) == (0.0, 0.0, 0.0)
    assert metrics.precision == pytest.approx(1 / 3)
    assert metrics.recall == pytest.approx(1 / 3)


def test_a_prediction_too_far_away_is_a_false_alarm_and_a_miss() -> None:
    truth = [[{"label": "cat", "x": 0, "y": 0, "width": 8, "height": 8}]]
    found = [[DetectedObject(label="cat", x=24, y=0, width=8, height=8, score=0.9)]]
    metrics = detection_metrics(found, truth, LABELS, match_distance_px=12.0)
    assert metrics.confusion_matrix[0][1] == 1 and metrics.confusion_matrix[1][0] == 1
    assert metrics.f1 == 0.0


def test_host_decoder_equals_the_platform_on_hand_made_maps(host_decoder: Path) -> None:
    maps = np.stack(
        [
            probability_map(6, 6, {}),
            probability_map(6, 6, {(1, 1): (1, 0.8), (1, 2): (2, 0.8), (2, 2): (2, 0.6)}),
            probability_map(6, 6, {(0, 0): (1, 0.9), (5, 5): (2, 0.5), (0, 5): (1, 0.49)}),
            probability_map(6, 6, {(r, c): (1, 0.7) for r in range(6) for c in range(6)}),
        ]
    )
    got = host_decode(host_decoder, maps, LABELS, threshold=0.5, max_objects=8)
    assert got == [decode(m, LABELS, threshold=0.5, max_objects=8) for m in maps]
    assert [len(objects) for objects in got] == [0, 2, 2, 1]


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_host_decoder_equals_the_platform_on_random_maps(host_decoder: Path, threshold: float):
    rng = np.random.default_rng(5)
    logits = rng.normal(0.0, 2.0, (40, 7, 9, 1 + len(LABELS))).astype(np.float32)
    logits[..., 0] += 1.5
    maps = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    got = host_decode(host_decoder, maps, LABELS, threshold=threshold, max_objects=5)
    want = [decode(m, LABELS, threshold=threshold, max_objects=5) for m in maps]
    assert got == want
    assert sum(len(objects) for objects in want) > 40  # the maps do hold objects
    # int8: the decoder dequantizes as the platform does
    scale, zero = 1 / 256, -128
    quantized = np.clip(np.round(maps / scale + zero), -128, 127).astype(np.int8)
    dequantized = (quantized.astype(np.float32) - zero) * np.float32(scale)
    got = host_decode(host_decoder, quantized, LABELS, threshold=threshold, max_objects=5,
                      quantization=(scale, zero))  # fmt: skip
    assert got == [decode(m, LABELS, threshold=threshold, max_objects=5) for m in dequantized]
