"""Zip a generated folder reproducibly: sorted entries, fixed timestamps, one root folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

# 1980-01-01, the earliest time a zip entry can hold: the same inputs give the same bytes.
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def zip_folder(folder: Path, zip_path: Path, root_name: str | None = None) -> Path:
    """Write every file under `folder` into `zip_path`, under `root_name/` (the folder's name
    by default); returns `zip_path`."""
    folder = Path(folder)
    root = root_name or folder.name
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{root}/{path.relative_to(folder).as_posix()}", _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return zip_path
