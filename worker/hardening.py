"""Keep a process's memory and environment away from other processes of the same user.

Expert-mode training scripts run as the worker's user; without this they could read the
worker's (and the API server's) secrets through /proc/<pid>/environ or /proc/<pid>/mem.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _prctl(option: int, value: int = 0) -> int:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    result: int = libc.prctl(option, value, 0, 0, 0)
    return result


def make_process_undumpable() -> bool:
    """Mark this process non-dumpable (Linux): its /proc files then belong to root, so a process
    of the same non-root user can neither read its environment nor attach to it. Children
    started with exec() are dumpable again, which is what the training sandbox needs."""
    if not sys.platform.startswith("linux"):
        return False
    return _prctl(PR_SET_DUMPABLE, 0) == 0


def is_process_dumpable() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return _prctl(PR_GET_DUMPABLE) == 1
