"""A generated object-detection dataset: coloured shapes on textured backgrounds, known boxes.

Red squares and blue discs of 8-14 pixels, up to three per image, on noisy striped backgrounds
of random colour, no two centres in the same 8x8 output cell. Seeded: the same arguments give
the same images and boxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SHAPE_LABELS = ["disc", "square"]


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    base = rng.uniform(0.25, 0.75, 3)
    rows = np.arange(size)[:, np.newaxis]
    period = rng.uniform(5.0, 12.0)
    angle = rng.uniform(0, np.pi)
    columns = np.arange(size)[np.newaxis, :]
    stripes = 0.08 * np.sin((rows * np.cos(angle) + columns * np.sin(angle)) * 2 * np.pi / period)
    image = base[np.newaxis, np.newaxis, :] + stripes[..., np.newaxis]
    image = image + rng.normal(0.0, 0.04, (size, size, 3))
    return np.asarray(image)


def shapes_dataset(
    count: int, size: int = 48, *, seed: int = 0, max_objects: int = 3
) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """(images (count, size, size, 3) float32 in 0..1, boxes per image in pixels)."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, size, size, 3), dtype=np.float32)
    all_boxes: list[list[dict[str, Any]]] = []
    rows, columns = np.mgrid[0:size, 0:size]
    for index in range(count):
        image = _background(rng, size)
        boxes: list[dict[str, Any]] = []
        cells: set[tuple[int, int]] = set()
        for _ in range(int(rng.integers(0, max_objects + 1))):
            side = int(rng.integers(8, 15))
            x = int(rng.integers(0, size - side + 1))
            y = int(rng.integers(0, size - side + 1))
            cell = ((y + side // 2) // 8, (x + side // 2) // 8)
            near = {(cell[0] + dr, cell[1] + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
            if near & cells:
                continue
            cells.add(cell)
            label = SHAPE_LABELS[int(rng.integers(len(SHAPE_LABELS)))]
            if label == "square":
                inside = (rows >= y) & (rows < y + side) & (columns >= x) & (columns < x + side)
                colour = np.array([0.9, 0.1, 0.1])
            else:
                radius = side / 2.0
                inside = (rows + 0.5 - y - radius) ** 2 + (columns + 0.5 - x - radius) ** 2 <= (
                    radius**2
                )
                colour = np.array([0.1, 0.2, 0.95])
            image[inside] = colour + rng.normal(0.0, 0.03, (int(inside.sum()), 3))
            boxes.append({"label": label, "x": x, "y": y, "width": side, "height": side})
        images[index] = np.clip(image, 0.0, 1.0)
        all_boxes.append(boxes)
    return images, all_boxes
