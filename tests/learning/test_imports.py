"""The worker process stays light: only the sandbox loads TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from worker.learning.runner import REPO_ROOT


def test_the_learning_entry_points_do_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "import worker.learning.train, worker.learning.model_testing, worker.learning.anomaly\n"
        "import worker.learning.notebook, worker.learning.runner\n"
        "print(sorted(m for m in ('tensorflow', 'tf_keras') if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
