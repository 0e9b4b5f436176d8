"""The smallest tensor arena with which the tflite-micro interpreter allocates and invokes a model.

This is the reference our compiler's `arena_bytes` is compared with (bench/compiler.py), and the
"TFLM arena" a training reports. The tflite-micro Python interpreter does not always raise on a
too-small arena: at some sizes it segfaults ("All temp buffers must be freed before calling
ResetTempAllocations()") or aborts. So every probe runs in a child process (one child for the
whole search, restarted after a crash); a crash means "that size is too small", never the death
of the caller.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

# A model whose arena exceeds this is not a microcontroller model; stop searching there.
MAX_ARENA_BYTES = 64 * 1024 * 1024
# MicroArenaBufferAlignment() in TFLM; sizes are searched in these steps.
TFLM_ALIGNMENT_BYTES = 16
# One probe allocates and invokes once; a model that takes longer is not a microcontroller model.
PROBE_TIMEOUT_S = 60.0
# Crashed children restarted in one search before giving up (a search makes about 20 probes).
MAX_CHILD_CRASHES = 24
_FIRST_PROBE_BYTES = 1024
_PROBE_SEED = 0
_REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# The probe a child runs unless told otherwise, as "module:function".
DEFAULT_PROBE = "deploy_targets.estimate.tflm_arena:arena_is_enough"

# (model bytes, arena bytes) -> whether that arena is enough
Probe = Callable[[bytes, int], bool]


class ArenaMeasurementError(ValueError):
    """The arena could not be measured: the message says why (no size works, a probe hung,
    tflite-micro cannot be loaded, the probe crashed at every size)."""


def arena_is_enough(model_bytes: bytes, arena_bytes: int) -> bool:
    """True when TFLM can allocate the model in `arena_bytes` and invoke it once on random input.

    In-process: it may crash the process on some too-small sizes; `tflm_min_arena_bytes` calls
    it only inside a child process.
    """
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


def _search(model_bytes: bytes, probe: Probe) -> int:
    # Exponential search for a size that works, then a binary search below it, in steps of
    # TFLM's buffer alignment: an arena is declared `alignas(16) uint8_t arena[N]`.
    too_small = 0
    enough = _FIRST_PROBE_BYTES
    while not probe(model_bytes, enough):
        too_small = enough
        enough *= 2
        if enough > MAX_ARENA_BYTES:
            raise ArenaMeasurementError(
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


class IsolatedProbe:
    """A probe answered by a child process that loads the model once and answers one arena size
    per line on stdin with "1" (enough) or "0" (too small) on stdout.

    When the child dies during a probe (segfault, abort), that size counts as too small and the
    next probe starts a fresh child. `probe` ("module:function") is what the child calls; tests
    pass one that crashes on purpose.
    """

    def __init__(
        self,
        model_bytes: bytes,
        *,
        probe: str = DEFAULT_PROBE,
        timeout_s: float = PROBE_TIMEOUT_S,
        max_crashes: int = MAX_CHILD_CRASHES,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mcuforge-arena-")
        self._model_path = Path(self._tmp.name) / "model.tflite"
        self._model_path.write_bytes(model_bytes)
        self._stderr_path = Path(self._tmp.name) / "stderr.txt"
        self._probe = probe
        self._timeout_s = timeout_s
        self._max_crashes = max_crashes
        self._child: subprocess.Popen[bytes] | None = None
        self.crashes: list[tuple[int, str]] = []  # (arena bytes, how the child died)
        self.results: dict[int, bool] = {}

    def __enter__(self) -> IsolatedProbe:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop_child()
        self._tmp.cleanup()

    def __call__(self, _model_bytes: bytes, arena_bytes: int) -> bool:
        if self._child is None:
            self._child = self._start_child()
        child = self._child
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(f"{arena_bytes}\n".encode())
            child.stdin.flush()
        except BrokenPipeError:
            pass  # it died before the question; the read below sees the end of its output
        answer = self._read_line(child, f"the probe of a {arena_bytes} byte arena")
        if answer in (b"1", b"0"):
            self.results[arena_bytes] = answer == b"1"
            return answer == b"1"
        self._child = None
        returncode = _wait_or_kill(child)
        self.crashes.append((arena_bytes, _death(returncode, self._stderr_tail())))
        if len(self.crashes) > self._max_crashes:
            raise ArenaMeasurementError(
                f"the tflite-micro probe crashed {len(self.crashes)} times (last at "
                f"{arena_bytes} bytes: {self.crashes[-1][1]}); the arena is unknown"
            )
        self.results[arena_bytes] = False
        return False

    def _start_child(self) -> subprocess.Popen[bytes]:
        with self._stderr_path.open("wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "deploy_targets.estimate.tflm_arena",
                 str(self._model_path), self._probe],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=_REPO_ROOT,
            )
        ready = self._read_line(child, "loading tflite-micro")
        if ready != b"ready":
            returncode = _wait_or_kill(child)
            raise ArenaMeasurementError(
                "the tflite-micro probe could not start: "
                f"{_death(returncode, self._stderr_tail())}"
            )
        return child

    def _read_line(self, child: subprocess.Popen[bytes], what: str) -> bytes:
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            if not selector.select(self._timeout_s):
                self._child = None
                child.kill()
                child.wait()
                _close_pipes(child)
                raise ArenaMeasurementError(
                    f"{what} took over {self._timeout_s:g} s; the arena is unknown"
                )
        return child.stdout.readline().strip()

    def _stderr_tail(self) -> str:
        try:
            lines = self._stderr_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][:200] if lines else ""

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            assert child.stdin is not None
            child.stdin.close()  # the child's loop ends at the end of its input
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        _close_pipes(child)


def _wait_or_kill(child: subprocess.Popen[bytes]) -> int:
    # Its output ended or made no sense: it is dying, or alive and confused (then stop it).
    try:
        returncode = child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        returncode = child.wait()
    _close_pipes(child)
    return returncode


def _close_pipes(child: subprocess.Popen[bytes]) -> None:
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _death(returncode: int, stderr_tail: str) -> str:
    if returncode < 0:
        try:
            how = f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"killed by signal {-returncode}"
    else:
        how = f"exited with status {returncode}"
    return f"{how} ({stderr_tail})" if stderr_tail else how


def tflm_min_arena_bytes(model_bytes: bytes, *, probe: str = DEFAULT_PROBE) -> int:
    """Smallest `arena_size` (bytes) with which tflite-micro allocates AND invokes the model.

    The answer is a multiple of TFLM's 16-byte buffer alignment (the Python build places its
    arena at an arbitrary address, so a byte-exact search can land 8 bytes lower than any
    aligned on-device arena could). The whole search runs in one child process (see
    IsolatedProbe); raises ArenaMeasurementError when no answer can be had.
    """
    if not model_bytes:
        raise ValueError("model_bytes is empty; pass the contents of a .tflite file")
    with IsolatedProbe(model_bytes, probe=probe) as isolated:
        try:
            return _search(model_bytes, isolated)
        except ArenaMeasurementError as error:
            if not isolated.crashes:
                raise
            size, death = isolated.crashes[-1]
            raise ArenaMeasurementError(
                f"{error} (the probe crashed at {len(isolated.crashes)} sizes, the last at "
                f"{size} bytes: {death})"
            ) from None


# What each of TFLM's recorded arena allocations is, with its size in the 64-bit host build
# (where tflm_min_arena_bytes measures) and on a 32-bit Cortex-M. Layouts from tflite-micro's
# tensorflow/lite/c/common.h with TF_LITE_STATIC_MEMORY (pointers and size_t 8 -> 4 bytes):
#   TfLiteEvalTensor {data*, dims*, type}                                 24 -> 12
#   TfLiteTensor {data*, dims*, params(8), quantization{type, params*},
#                 bytes(size_t), type, allocation_type, is_variable}      64 -> 40
#   TfLiteAffineQuantization {scale*, zero_point*, quantized_dimension}   24 -> 12
#   NodeAndRegistration {TfLiteNode{inputs*, outputs*, intermediates*, user_data*,
#                 builtin_data*, custom_initial_data*, int}, registration*} 64 -> 32
# (name in RecordingMicroAllocator's report, bytes per item on 64-bit, bytes per item on 32-bit)
_POINTER_SIZED_RECORDS = (
    ("TfLiteEvalTensor data", 24, 12),
    ("Persistent TfLiteTensor data", 64, 40),
    ("NodeAndRegistration struct", 64, 32),
)
# Each persistent tensor's quantization is one TfLiteAffineQuantization (24 -> 12) plus its
# zero-point array (same size on both).
_AFFINE_QUANTIZATION_BYTES = (24, 12)
_RECORD = re.compile(
    r"'(?P<name>[^']+)' used (?P<used>\d+) bytes with alignment overhead \(requested "
    r"(?P<requested>\d+) bytes for (?P<count>\d+) "
)


@dataclass(frozen=True)
class TflmArena32:
    """TFLM's smallest arena, measured on the 64-bit host and converted to a 32-bit target."""

    host_bytes: int  # the 64-bit host build's smallest arena (tflm_min_arena_bytes)
    target_bytes: int  # the same with TFLM's pointer-holding structs at their 32-bit sizes
    saved: dict[str, int]  # record name -> bytes it shrinks by


def tflm_allocation_report(model_bytes: bytes, arena_bytes: int) -> str:
    """TFLM's RecordingMicroAllocator report (print_allocations) for `arena_bytes`, from a child
    process (the C++ side prints to the process's stdout)."""
    with tempfile.TemporaryDirectory(prefix="mcuforge-arena-") as tmp:
        model_path = Path(tmp) / "model.tflite"
        model_path.write_bytes(model_bytes)
        script = (
            "import sys\n"
            "from tflite_micro.python.tflite_micro import runtime\n"
            "i = runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read(),"
            " arena_size=int(sys.argv[2]))\n"
            "sys.stdout.flush()\n"
            "i.print_allocations()\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, str(model_path), str(arena_bytes)],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, cwd=_REPO_ROOT,
        )
    # TFLM's MicroPrintf writes to stderr.
    report = result.stdout + result.stderr
    if result.returncode != 0 or "RecordingMicroAllocator" not in report:
        raise ArenaMeasurementError(
            f"tflite-micro printed no allocation report for a {arena_bytes} byte arena (exit "
            f"{result.returncode}): {report[-1000:]}"
        )
    return report


def tflm_arena_32bit(model_bytes: bytes, host_arena_bytes: int) -> TflmArena32:
    """The arena TFLM needs on a 32-bit target: the 64-bit host's smallest arena less what its
    pointer-holding bookkeeping structs lose at 4-byte pointers (see _POINTER_SIZED_RECORDS).

    Operator data ('Persistent buffer data') and the allocator's unrecorded tail are kept at
    their host sizes, so this is an upper bound of the device arena (their few pointers shrink
    too); tensor data is the same on both.
    """
    report = tflm_allocation_report(model_bytes, host_arena_bytes)
    records = {m["name"]: (int(m["used"]), int(m["count"])) for m in _RECORD.finditer(report)}
    saved: dict[str, int] = {}
    for name, host_size, target_size in _POINTER_SIZED_RECORDS:
        used, count = records.get(name, (0, 0))
        if name == "Persistent TfLiteTensor data":
            count = used // host_size  # the report counts tensors here, one struct each
        saved[name] = count * (host_size - target_size)
    tensors = records.get("Persistent TfLiteTensor data", (0, 0))[0] // 64
    host_affine, target_affine = _AFFINE_QUANTIZATION_BYTES
    saved["Persistent TfLiteTensor quantization data"] = tensors * (host_affine - target_affine)
    return TflmArena32(host_arena_bytes, host_arena_bytes - sum(saved.values()), saved)


def _load_probe(spec: str) -> Probe:
    import importlib

    module_name, _, function_name = spec.partition(":")
    probe: Probe = getattr(importlib.import_module(module_name), function_name)
    return probe


@contextlib.contextmanager
def _protocol_stdout() -> Iterator[int]:
    # The answers go on a private copy of stdout; anything the C++ side prints goes to stderr.
    sys.stdout.flush()
    answers = os.dup(1)
    os.dup2(2, 1)
    try:
        yield answers
    finally:
        os.close(answers)


def _serve(model_path: str, probe_spec: str) -> None:
    """The child: answer one arena size per stdin line until stdin closes."""
    probe = _load_probe(probe_spec)
    model_bytes = Path(model_path).read_bytes()
    with _protocol_stdout() as answers:
        os.write(answers, b"ready\n")
        for line in sys.stdin:
            enough = probe(model_bytes, int(line))
            os.write(answers, b"1\n" if enough else b"0\n")


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else DEFAULT_PROBE)
