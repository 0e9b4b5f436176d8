"""`mcuforge login`/`logout` against a live server: the personal token they keep (mode 0600,
never printed), `mcuforge upload` with it, revocation, and the server URL from settings."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np

from tests.cli.conftest import mcuforge
from tests.utils.api import PASSWORD
from tests.utils.files import wav_bytes

USERNAME = "cli-owner"  # the owner fixture's account


def _credentials(config_home: Path) -> Path:
    return config_home / "mcuforge" / "credentials.json"


def _wav(folder: Path, rng: np.random.Generator, name: str = "yes.1.wav") -> str:
    path = folder / name
    path.write_bytes(wav_bytes(rng, seconds=0.05))
    return str(path)


def test_login_upload_with_the_token_then_logout_revokes_it(
    live_server: str, owner: httpx.Client, project: dict, config_home: Path, tmp_path: Path,
    rng: np.random.Generator,
) -> None:
    login = mcuforge("login", "--url", live_server, "--username", USERNAME,
                     stdin=f"{PASSWORD}\n")
    assert login.returncode == 0, login.stderr
    path = _credentials(config_home)
    stored = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored["url"] == live_server and stored["username"] == USERNAME
    assert stored["token"] not in login.stdout + login.stderr
    assert PASSWORD not in path.read_text()
    tokens = owner.get("/api/users/me/tokens").json()["data"]
    assert stored["token_id"] in [token["id"] for token in tokens]

    # No --url and no --api-key: the server and the personal token of the login.
    upload = mcuforge("upload", "--quiet", "--project", project["name"], _wav(tmp_path, rng))
    assert upload.returncode == 0, upload.stderr
    assert "1 of 1 files stored" in upload.stdout
    samples = owner.get(f"/api/projects/{project['id']}/samples").json()["data"]
    assert [sample["filename"] for sample in samples] == ["yes.1.wav"]

    logout = mcuforge("logout")
    assert logout.returncode == 0, logout.stderr
    assert not path.exists()
    tokens = owner.get("/api/users/me/tokens").json()["data"]
    assert stored["token_id"] not in [token["id"] for token in tokens]
    revoked = httpx.get(f"{live_server}/api/users/me",
                        headers={"Authorization": f"Bearer {stored['token']}"})
    assert revoked.status_code == 401

    after = mcuforge("upload", "--quiet", "--project", project["name"], _wav(tmp_path, rng, "b.wav"))
    assert after.returncode == 2
    assert "run `mcuforge login` or pass --api-key" in after.stderr


def test_wrong_password_is_refused_clearly_and_nothing_is_stored(
    live_server: str, owner: httpx.Client, config_home: Path
) -> None:
    tokens_before = owner.get("/api/users/me/tokens").json()["count"]
    login = mcuforge("login", "--url", live_server, "--username", USERNAME,
                     stdin="not the password\n")
    assert login.returncode == 1
    assert "wrong username or password" in login.stderr
    assert not _credentials(config_home).exists()
    assert owner.get("/api/users/me/tokens").json()["count"] == tokens_before


def test_a_revoked_token_is_reported_with_what_to_do(
    live_server: str, owner: httpx.Client, project: dict, config_home: Path, tmp_path: Path,
    rng: np.random.Generator,
) -> None:
    assert mcuforge("login", "--url", live_server, "--username", USERNAME,
                    stdin=f"{PASSWORD}\n").returncode == 0
    token_id = json.loads(_credentials(config_home).read_text())["token_id"]
    assert owner.delete(f"/api/users/me/tokens/{token_id}").status_code == 204
    upload = mcuforge("upload", "--quiet", "--project", project["name"], _wav(tmp_path, rng))
    assert upload.returncode == 2
    assert "run `mcuforge login` again" in upload.stderr
    # Logging out of a token revoked elsewhere still forgets it.
    assert mcuforge("logout").returncode == 0
    assert not _credentials(config_home).exists()


def test_the_server_url_comes_from_mcuforge_host_and_port(
    live_server: str, owner: httpx.Client, project: dict, config_home: Path, tmp_path: Path,
    rng: np.random.Generator,
) -> None:
    address = urlsplit(live_server)
    settings = {"MCUFORGE_HOST": str(address.hostname), "MCUFORGE_PORT": str(address.port)}
    upload = mcuforge("upload", "--quiet", "--api-key", project["api_key"], "--project",
                      str(project["id"]), _wav(tmp_path, rng), env=settings)
    assert upload.returncode == 0, upload.stderr
    # Another port, nothing listening there: the setting is what the command used.
    elsewhere = mcuforge("upload", "--quiet", "--api-key", project["api_key"], "--project",
                         str(project["id"]), _wav(tmp_path, rng, "b.wav"),
                         env={**settings, "MCUFORGE_PORT": "9"})
    assert elsewhere.returncode == 2
    assert "cannot reach the mcuforge server at http://127.0.0.1:9" in elsewhere.stderr

    login = mcuforge("login", "--username", USERNAME, stdin=f"{PASSWORD}\n", env=settings)
    assert login.returncode == 0, login.stderr
    assert json.loads(_credentials(config_home).read_text())["url"] == live_server
    assert mcuforge("logout").returncode == 0


def test_a_token_is_not_sent_to_another_server_than_its_own(
    live_server: str, project: dict, config_home: Path, tmp_path: Path,
    rng: np.random.Generator,
) -> None:
    assert mcuforge("login", "--url", live_server, "--username", USERNAME,
                    stdin=f"{PASSWORD}\n").returncode == 0
    other = mcuforge("upload", "--quiet", "--url", "http://127.0.0.1:9", "--project",
                     str(project["id"]), _wav(tmp_path, rng))
    assert other.returncode == 2
    assert f"is for {live_server}" in other.stderr
    assert mcuforge("logout").returncode == 0
