"""Run DSP blocks over windows in batches, and project the features to 2-D for the explorer."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from dsp_blocks.registry import get_block
from dsp_blocks.spectrum import one_blas_thread
from worker.features.windowing import WindowOrigins, Windows

# Windows per extract() call: big enough to vectorise, small enough to bound memory.
CHUNK_WINDOWS = 256
# ...and values per batch at most: 256 windows of a 2048x2048 RGB image would be 12 GB.
BATCH_VALUES = 16 * 1024 * 1024
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


def batch_windows(values_per_window: int) -> int:
    """Windows per batch: CHUNK_WINDOWS, fewer when that many would pass BATCH_VALUES (a batch
    of large windows), at least one."""
    return max(1, min(CHUNK_WINDOWS, BATCH_VALUES // max(1, values_per_window)))


def label_counts(labels: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))


# Up to this many feature values (rows x features) the projection is an exact SVD of the whole
# standardised matrix (float64: 32 MiB, a few copies); past it, a subspace iteration over row
# chunks, whose memory does not grow with the number of rows.
EXACT_PCA_MAX_VALUES = 4 * 1024 * 1024
PCA_CHUNK_ROWS = 1024
PCA_SUBSPACE = 8  # the two components and some more, for convergence
# Up to this many values per row, the large matrix's projection comes from its Gram matrix
# (float64, 8 MiB at 1024) in three passes over the rows; past it, by subspace iteration.
# The Gram matrix costs rows x values^2 multiply-adds, the iteration 63 passes of
# 2 x 8 x rows x values: the crossover is near 1000 values. On 10 000 MFCC windows
# (650 values) the iteration was half of the feature job's time.
GRAM_MAX_FEATURES = 1024
PCA_ITERATIONS = 30


def pca_2d(features: NDArray[np.float32]) -> NDArray[np.float32]:
    """First two principal components of the standardised, flattened features, `(n, 2)`."""
    points = np.zeros((len(features), 2), dtype=np.float32)
    if len(features) < 2:
        return points
    flat = features.reshape(len(features), -1)
    if flat.size > EXACT_PCA_MAX_VALUES:
        return _pca_2d_in_chunks(flat)
    # Centred in place: one float64 copy of the features, not two.
    centred = flat.astype(np.float64)
    centred -= centred.mean(axis=0)
    scale = centred.std(axis=0)
    # Constant features carry no information; dividing by zero would make them NaN.
    centred /= np.where(scale > 0, scale, 1.0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    components = min(2, len(singular))
    points[:, :components] = left[:, :components] * singular[:components]
    return points


def _pca_2d_in_chunks(flat: NDArray[np.float32]) -> NDArray[np.float32]:
    """The same projection for a large matrix, reading it PCA_CHUNK_ROWS rows at a time."""
    n_rows, n_features = flat.shape

    def chunks() -> Iterator[NDArray[np.float64]]:
        for start in range(0, n_rows, PCA_CHUNK_ROWS):
            yield flat[start : start + PCA_CHUNK_ROWS].astype(np.float64)

    return _pca_2d_of_chunks(chunks, n_rows, n_features)


def _pca_2d_of_chunks(
    chunks: Callable[[], Iterator[NDArray[np.float64]]], n_rows: int, n_features: int
) -> NDArray[np.float32]:
    """The projection of a matrix that `chunks()` reads PCA_CHUNK_ROWS flattened rows at a time:
    the mean, then the top eigenvectors of Z^T Z (Z the standardised rows), from Z^T Z itself up
    to GRAM_MAX_FEATURES values a row, past it by subspace iteration (seeded, so deterministic)
    and Rayleigh-Ritz; points are Z v, which equal the SVD's U s up to each component's sign."""
    mean = sum((chunk.sum(axis=0) for chunk in chunks()), np.zeros(n_features)) / n_rows
    if n_features <= GRAM_MAX_FEATURES:
        return _pca_2d_by_gram(chunks, n_rows, n_features, mean)
    variance = sum(
        (((chunk - mean) ** 2).sum(axis=0) for chunk in chunks()), np.zeros(n_features)
    ) / n_rows
    scale = np.sqrt(variance)
    scale = np.where(scale > 0, scale, 1.0)

    def standardised() -> Iterator[NDArray[np.float64]]:
        for chunk in chunks():
            chunk -= mean
            chunk /= scale
            yield chunk

    def gram_times(basis: NDArray[np.float64]) -> NDArray[np.float64]:
        product = np.zeros_like(basis)
        for z in standardised():
            product += z.T @ (z @ basis)
        return product

    size = min(PCA_SUBSPACE, n_features, n_rows)
    basis, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(n_features, size)))
    for _ in range(PCA_ITERATIONS):
        basis, _ = np.linalg.qr(gram_times(basis))
    eigenvalues, vectors = np.linalg.eigh(basis.T @ gram_times(basis))
    components = min(2, size)
    axes = basis @ vectors[:, ::-1][:, :components]
    points = np.zeros((n_rows, 2), dtype=np.float32)
    row = 0
    for z in standardised():
        points[row : row + len(z), :components] = z @ axes
        row += len(z)
    return points


def _pca_2d_by_gram(
    chunks: Callable[[], Iterator[NDArray[np.float64]]],
    n_rows: int,
    n_features: int,
    mean: NDArray[np.float64],
) -> NDArray[np.float32]:
    """The projection from the eigenvectors of the standardised Gram matrix Z^T Z, accumulated
    over the centred chunks in one pass (the variances are its diagonal): the mean, the Gram
    matrix and the points take three passes over the rows, where subspace iteration takes 63."""
    gram = np.zeros((n_features, n_features))
    for chunk in chunks():
        chunk -= mean
        gram += chunk.T @ chunk
    scale = np.sqrt(np.diag(gram) / n_rows)
    scale = np.where(scale > 0, scale, 1.0)
    gram /= scale[:, None]
    gram /= scale[None, :]
    components = min(2, n_features, n_rows)
    # Only the top eigenvectors: LAPACK's subset solver, several times faster than all of them.
    _, vectors = scipy.linalg.eigh(
        gram, subset_by_index=[n_features - components, n_features - 1]
    )
    axes = vectors[:, ::-1]
    points = np.zeros((n_rows, 2), dtype=np.float32)
    row = 0
    for chunk in chunks():
        chunk -= mean
        chunk /= scale
        points[row : row + len(chunk), :components] = chunk @ axes
        row += len(chunk)
    return points


def pca_2d_of_rows(rows: FeatureRows) -> NDArray[np.float32]:
    """pca_2d of a matrix kept in a file: the same points, the matrix read whole only when it is
    small enough for the exact SVD (EXACT_PCA_MAX_VALUES), a chunk at a time otherwise."""
    n_features = rows.row_values
    if rows.rows * n_features <= EXACT_PCA_MAX_VALUES:
        return pca_2d(rows.read_all())

    def chunks() -> Iterator[NDArray[np.float64]]:
        for chunk in rows.chunks(PCA_CHUNK_ROWS):
            yield chunk.reshape(len(chunk), n_features).astype(np.float64)

    return _pca_2d_of_chunks(chunks, rows.rows, n_features)


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


def project_rows_2d(
    rows: FeatureRows, *, method: str = "auto", seed: int = 0
) -> tuple[NDArray[np.float32], str]:
    """project_2d of a matrix kept in a file. PCA reads it a chunk at a time; UMAP needs every
    point at once, so with UMAP the matrix is read whole."""
    if method not in ("auto", "pca", "umap"):
        raise ValueError(f"method = {method!r}: choose auto, pca or umap")
    use_umap = method == "umap" or (method == "auto" and umap_available())
    if use_umap and rows.rows >= UMAP_MIN_POINTS:
        return project_2d(rows.read_all(), method="umap", seed=seed)
    # One BLAS/LAPACK thread, as in the DSP: a worker runs per core, and on a busy machine two
    # threads measured 3-14x slower in wall time (each waits for the other's core).
    with one_blas_thread():
        return pca_2d_of_rows(rows), "pca"


@dataclass
class BlockFeatures:
    """What one DSP block produced over all windows: the features in a temporary file (read
    them a chunk at a time with `rows.chunks`), the explorer points in memory."""

    config: DspBlockConfig
    rows: FeatureRows
    projection: NDArray[np.float32]
    projection_method: str

    @property
    def shape(self) -> tuple[int, ...]:
        assert self.rows.shape is not None
        return self.rows.shape

    @property
    def features(self) -> NDArray[np.float32]:
        """The whole matrix, read into memory (tests and small sets; storing reads chunks)."""
        return self.rows.read_all()


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
    size = batch_windows(int(np.prod(group.windows.shape[1:])))
    for start in range(0, len(group), size):
        stop = start + size
        yield Windows(
            windows=group.windows[start:stop],
            sample_ids=group.sample_ids[start:stop],
            offsets_ms=group.offsets_ms[start:stop],
            labels=group.labels[start:stop],
            categories=group.categories[start:stop],
        )


class FeatureRows:
    """One block's feature matrix, written a batch at a time to a temporary file of the worker and
    read back a chunk at a time: memory holds a batch or a chunk, not the matrix, whatever the
    number of windows. (Read by explicit reads, not a memory map: mapped pages would count in
    the worker's resident memory.) Close it, or let it be collected, to remove the file."""

    def __init__(self, directory: Path | None = None) -> None:
        # Unlinked at once: nothing is left behind even if the worker is killed.
        self._file = tempfile.TemporaryFile(prefix="features-", dir=directory)
        self.shape: tuple[int, ...] | None = None  # of one row
        self.rows = 0

    @property
    def row_values(self) -> int:
        return int(np.prod(self.shape)) if self.shape is not None else 0

    def add(self, batch: NDArray[np.float32]) -> None:
        shape = tuple(int(n) for n in batch.shape[1:])
        if self.shape is None:
            self.shape = shape
        elif shape != self.shape:
            raise ValueError(f"feature rows of shape {shape} after rows of shape {self.shape}")
        self._file.seek(0, os.SEEK_END)
        self._file.write(np.ascontiguousarray(batch, dtype="<f4").tobytes())
        self.rows += len(batch)

    def chunks(self, rows_per_chunk: int) -> Iterator[NDArray[np.float32]]:
        """The rows in order, `rows_per_chunk` at a time (the last chunk shorter)."""
        assert self.shape is not None
        row_bytes = 4 * self.row_values
        self._file.seek(0)
        for start in range(0, self.rows, rows_per_chunk):
            count = min(rows_per_chunk, self.rows - start)
            chunk = np.empty((count, *self.shape), dtype="<f4")
            view = memoryview(chunk).cast("B")
            if self._file.readinto(view) != count * row_bytes:
                raise OSError("the temporary feature file is shorter than the rows written")
            yield chunk

    def read_all(self) -> NDArray[np.float32]:
        """The whole matrix in memory, for callers that want it (tests, small sets)."""
        assert self.shape is not None
        return next(self.chunks(max(1, self.rows)), np.empty((0, *self.shape), dtype="<f4"))

    def close(self) -> None:
        self._file.close()


def generate_features_streaming(
    batches: Iterable[Windows],
    configs: Sequence[DspBlockConfig],
    *,
    sample_rate_hz: float,
    window_count: int,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda line: None,
    projection_method: str = "auto",
    spill_dir: Path | None = None,
) -> tuple[list[BlockFeatures], WindowOrigins]:
    """Every block's features over windows that arrive in batches, then its explorer projection;
    with where each row came from.

    Each batch goes through every block, its features go to the block's temporary file
    (FeatureRows) and it is then let go of, so memory holds one batch of windows and features,
    whatever the number of samples. Batches of `batch_windows(...)` windows (CHUNK_WINDOWS unless
    the windows are large; the last of a group shorter) make the same extract() calls as
    extract_features over all windows: features are identical to the bit. `window_count`, the
    windows expected, sizes the progress, which counts windows over all blocks plus one step per
    block for its projection. The features' files are made in `spill_dir` (the system's
    temporary folder if None).
    """
    total = max(1, window_count * len(configs) + len(configs))
    done = 0
    matrices = [FeatureRows(spill_dir) for _ in configs]
    sample_ids: list[NDArray[np.int64]] = []
    offsets_ms: list[NDArray[np.float64]] = []
    labels: list[str] = []
    categories: list[str] = []
    for config in configs:
        log(f"DSP block {config.block_id} ({config.block_type}): about {window_count} windows")
    for batch in batches:
        for index, config in enumerate(configs):
            matrices[index].add(
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
        rows = matrices[index]
        points, method = project_rows_2d(rows, method=projection_method)
        done += 1
        if progress is not None:
            progress(done, total)
        log(
            f"DSP block {config.block_id}: features {rows.shape} per window, "
            f"explorer projection by {method.upper()}"
        )
        results.append(BlockFeatures(config, rows, points, method))
    origins = WindowOrigins(
        sample_ids=np.concatenate(sample_ids),
        offsets_ms=np.concatenate(offsets_ms),
        labels=labels,
        categories=categories,
    )
    return results, origins
