"""Run DSP blocks over windows in batches, and project the features to 2-D for the explorer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dsp_blocks.registry import get_block
from worker.features.windowing import WindowOrigins, Windows

# Windows per extract() call: big enough to vectorise, small enough to bound memory.
CHUNK_WINDOWS = 256
# UMAP needs a neighbourhood; below this many points PCA is used even when UMAP is installed.
UMAP_MIN_POINTS = 20

Progress = Callable[[int, int], None]


class NoWindows(ValueError):
    """No sample gave a window."""


@dataclass(frozen=True)
class DspBlockConfig:
    """One DSP block of an impulse: which block, on which axes (indices into the window's last
    axis; None for all of them, as the image block takes every channel)."""

    block_id: int
    block_type: str
    axis_indices: tuple[int, ...] | None
    params: Mapping[str, Any]


def extract_features(
    windows: NDArray[np.float32],
    config: DspBlockConfig,
    *,
    sample_rate_hz: float,
    chunk_windows: int = CHUNK_WINDOWS,
    progress: Progress | None = None,
) -> NDArray[np.float32]:
    """Features of every window, `(n, *output_shape)`, extracted `chunk_windows` at a time."""
    block = get_block(config.block_type)
    params = block.parse_params(config.params)
    columns = None if config.axis_indices is None else list(config.axis_indices)
    n_windows = windows.shape[0]
    # Time series (n, length, axes) and images (n, height, width, channels): channels last.
    window_length = int(np.prod(windows.shape[1:-1]))
    shape = block.output_shape(
        params,
        sample_rate_hz=sample_rate_hz,
        window_length=window_length,
        n_axes=windows.shape[-1] if columns is None else len(columns),
    )
    features = np.empty((n_windows, *shape), dtype=np.float32)
    for start in range(0, n_windows, chunk_windows):
        chunk = windows[start : start + chunk_windows]
        if columns is not None:
            chunk = chunk[..., columns]
        features[start : start + len(chunk)] = block.extract(
            chunk, sample_rate_hz=sample_rate_hz, params=params
        )
        if progress is not None:
            progress(start + len(chunk), n_windows)
    return features


def label_counts(labels: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))


def pca_2d(features: NDArray[np.float32]) -> NDArray[np.float32]:
    """First two principal components of the standardised, flattened features, `(n, 2)`."""
    points = np.zeros((len(features), 2), dtype=np.float32)
    if len(features) < 2:
        return points
    # Centred in place: one float64 copy of the features, not two.
    centred = features.reshape(len(features), -1).astype(np.float64)
    centred -= centred.mean(axis=0)
    scale = centred.std(axis=0)
    # Constant features carry no information; dividing by zero would make them NaN.
    centred /= np.where(scale > 0, scale, 1.0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    components = min(2, len(singular))
    points[:, :components] = left[:, :components] * singular[:components]
    return points


def umap_available() -> bool:
    try:
        import umap  # noqa: F401
    except ImportError:
        return False
    return True


def project_2d(
    features: NDArray[np.float32], *, method: str = "auto", seed: int = 0
) -> tuple[NDArray[np.float32], str]:
    """Explorer points `(n, 2)` and the method used: UMAP when asked for or `auto` and installed
    (and there are enough points), PCA otherwise."""
    if method not in ("auto", "pca", "umap"):
        raise ValueError(f"method = {method!r}: choose auto, pca or umap")
    use_umap = method == "umap" or (method == "auto" and umap_available())
    if use_umap and len(features) >= UMAP_MIN_POINTS:
        import umap

        flat = features.reshape(len(features), -1)
        reducer = umap.UMAP(n_components=2, random_state=seed)
        return np.asarray(reducer.fit_transform(flat), dtype=np.float32), "umap"
    return pca_2d(features), "pca"


@dataclass
class BlockFeatures:
    """What one DSP block produced over all windows."""

    config: DspBlockConfig
    features: NDArray[np.float32]
    projection: NDArray[np.float32]
    projection_method: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.features.shape[1:])


def generate_features(
    windows: Windows | Sequence[Windows],
    configs: Sequence[DspBlockConfig],
    *,
    sample_rate_hz: float,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda line: None,
    projection_method: str = "auto",
) -> list[BlockFeatures]:
    """Every block's features over all windows, then its explorer projection.

    `windows` may be several groups (images of different sizes): each group is one batch shape;
    the features of all groups are concatenated in group order. Progress counts windows over
    all blocks (a projection counts as one more step per block).
    """
    groups = [windows] if isinstance(windows, Windows) else list(windows)
    if not groups:
        raise NoWindows("there are no windows to generate features from")
    results, _ = generate_features_streaming(
        (batch for group in groups for batch in _batches(group)),
        configs,
        sample_rate_hz=sample_rate_hz,
        window_count=sum(len(group) for group in groups),
        progress=progress,
        log=log,
        projection_method=projection_method,
    )
    return results


def _batches(group: Windows) -> Iterator[Windows]:
    for start in range(0, len(group), CHUNK_WINDOWS):
        stop = start + CHUNK_WINDOWS
        yield Windows(
            windows=group.windows[start:stop],
            sample_ids=group.sample_ids[start:stop],
            offsets_ms=group.offsets_ms[start:stop],
            labels=group.labels[start:stop],
            categories=group.categories[start:stop],
        )


def generate_features_streaming(
    batches: Iterable[Windows],
    configs: Sequence[DspBlockConfig],
    *,
    sample_rate_hz: float,
    window_count: int,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda line: None,
    projection_method: str = "auto",
) -> tuple[list[BlockFeatures], WindowOrigins]:
    """Every block's features over windows that arrive in batches, then its explorer projection;
    with where each row came from.

    Each batch goes through every block and is then let go of, so memory holds one batch of
    windows and the features (usually far smaller than the windows), whatever the number of
    samples. Batches of CHUNK_WINDOWS windows (the last of a group shorter) make the same
    extract() calls as one call of extract_features over all windows: features are identical to
    the bit. `window_count` (the windows expected) is for progress, which counts windows over
    all blocks plus one step per block for its projection.
    """
    total = max(1, window_count * len(configs) + len(configs))
    done = 0
    parts: list[list[NDArray[np.float32]]] = [[] for _ in configs]
    sample_ids: list[NDArray[np.int64]] = []
    offsets_ms: list[NDArray[np.float64]] = []
    labels: list[str] = []
    categories: list[str] = []
    for config in configs:
        log(f"DSP block {config.block_id} ({config.block_type}): about {window_count} windows")
    for batch in batches:
        for index, config in enumerate(configs):
            parts[index].append(
                extract_features(
                    batch.windows,
                    config,
                    sample_rate_hz=sample_rate_hz,
                    chunk_windows=max(1, len(batch)),
                )
            )
            done += len(batch)
            if progress is not None:
                progress(min(done, total - len(configs)), total)
        sample_ids.append(batch.sample_ids)
        offsets_ms.append(batch.offsets_ms)
        labels.extend(batch.labels)
        categories.extend(batch.categories)
    if not labels:
        raise NoWindows("there are no windows to generate features from")
    done = total - len(configs)
    results: list[BlockFeatures] = []
    for index, config in enumerate(configs):
        block_parts, parts[index] = parts[index], []
        features = block_parts[0] if len(block_parts) == 1 else np.concatenate(block_parts)
        del block_parts
        points, method = project_2d(features, method=projection_method)
        done += 1
        if progress is not None:
            progress(done, total)
        log(
            f"DSP block {config.block_id}: features {tuple(features.shape[1:])} per window, "
            f"explorer projection by {method.upper()}"
        )
        results.append(BlockFeatures(config, features, points, method))
    origins = WindowOrigins(
        sample_ids=np.concatenate(sample_ids),
        offsets_ms=np.concatenate(offsets_ms),
        labels=labels,
        categories=categories,
    )
    return results, origins
