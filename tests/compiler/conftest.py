"""Fixtures of the compiler tests: random int8 models, converted once and cached across runs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

FACTORY_SOURCE = Path(__file__).parent / "model_factory.py"


def _cached(path: Path, build: Callable[[], bytes]) -> bytes:
    """The bytes at `path`, built first if missing. Written under a private name and renamed, so
    a test process running beside this one (pytest -n) never reads a half-written model."""
    if not path.exists():
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(build())
        os.replace(partial, path)
    return path.read_bytes()


@pytest.fixture(scope="session")
def int8_model(request: pytest.FixtureRequest) -> Callable[..., bytes]:
    """`int8_model(seed, blocks=None, float_io=False, per_channel_dense=False)` -> .tflite
    bytes, cached by those arguments and the factory's source.

    Conversion takes seconds, so models are kept in pytest's cache directory; a change to
    model_factory.py changes the key and rebuilds them.
    """
    cache_dir = Path(request.config.cache.mkdir("mcuforge_compiler_models"))
    factory_digest = hashlib.sha256(FACTORY_SOURCE.read_bytes()).hexdigest()[:12]

    def make(seed: int, blocks: Sequence[str] | None = None, float_io: bool = False,
             per_channel_dense: bool = False) -> bytes:
        io = ("float" if float_io else "int8") + ("-pcfc" if per_channel_dense else "")
        key = f"{factory_digest}-{seed}-{'_'.join(blocks or ['any'])}-{io}.tflite"
        from tests.compiler.model_factory import random_int8_model

        return _cached(
            cache_dir / key, lambda: random_int8_model(seed, blocks, float_io, per_channel_dense)
        )

    return make


@pytest.fixture(scope="session")
def factory_model(request: pytest.FixtureRequest) -> Callable[..., bytes]:
    """`factory_model("bare_block_model", seed, "upsample")` -> the .tflite bytes that function
    of model_factory builds from those arguments, cached like `int8_model`."""
    cache_dir = Path(request.config.cache.mkdir("mcuforge_compiler_models"))
    factory_digest = hashlib.sha256(FACTORY_SOURCE.read_bytes()).hexdigest()[:12]

    def make(builder: str, seed: int, *args: str) -> bytes:
        from tests.compiler import model_factory

        path = cache_dir / f"{factory_digest}-{builder}-{seed}-{'_'.join(args)}.tflite"
        return _cached(path, lambda: getattr(model_factory, builder)(seed, *args))

    return make


@pytest.fixture(scope="session")
def layer_model(request: pytest.FixtureRequest) -> Callable[[str, tuple[int, int, int]], bytes]:
    """`layer_model("conv:3x3:same:2x2 > conv:3x3:valid:1x1", (7, 9, 3))` -> the .tflite bytes
    of tests/compiler/layer_models.py's model, cached like `int8_model`."""
    cache_dir = Path(request.config.cache.mkdir("mcuforge_compiler_models"))
    sources = FACTORY_SOURCE.read_bytes() + (FACTORY_SOURCE.parent / "layer_models.py").read_bytes()
    digest = hashlib.sha256(sources).hexdigest()[:12]

    def make(spec: str, shape: tuple[int, int, int]) -> bytes:
        key = f"{spec}-{'x'.join(map(str, shape))}"
        from tests.compiler.layer_models import build_layer_model

        path = cache_dir / f"{digest}-layers-{hashlib.sha256(key.encode()).hexdigest()[:12]}.tflite"
        seed = int(hashlib.sha256(key.encode()).hexdigest()[:6], 16)
        return _cached(path, lambda: build_layer_model(spec, shape, seed))

    return make


@pytest.fixture
def always_fuse_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row-by-row fusion applied, not only those that lower the arena (which on a small
    model may be none), so their kernels are what the tests run."""
    from deploy_targets.compiler import lowering

    monkeypatch.setattr(lowering, "fuse_rows_where_memory_drops", lowering.fuse_rows)


@pytest.fixture
def no_row_fusion(monkeypatch: pytest.MonkeyPatch) -> None:
    """No row-by-row fusion, so the kernels it would replace are what the tests run."""
    from deploy_targets.compiler import lowering

    monkeypatch.setattr(lowering, "fuse_rows_where_memory_drops", lambda graph, steps: steps)
