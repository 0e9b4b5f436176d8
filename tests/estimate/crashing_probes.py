"""Probes that the arena search's child process runs in tests: they crash the child on purpose."""

from __future__ import annotations

import os
import signal
import time

ENOUGH_FROM_BYTES = 2000


def crash_when_too_small(_model_bytes: bytes, arena_bytes: int) -> bool:
    """Enough from 2000 bytes; below that the process dies (abort or SIGSEGV), as TFLM can."""
    if arena_bytes >= ENOUGH_FROM_BYTES:
        return True
    if arena_bytes % 32:
        os.abort()
    os.kill(os.getpid(), signal.SIGSEGV)
    return False


def always_crash(_model_bytes: bytes, _arena_bytes: int) -> bool:
    os.kill(os.getpid(), signal.SIGSEGV)
    return False


def hang(_model_bytes: bytes, _arena_bytes: int) -> bool:
    time.sleep(3600)
    return True
