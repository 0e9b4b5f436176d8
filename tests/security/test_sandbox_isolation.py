"""Expert-mode isolation: a training script in the sandbox finds no server secret, database or
broker URL in its environment or settings, sees only its run's files and runs under rlimits.
(What the sandbox does NOT isolate is listed in README.md, "Security and isolation".)"""

from __future__ import annotations

import dataclasses
import json
import resource
from pathlib import Path

import pytest

from tests.conftest import require
from tests.learning.conftest import CLASS_NAMES, TEST_LIMITS, mfcc_like_dataset
from worker.learning import sandbox_launcher
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

SECRET = "s3cret-zebra-key-that-must-not-leak"
DATABASE_URL = "postgresql+psycopg://mcuforge:dbpassword@db.internal:5432/zebra"
REDIS_URL = "redis://:redispassword@redis.internal:6379/0"

SPY_SCRIPT = """
import json, os, resource
from pathlib import Path
try:  # inside bubblewrap the backend package does not exist at all
    from backend.settings import Settings
    loaded = Settings()
except ImportError:
    loaded = None
environ_bytes = Path("/proc/self/environ").read_bytes()
findings = {
    "variables": sorted(os.environ),
    "secret_in_environment": any(SECRET in v for v in os.environ.values()),
    "secret_in_proc_environ": SECRET.encode() in environ_bytes,
    "database_in_environment": any("dbpassword" in v for v in os.environ.values()),
    "redis_in_environment": any("redispassword" in v for v in os.environ.values()),
    "settings_secret_key": loaded and loaded.secret_key,
    "settings_database_url": loaded and loaded.database_url,
    "settings_redis_url": loaded and loaded.redis_url,
    "nproc_limit": resource.getrlimit(resource.RLIMIT_NPROC)[0],
    "fsize_limit": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
    "workdir_files": sorted(os.listdir(".")),
    "memory_limit_bytes": resource.getrlimit(resource.RLIMIT_AS)[0],
    "cpu_limit_s": resource.getrlimit(resource.RLIMIT_CPU)[0],
}
raise ValueError("FINDINGS" + json.dumps(findings))
"""


@pytest.mark.parametrize("isolation", ["process", "bubblewrap"])
def test_a_sandboxed_script_finds_no_secret_key_database_or_broker_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolation: str
) -> None:
    limits = dataclasses.replace(TEST_LIMITS, isolation=isolation)  # type: ignore[arg-type]
    if isolation == "bubblewrap":
        probe = sandbox_launcher.probe(limits.bwrap_path)
        require(probe.available, f"bubblewrap is {probe.describe()}")
    monkeypatch.setenv("MCUFORGE_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    # A .env next to the worker's working directory must not reach the sandbox either.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"MCUFORGE_SECRET_KEY={SECRET}\nDATABASE_URL={DATABASE_URL}\n")
    features, labels = mfcc_like_dataset(6)
    script = f"SECRET = {SECRET!r}\n" + SPY_SCRIPT
    settings = TrainingSettings(epochs=1, batch_size=8)
    with pytest.raises(TrainingError) as caught:
        train(
            features,
            labels,
            CLASS_NAMES,
            LearningBlockSpec(expert_script=script),
            settings,
            tmp_path / "run",
            None,
            limits=limits,
            measure_arena=False,
        )
    message = caught.value.message
    assert "FINDINGS" in message, message
    findings = json.loads(message.split("FINDINGS", 1)[1])
    assert not {"MCUFORGE_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} & set(findings["variables"])
    assert findings["secret_in_environment"] is False
    assert findings["secret_in_proc_environ"] is False
    assert findings["database_in_environment"] is False and findings["redis_in_environment"] is False
    assert findings["settings_secret_key"] != SECRET
    assert findings["settings_database_url"] is None and findings["settings_redis_url"] is None
    # Only this run's script, job and features: no database file, no other project's data.
    assert set(findings["workdir_files"]) <= {
        "script.py",
        "job.json",
        "X_train.npy",
        "y_train.npy",
        "X_validation.npy",
        "y_validation.npy",
        ".keras",  # Keras's own settings: HOME is the working directory
    }
    assert "X_train.npy" in findings["workdir_files"]
    if TEST_LIMITS.memory_limit_bytes is not None:
        assert findings["memory_limit_bytes"] == TEST_LIMITS.memory_limit_bytes
    assert findings["cpu_limit_s"] not in (resource.RLIM_INFINITY, -1)
    assert findings["nproc_limit"] == limits.max_processes
    assert findings["fsize_limit"] == limits.max_file_bytes
