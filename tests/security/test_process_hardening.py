"""The worker and API processes hide their environment from same-user processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_process_made_undumpable_reports_so_and_its_exec_children_are_dumpable() -> None:
    # In a child interpreter: making the test runner itself undumpable would outlive the test.
    script = textwrap.dedent(
        """
        import subprocess, sys
        from worker.hardening import is_process_dumpable, make_process_undumpable
        assert is_process_dumpable()
        assert make_process_undumpable()
        assert not is_process_dumpable()
        child = subprocess.run(
            [sys.executable, "-c",
             "from worker.hardening import is_process_dumpable; print(is_process_dumpable())"],
            capture_output=True, text=True, check=True)
        print(child.stdout.strip())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
