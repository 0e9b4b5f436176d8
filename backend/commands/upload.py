"""`mcuforge upload`: send files to a project over the HTTP API, in batches, with a progress bar."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend.commands.credentials import credentials_path, load_credentials, settings_url

BATCH_FILES = 20
BATCH_BYTES = 16 * 1024 * 1024


class UploadFailed(Exception):
    """The upload cannot go on (server unreachable, project unknown...); str() says why."""


def _batches(paths: list[Path]) -> Iterator[list[Path]]:
    batch: list[Path] = []
    batch_bytes = 0
    for path in paths:
        size = path.stat().st_size
        if batch and (len(batch) >= BATCH_FILES or batch_bytes + size > BATCH_BYTES):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(path)
        batch_bytes += size
    if batch:
        yield batch


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"


def resolve_project(client: Any, project: str, remedy: str = "check the credentials") -> int:
    """A project id from an id or an exact name; `remedy` says what to do if the server
    refuses the credentials."""
    if project.isdigit():
        response = client.get(f"/api/projects/{project}")
        if response.status_code == 200:
            return int(response.json()["id"])
    response = client.get("/api/projects", params={"name": project})
    if response.status_code == 401:
        raise UploadFailed(f"the server refused the credentials ({_detail(response)}); {remedy}")
    if response.status_code != 200:
        raise UploadFailed(f"cannot list projects: {_detail(response)}")
    matches = response.json()["data"]
    if not matches:
        raise UploadFailed(f'no project has the id or the name "{project}"')
    return int(matches[0]["id"])


def upload_files(
    *,
    url: str,
    project: str,
    paths: list[Path],
    label: str | None = None,
    value: str | None = None,
    category: str | None = None,
    api_key: str | None = None,
    bearer_token: str | None = None,
    allow_duplicates: bool = False,
    progress: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Upload every path; returns (accepted samples, rejected {filename, error})."""
    import httpx
    from tqdm import tqdm

    if api_key:
        headers = {"x-api-key": api_key}
        remedy = "check --api-key"
    elif bearer_token:
        headers = {"Authorization": f"Bearer {bearer_token}"}
        remedy = "run `mcuforge login` again or pass --api-key"
    else:
        raise UploadFailed("run `mcuforge login` or pass --api-key (a project's API key)")
    form: dict[str, str] = {"allow_duplicates": "true" if allow_duplicates else "false"}
    if label is not None:
        form["label"] = label
    if value is not None:
        form["value"] = value  # the server checks that it is a number
    if category is not None:
        form["category"] = category
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
            project_id = resolve_project(client, project, remedy)
            with tqdm(total=len(paths), unit="file", disable=not progress, file=sys.stderr) as bar:
                for batch in _batches(paths):
                    files = [("files", (path.name, path.read_bytes())) for path in batch]
                    response = client.post(f"/api/projects/{project_id}/samples", files=files, data=form)
                    body = response.json() if "json" in response.headers.get("content-type", "") else {}
                    if "accepted" in body:
                        accepted += body["accepted"]
                        rejected += body["rejected"]
                    else:
                        # The request as a whole was refused (too large, bad label...): every file of it.
                        reason = _detail(response)
                        rejected += [{"filename": path.name, "error": reason} for path in batch]
                    bar.update(len(batch))
    except httpx.HTTPError as error:
        raise UploadFailed(f"cannot reach the mcuforge server at {url}: {error}") from None
    return accepted, rejected


def _run(args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"mcuforge upload: not a file: {', '.join(missing)}", file=sys.stderr)
        return 2
    # A project key wins; otherwise the personal token of `mcuforge login`, on its server.
    stored = None if args.api_key else load_credentials()
    url = args.url or (stored.url if stored else settings_url())
    if stored is not None and args.url and args.url.rstrip("/") != stored.url:
        print(f"mcuforge upload: the token in {credentials_path()} is for {stored.url}, not "
              f"{args.url}; run `mcuforge login --url {args.url}` or pass --api-key",
              file=sys.stderr)
        return 2
    try:
        accepted, rejected = upload_files(
            url=url.rstrip("/"),
            project=args.project,
            paths=paths,
            label=args.label,
            value=args.value,
            category=args.category,
            api_key=args.api_key,
            bearer_token=stored.token if stored else None,
            allow_duplicates=args.allow_duplicates,
            progress=not args.quiet,
        )
    except UploadFailed as error:
        print(f"mcuforge upload: {error}", file=sys.stderr)
        return 2
    print(f"{len(accepted)} of {len(paths)} files stored.")
    if rejected:
        print(f"{len(rejected)} refused:", file=sys.stderr)
        for rejection in rejected:
            print(f"  {rejection['filename']}: {rejection['error']}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "upload",
        help="upload files to a project over the HTTP API",
        description="Upload WAV, CSV, JSON/CBOR acquisition files and images to a project. "
        "Exits 1 listing the refused files, 2 when nothing could be sent.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--project", required=True, help="project id or exact project name")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--label", help="label of every file (default: from the file's content or name)")
    target.add_argument(
        "--value", help="regression target of every file, a number stored as its label (e.g. 21.5)"
    )
    parser.add_argument("--category", choices=["training", "testing", "auto"], help="default auto (80/20 split)")
    parser.add_argument(
        "--url",
        help="the server (default: the one `mcuforge login` signed in to, else "
        "http://MCUFORGE_HOST:MCUFORGE_PORT)",
    )
    parser.add_argument(
        "--api-key",
        help="a project's API key, sent as x-api-key (default: the personal token stored by "
        "`mcuforge login`, sent as Authorization: Bearer)",
    )
    parser.add_argument("--allow-duplicates", action="store_true", help="store files already in the project")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)
