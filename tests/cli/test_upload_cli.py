"""`mcuforge upload` against a live server: exit codes, refused files listed, what got stored."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import numpy as np

from tests.cli.conftest import free_port, mcuforge
from tests.utils.files import csv_bytes, wav_bytes


def mcuforge_upload(*args: str) -> subprocess.CompletedProcess[str]:
    return mcuforge("upload", "--quiet", *args)


def _samples(owner: httpx.Client, project: dict) -> list[dict]:
    return owner.get(f"/api/projects/{project['id']}/samples").json()["data"]


def _write(folder: Path, files: dict[str, bytes]) -> list[str]:
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [str(folder / name) for name in files]


def test_upload_by_name_in_batches_stores_every_file(
    live_server: str, owner: httpx.Client, project: dict, tmp_path: Path, rng: np.random.Generator
) -> None:
    paths = _write(tmp_path, {f"yes.{k}.wav": wav_bytes(rng, seconds=0.05) for k in range(25)})
    result = mcuforge_upload(
        "--url", live_server, "--api-key", project["api_key"], "--project", project["name"], *paths
    )
    assert result.returncode == 0, result.stderr
    assert "25 of 25 files stored" in result.stdout
    stored = _samples(owner, project)
    assert len(stored) == 25 and {s["label"] for s in stored} == {"yes"}


def test_refused_files_are_listed_and_exit_non_zero(
    live_server: str, owner: httpx.Client, project: dict, tmp_path: Path, rng: np.random.Generator
) -> None:
    paths = _write(
        tmp_path,
        {"good.1.wav": wav_bytes(rng), "empty.1.wav": b"", "fake.1.wav": csv_bytes(rng)},
    )
    key = ("--api-key", project["api_key"])
    result = mcuforge_upload(
        "--url", live_server, *key, "--project", str(project["id"]), "--label", "word", "--category", "testing", *paths
    )
    assert result.returncode == 1
    assert "2 refused" in result.stderr
    assert "empty.1.wav" in result.stderr and "fake.1.wav" in result.stderr
    assert "good.1.wav" not in result.stderr
    stored = _samples(owner, project)
    assert [(s["filename"], s["label"], s["category"]) for s in stored] == [("good.1.wav", "word", "testing")]

    again = mcuforge_upload("--url", live_server, *key, "--project", str(project["id"]), paths[0])
    assert again.returncode == 1 and "same content" in again.stderr
    allowed = mcuforge_upload(
        "--url", live_server, *key, "--project", str(project["id"]), "--allow-duplicates", paths[0]
    )
    assert allowed.returncode == 0, allowed.stderr
    assert len(_samples(owner, project)) == 2


def test_a_regression_value_labels_every_file_and_a_non_number_is_refused(
    live_server: str, owner: httpx.Client, project: dict, tmp_path: Path, rng: np.random.Generator
) -> None:
    paths = _write(tmp_path, {"any.1.csv": csv_bytes(rng)})
    common = ("--url", live_server, "--api-key", project["api_key"], "--project", project["name"])
    refused = mcuforge_upload(*common, "--value", "warm", *paths)
    assert refused.returncode == 1 and "not a number" in refused.stderr
    stored = mcuforge_upload(*common, "--value", "21.50", *paths)
    assert stored.returncode == 0, stored.stderr
    assert [s["label"] for s in _samples(owner, project)] == ["21.5"]


def test_unknown_project_missing_file_or_no_server_exit_2(
    live_server: str, project: dict, tmp_path: Path, rng: np.random.Generator
) -> None:
    paths = _write(tmp_path, {"yes.1.wav": wav_bytes(rng)})
    unknown = mcuforge_upload(
        "--url", live_server, "--api-key", project["api_key"], "--project", "no such project", *paths
    )
    assert unknown.returncode == 2 and 'no project has the id or the name "no such project"' in unknown.stderr
    wrong_key = mcuforge_upload(
        "--url", live_server, "--api-key", "mfk_not_a_key", "--project", "x", *paths
    )
    assert wrong_key.returncode == 2
    assert "refused the credentials" in wrong_key.stderr and "check --api-key" in wrong_key.stderr
    missing = mcuforge_upload("--url", live_server, "--project", "x", str(tmp_path / "absent.wav"))
    assert missing.returncode == 2 and "not a file" in missing.stderr
    offline = mcuforge_upload(
        "--url", f"http://127.0.0.1:{free_port()}", "--api-key", project["api_key"],
        "--project", "x", *paths,
    )
    assert offline.returncode == 2 and "cannot reach" in offline.stderr


def test_without_a_key_nothing_is_sent_and_a_read_only_key_cannot_upload(
    live_server: str, owner: httpx.Client, project: dict, tmp_path: Path, rng: np.random.Generator
) -> None:
    paths = _write(tmp_path, {"yes.1.wav": wav_bytes(rng)})
    anonymous = mcuforge_upload("--url", live_server, "--project", str(project["id"]), *paths)
    assert anonymous.returncode == 2
    assert "run `mcuforge login` or pass --api-key" in anonymous.stderr
    read_only = owner.post(
        f"/api/projects/{project['id']}/api-keys", json={"name": "ro", "scope": "read-only"}
    ).json()["key"]
    refused = mcuforge_upload(
        "--url", live_server, "--api-key", read_only, "--project", str(project["id"]), *paths
    )
    assert refused.returncode == 1 and "ingest" in refused.stderr
    assert _samples(owner, project) == []
