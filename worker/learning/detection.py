"""FOMO object detection without TensorFlow: centroid targets from boxes, decoding of the output
map into objects, and Edge Impulse-style evaluation (centroids matched within a distance).

The decoding here is the platform's reference; `deploy_targets/sdk/runtime/mf_detection.cpp` is
its C++ twin and the SDK tests hold the two equal on every test image. To stay exactly equal
with float32 arithmetic in C++, everything the decoder computes from probabilities is a
comparison or a maximum (no sums): a cell belongs to label L when its probability of L is at
least the threshold, an object is a 4-connected component of such cells, its box is the
bounding rectangle of the component's cells in pixels, and its score the component's highest
probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

# The output map is 1/8 of the input in each direction (the backbone's three stride-2 stages).
CELL_STRIDE = 8
# Edge Impulse weights object cells 100x against the background cells that fill most of the map.
OBJECT_WEIGHT = 100.0
DEFAULT_THRESHOLD = 0.5
# Objects reported per image at most, as the SDK's fixed-size result array holds.
MAX_OBJECTS = 32


class DetectedObject(BaseModel):
    """One object: its label, its box in input pixels (x, y top-left) and its score."""

    label: str
    x: int
    y: int
    width: int
    height: int
    score: float

    @property
    def centroid(self) -> tuple[float, float]:
        return (self.x + self.width / 2.0, self.y + self.height / 2.0)


class LabelDetectionMetrics(BaseModel):
    name: str
    precision: float
    recall: float
    f1: float
    support: int  # true objects of this label


class DetectionMetrics(BaseModel):
    """Objects matched by centroid. confusion_matrix[true][predicted] counts objects, index 0 is
    background: row 0 holds predictions with no true object near, column 0 missed objects."""

    labels: list[str]
    per_label: list[LabelDetectionMetrics]
    f1: float  # over all labels' matches together (micro average)
    precision: float
    recall: float
    confusion_matrix: list[list[int]]
    images: int
    match_distance_px: float


def output_grid(height: int, width: int) -> tuple[int, int]:
    """(rows, columns) of the output map of an input of height x width pixels."""
    if height < CELL_STRIDE or width < CELL_STRIDE or height % CELL_STRIDE or width % CELL_STRIDE:
        raise ValueError(
            f"object detection needs images whose sides are multiples of {CELL_STRIDE} pixels "
            f"(the output map is 1/{CELL_STRIDE} of the input); got {width}x{height}"
        )
    return height // CELL_STRIDE, width // CELL_STRIDE


def centroid_targets(
    boxes: Sequence[dict[str, Any]],
    labels: Sequence[str],
    image_size: tuple[int, int],
    input_size: tuple[int, int],
) -> np.ndarray:
    """One-hot target map (rows, columns, 1 + labels) for one image: the cell holding each box's
    centroid is that box's label, every other cell background (channel 0).

    `boxes` are {"label","x","y","width","height"} in pixels of the stored image of
    `image_size` (width, height); the image block resizes it to `input_size` (width, height),
    so centroids are scaled the same way. Boxes of labels not in `labels` are ignored.
    """
    image_width, image_height = image_size
    input_width, input_height = input_size
    rows, columns = output_grid(input_height, input_width)
    target = np.zeros((rows, columns, 1 + len(labels)), dtype=np.float32)
    target[:, :, 0] = 1.0
    index = {label: i + 1 for i, label in enumerate(labels)}
    for box in boxes:
        channel = index.get(str(box["label"]))
        if channel is None:
            continue
        centre_x = (float(box["x"]) + float(box["width"]) / 2.0) * input_width / image_width
        centre_y = (float(box["y"]) + float(box["height"]) / 2.0) * input_height / image_height
        row = min(rows - 1, max(0, int(centre_y // CELL_STRIDE)))
        column = min(columns - 1, max(0, int(centre_x // CELL_STRIDE)))
        target[row, column, :] = 0.0
        target[row, column, channel] = 1.0
    return target


def decode(
    probabilities: np.ndarray,
    labels: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    cell_size: tuple[int, int] = (CELL_STRIDE, CELL_STRIDE),
    max_objects: int = MAX_OBJECTS,
) -> list[DetectedObject]:
    """Objects of one output map (rows, columns, 1 + labels; channel 0 background).

    For each label in order, its cells scanned row by row; each cell at or above `threshold`
    not yet taken starts a 4-connected component. At most `max_objects`, in that order.
    `cell_size` is (width, height) of one cell in input pixels.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"the detection threshold is {threshold}; it must be in (0, 1]")
    values = np.asarray(probabilities, dtype=np.float32)
    if values.ndim != 3 or values.shape[2] != 1 + len(labels):
        raise ValueError(
            f"an output map of {len(labels)} labels has the shape (rows, columns, "
            f"{1 + len(labels)}); got {values.shape}"
        )
    rows, columns = values.shape[:2]
    cell_width, cell_height = cell_size
    limit = np.float32(threshold)
    objects: list[DetectedObject] = []
    for channel, label in enumerate(labels, start=1):
        above = values[:, :, channel] >= limit
        taken = np.zeros((rows, columns), dtype=bool)
        for start_row in range(rows):
            for start_column in range(columns):
                if not above[start_row, start_column] or taken[start_row, start_column]:
                    continue
                if len(objects) == max_objects:
                    return objects
                taken[start_row, start_column] = True
                stack = [(start_row, start_column)]
                top, left, bottom, right = start_row, start_column, start_row, start_column
                best = values[start_row, start_column, channel]
                while stack:
                    row, column = stack.pop()
                    top, bottom = min(top, row), max(bottom, row)
                    left, right = min(left, column), max(right, column)
                    best = max(best, values[row, column, channel])
                    for near_row, near_column in (
                        (row - 1, column),
                        (row + 1, column),
                        (row, column - 1),
                        (row, column + 1),
                    ):
                        if (
                            0 <= near_row < rows
                            and 0 <= near_column < columns
                            and above[near_row, near_column]
                            and not taken[near_row, near_column]
                        ):
                            taken[near_row, near_column] = True
                            stack.append((near_row, near_column))
                objects.append(
                    DetectedObject(
                        label=label,
                        x=left * cell_width,
                        y=top * cell_height,
                        width=(right - left + 1) * cell_width,
                        height=(bottom - top + 1) * cell_height,
                        score=float(best),
                    )
                )
    return objects


def _match(
    predicted: list[tuple[int, float, float]],
    true: list[tuple[int, float, float]],
    distance: float,
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Greedy one-to-one matching of (label, x, y) centroids within `distance`: pairs of the same
    label first, nearest first, then what is left across labels. (pairs, unmatched predicted,
    unmatched true), as indices."""
    candidates = []
    for p, (p_label, p_x, p_y) in enumerate(predicted):
        for t, (t_label, t_x, t_y) in enumerate(true):
            gap = float(np.hypot(p_x - t_x, p_y - t_y))
            if gap <= distance:
                candidates.append((p_label != t_label, gap, p, t))
    candidates.sort()
    used_p: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for _, _, p, t in candidates:
        if p in used_p or t in used_t:
            continue
        used_p.add(p)
        used_t.add(t)
        pairs.append((p, t))
    return (
        pairs,
        [p for p in range(len(predicted)) if p not in used_p],
        [t for t in range(len(true)) if t not in used_t],
    )


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def detection_metrics(
    predicted: Sequence[Sequence[DetectedObject]],
    true_boxes: Sequence[Sequence[dict[str, Any]]],
    labels: Sequence[str],
    *,
    match_distance_px: float = 1.5 * CELL_STRIDE,
) -> DetectionMetrics:
    """Precision, recall and F1 per label over images: a predicted object is a true positive
    when its centroid is within `match_distance_px` of a true box's centroid of the same label
    (each true box matched once). `true_boxes` are in the same pixels as the predictions."""
    if len(predicted) != len(true_boxes):
        raise ValueError(f"{len(predicted)} predicted images but {len(true_boxes)} true ones")
    index = {label: i + 1 for i, label in enumerate(labels)}
    size = 1 + len(labels)
    confusion = np.zeros((size, size), dtype=np.int64)
    for objects, boxes in zip(predicted, true_boxes, strict=True):
        p_points = [(index[o.label], *o.centroid) for o in objects]
        t_points = [
            (
                index[str(b["label"])],
                float(b["x"]) + float(b["width"]) / 2.0,
                float(b["y"]) + float(b["height"]) / 2.0,
            )
            for b in boxes
            if str(b["label"]) in index
        ]
        pairs, lone_p, lone_t = _match(p_points, t_points, match_distance_px)
        for p, t in pairs:
            confusion[t_points[t][0], p_points[p][0]] += 1
        for p in lone_p:
            confusion[0, p_points[p][0]] += 1
        for t in lone_t:
            confusion[t_points[t][0], 0] += 1
    per_label = []
    for i, label in enumerate(labels, start=1):
        hits = int(confusion[i, i])
        precision = _ratio(hits, int(confusion[:, i].sum()))
        recall = _ratio(hits, int(confusion[i, :].sum()))
        per_label.append(
            LabelDetectionMetrics(
                name=label,
                precision=precision,
                recall=recall,
                f1=_f1(precision, recall),
                support=int(confusion[i, :].sum()),
            )
        )
    hits = int(np.trace(confusion[1:, 1:]))
    precision = _ratio(hits, int(confusion[:, 1:].sum()))
    recall = _ratio(hits, int(confusion[1:, :].sum()))
    return DetectionMetrics(
        labels=list(labels),
        per_label=per_label,
        f1=_f1(precision, recall),
        precision=precision,
        recall=recall,
        confusion_matrix=confusion.tolist(),
        images=len(predicted),
        match_distance_px=match_distance_px,
    )
