"""The smallest tensor arena with which the tflite-micro interpreter allocates and invokes a model.

This is the reference our compiler's `arena_bytes` is compared with (bench/compiler.py).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

# A model whose arena exceeds this is not a microcontroller model; stop searching there.
MAX_ARENA_BYTES = 64 * 1024 * 1024
# MicroArenaBufferAlignment() in TFLM; sizes are searched in these steps.
TFLM_ALIGNMENT_BYTES = 16
_FIRST_PROBE_BYTES = 1024
_PROBE_SEED = 0
_REPO_ROOT = Path(__file__).resolve().parent.parent.parent

# (model bytes, arena bytes) -> whether that arena is enough
Probe = Callable[[bytes, int], bool]


def arena_is_enough(model_bytes: bytes, arena_bytes: int) -> bool:
    """True when TFLM can allocate the model in `arena_bytes` and invoke it once on random input."""
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    try:
        interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_bytes)
        rng = np.random.default_rng(_PROBE_SEED)
        for index in range(_input_count(model_bytes)):
            details = interpreter.get_input_details(index)
            dtype = np.dtype(details["dtype"])
            info = np.iinfo(dtype) if dtype.kind in "iu" else None
            if info is not None:
                data = rng.integers(info.min, info.max, size=details["shape"], endpoint=True)
            else:
                data = rng.standard_normal(size=details["shape"])
            interpreter.set_input(data.astype(dtype), index)
        interpreter.invoke()
    except RuntimeError:
        return False
    return True


def _input_count(model_bytes: bytes) -> int:
    import tflite

    model = tflite.Model.GetRootAsModel(model_bytes, 0)
    return int(model.Subgraphs(0).InputsLength())


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    # TFLM prints every failed allocation to the C stderr; a search makes dozens on purpose.
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)


def _search(model_bytes: bytes, probe: Probe) -> int:
    # Exponential search for a size that works, then a binary search below it, in steps of
    # TFLM's buffer alignment: an arena is declared `alignas(16) uint8_t arena[N]`.
    too_small = 0
    enough = _FIRST_PROBE_BYTES
    while not probe(model_bytes, enough):
        too_small = enough
        enough *= 2
        if enough > MAX_ARENA_BYTES:
            raise ValueError(
                f"tflite-micro cannot run this model even with a {MAX_ARENA_BYTES} byte arena; "
                "the model is malformed, uses an operator TFLM lacks, or is far too large"
            )
    while enough - too_small > TFLM_ALIGNMENT_BYTES:
        middle = (too_small + enough) // 2 // TFLM_ALIGNMENT_BYTES * TFLM_ALIGNMENT_BYTES
        if probe(model_bytes, middle):
            enough = middle
        else:
            too_small = middle
    return enough


def probe_in_subprocess(model_path: Path, arena_bytes: int) -> bool:
    """`arena_is_enough` in a child process: a crash (TFLM aborting) counts as not enough."""
    code = (
        "import sys; from deploy_targets.estimate.tflm_arena import arena_is_enough; "
        "sys.exit(0 if arena_is_enough(open(sys.argv[1], 'rb').read(), int(sys.argv[2])) else 3)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(model_path), str(arena_bytes)],
        capture_output=True,
        cwd=_REPO_ROOT,
        timeout=120,
    )
    return result.returncode == 0



def tflm_min_arena_bytes(model_bytes: bytes, *, isolate_probes: bool = False) -> int:
    """Smallest `arena_size` (bytes) with which tflite-micro allocates AND invokes the model.

    The answer is a multiple of TFLM's 16-byte buffer alignment (the Python build places its
    arena at an arbitrary address, so a byte-exact search can land 8 bytes lower than any
    aligned on-device arena could). The tflite-micro Python interpreter raises RuntimeError on a too-small arena;
    `isolate_probes=True` runs every probe in a child process for builds that abort instead.
    """
    if not model_bytes:
        raise ValueError("model_bytes is empty; pass the contents of a .tflite file")
    if not isolate_probes:
        with _quiet_stderr():
            return _search(model_bytes, arena_is_enough)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.tflite"
        model_path.write_bytes(model_bytes)
        return _search(
            model_bytes,
            lambda _bytes, arena_bytes: probe_in_subprocess(model_path, arena_bytes),
        )
