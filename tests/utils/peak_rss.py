"""Run a memory workload (tests/memory/workloads.py) in a fresh interpreter and read its result:
peak RSS is measured by the process that did the work, not by a timer or by pytest's process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def run_workload(
    *args: str, env: dict[str, str] | None = None, timeout_s: float = 300
) -> dict[str, Any]:
    """`python -m tests.memory.workloads ARGS`; its last stdout line, parsed."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.memory.workloads", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
