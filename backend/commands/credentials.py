"""Where the command line keeps its sign-in: the server URL and a personal bearer token in the
user's configuration folder, readable by that user only. Also the default server URL."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CREDENTIALS_FILE_MODE = 0o600


@dataclass(frozen=True)
class Credentials:
    """What `mcuforge login` stored: the token authenticates as `username` on `url`."""

    url: str
    username: str
    token: str
    token_id: int


def credentials_path() -> Path:
    """`$XDG_CONFIG_HOME/mcuforge/credentials.json` (~/.config when XDG_CONFIG_HOME is unset).

    The user's configuration folder is the client's concern, not a server setting, so it is
    read here rather than from backend.settings."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "mcuforge" / "credentials.json"


def settings_url() -> str:
    """http://MCUFORGE_HOST:MCUFORGE_PORT, the server `mcuforge serve` starts with the same
    settings (a wildcard host is reached on the loopback address)."""
    from backend.settings import settings

    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{settings.port}"


def load_credentials() -> Credentials | None:
    """The stored sign-in, or None when there is none (or the file is not one we wrote)."""
    path = credentials_path()
    try:
        stored = json.loads(path.read_text())
        return Credentials(
            url=str(stored["url"]),
            username=str(stored["username"]),
            token=str(stored["token"]),
            token_id=int(stored["token_id"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_credentials(credentials: Credentials) -> Path:
    """Write the file with mode 0600 from its creation on (never readable by others, not even
    for a moment), replacing any earlier sign-in."""
    path = credentials_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, CREDENTIALS_FILE_MODE)
    with os.fdopen(descriptor, "w") as file:
        os.fchmod(file.fileno(), CREDENTIALS_FILE_MODE)  # an older file may have other bits
        json.dump(asdict(credentials), file, indent=2)
    return path


def delete_credentials() -> bool:
    """Remove the stored sign-in; False when there was none."""
    try:
        credentials_path().unlink()
    except FileNotFoundError:
        return False
    return True
