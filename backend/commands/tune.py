"""`mcuforge tune`: start a tuner search on a project over the HTTP API, follow it with a
progress bar until it ends, and print the best trials."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from backend.commands.credentials import credentials_path, load_credentials, settings_url
from backend.commands.upload import UploadFailed, _detail, resolve_project

POLL_SECONDS = 2.0
SHOWN_TRIALS = 5


class TuneFailed(Exception):
    """The search could not be started or followed; str() says why."""


def _row(trial: dict[str, Any], objective: str) -> str:
    result = trial.get("result") or {}
    cost = result.get("cost") or {}
    config = trial.get("config") or {}
    dsp = (config.get("dsp") or {}).get("type", "?")
    network = (config.get("network") or {}).get("description", "?")
    value = trial.get("objective_value")
    value_text = (
        "-" if value is None else (f"{value:.3f}" if objective != "mae" else f"{value:.4g}")
    )
    latency = cost.get("latency_ms")
    ram = cost.get("ram_bytes")
    flash = cost.get("flash_bytes")
    front = "*" if trial.get("on_pareto_front") else " "
    current = " (current impulse)" if config.get("current_impulse") else ""
    same_as = result.get("same_as")
    if same_as is not None:
        current += f" (same as #{same_as})"
    return (
        f"{front}#{trial['number']:<4} {trial['state']:<9} {objective} {value_text:>7}  "
        f"{'-' if latency is None else f'{latency:.2f} ms':>10}  "
        f"RAM {'-' if ram is None else f'{ram / 1024:.1f} kB':>9}  "
        f"flash {'-' if flash is None else f'{flash / 1024:.1f} kB':>9}  {dsp}; {network}"
        f"{current}"
    )


def failed_trials(search: dict[str, Any]) -> list[str]:
    """One line per failed trial (repeats of an earlier failure left out): its number, DSP
    block and network, and the reason in full, so the user sees what to change."""
    lines = []
    for trial in search["trials"]:
        result = trial.get("result") or {}
        if trial["state"] != "failed" or result.get("same_as") is not None:
            continue
        config = trial.get("config") or {}
        dsp = (config.get("dsp") or {}).get("type", "?")
        network = (config.get("network") or {}).get("description", "?")
        rate = config.get("learning_rate")
        settings = f"{dsp}; {network}" + (f"; learning rate {rate:.3g}" if rate else "")
        reason = result.get("reason") or trial.get("error") or "no reason recorded"
        lines.append(f"#{trial['number']} ({settings}): {reason}")
    return lines


def best_trials(search: dict[str, Any], count: int = SHOWN_TRIALS) -> list[dict[str, Any]]:
    """Complete trials, best objective first (MAE: lowest), ties by latency."""
    sign = -1.0 if search["objective"] == "mae" else 1.0
    complete = [
        t
        for t in search["trials"]
        if t["state"] == "complete" and t.get("objective_value") is not None
    ]
    return sorted(
        complete, key=lambda t: (-sign * t["objective_value"], t.get("latency_ms") or 0.0)
    )[:count]


def tune(
    *,
    url: str,
    project: str,
    body: dict[str, Any],
    api_key: str | None,
    bearer_token: str | None,
    progress: bool = True,
    poll_seconds: float = POLL_SECONDS,
) -> dict[str, Any]:
    """Start the search, wait for its end (progress bar of finished trials), return it."""
    import httpx
    from tqdm import tqdm

    if api_key:
        headers, remedy = {"x-api-key": api_key}, "check --api-key"
    elif bearer_token:
        headers = {"Authorization": f"Bearer {bearer_token}"}
        remedy = "run `mcuforge login` again or pass --api-key"
    else:
        raise TuneFailed("run `mcuforge login` or pass --api-key (a project's API key)")
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            try:
                project_id = resolve_project(client, project, remedy)
            except UploadFailed as error:
                raise TuneFailed(str(error)) from None
            base = f"/api/projects/{project_id}/tuner/searches"
            response = client.post(base, json=body)
            if response.status_code != 202:
                raise TuneFailed(f"the search was not started: {_detail(response)}")
            search = response.json()
            total = search["max_trials"]
            with tqdm(total=total, unit="trial", disable=not progress, file=sys.stderr) as bar:
                while search["state"] in ("running", "paused"):
                    time.sleep(poll_seconds)
                    response = client.get(f"{base}/{search['id']}")
                    if response.status_code != 200:
                        raise TuneFailed(f"cannot read search {search['id']}: {_detail(response)}")
                    search = response.json()
                    bar.n = search["trials_finished"]
                    best = best_trials(search, 1)
                    if best:
                        bar.set_postfix_str(
                            f"best {search['objective']} {best[0]['objective_value']:.3g}"
                        )
                    bar.refresh()
            return search
    except httpx.HTTPError as error:
        raise TuneFailed(f"cannot reach the mcuforge server at {url}: {error}") from None


def _body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {
        "board": args.board,
        "objective": args.objective,
        "parallel_trials": args.parallel,
        "epochs": args.epochs,
        "pareto": not args.single_objective,
    }
    optional = {
        "max_trials": args.trials,
        "time_budget_s": args.time_budget,
        "impulse_id": args.impulse,
        "max_latency_ms": args.max_latency_ms,
        "max_ram_bytes": args.max_ram_kb * 1024 if args.max_ram_kb else None,
        "max_flash_bytes": args.max_flash_kb * 1024 if args.max_flash_kb else None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if args.labels:
        body["objective_labels"] = [label.strip() for label in args.labels.split(",") if label]
    return body


def _run(args: argparse.Namespace) -> int:
    stored = None if args.api_key else load_credentials()
    url = args.url or (stored.url if stored else settings_url())
    if stored is not None and args.url and args.url.rstrip("/") != stored.url:
        print(
            f"mcuforge tune: the token in {credentials_path()} is for {stored.url}, not "
            f"{args.url}; run `mcuforge login --url {args.url}` or pass --api-key",
            file=sys.stderr,
        )
        return 2
    try:
        search = tune(
            url=url.rstrip("/"),
            project=args.project,
            body=_body(args),
            api_key=args.api_key,
            bearer_token=stored.token if stored else None,
            progress=not args.quiet,
        )
    except TuneFailed as error:
        print(f"mcuforge tune: {error}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for trial in search["trials"]:
        counts[trial["state"]] = counts.get(trial["state"], 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    print(
        f"Search {search['id']} {search['state']} after {search['running_seconds']:.0f} s: "
        f"{summary or 'no trials'} (board {search['board']})."
    )
    failed = failed_trials(search)
    if failed:
        print("Failed trials:")
        for line in failed:
            print("  " + line)
    best = best_trials(search)
    if not best:
        print("No trial completed.", file=sys.stderr)
        return 1
    print("Best trials (* = on the Pareto front of objective vs latency):")
    for trial in best:
        print("  " + _row(trial, search["objective"]))
    # What the best trials are to be compared with, when it is not among them.
    for trial in search["trials"]:
        if (trial.get("config") or {}).get("current_impulse") and trial not in best:
            print("  " + _row(trial, search["objective"]))
    print(
        f"Apply one: POST /api/projects/{search['project_id']}/tuner/searches/{search['id']}"
        f"/trials/<trial id>/apply (ids: {', '.join(str(t['id']) for t in best)})"
    )
    return 0 if search["state"] == "done" else 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "tune",
        help="search DSP parameters and networks for a project under a board's limits",
        description="Start a tuner search over the HTTP API and show its progress until it "
        "ends; then print the best trials. Exits 1 when no trial completed or the search was "
        "cancelled, 2 when it could not be started.",
    )
    parser.add_argument("--project", required=True, help="project id or exact project name")
    parser.add_argument("--board", default="nano33ble", help="board profile (default nano33ble)")
    parser.add_argument(
        "--trials", type=int, help="number of trials (default 30 without --time-budget)"
    )
    parser.add_argument("--time-budget", type=int, metavar="SECONDS", help="stop after this long")
    parser.add_argument("--objective", choices=["accuracy", "f1", "mae"], default="accuracy")
    parser.add_argument(
        "--labels", help="comma-separated labels whose F1 to raise (--objective f1)"
    )
    parser.add_argument("--impulse", type=int, help="impulse id to explore (default the newest)")
    parser.add_argument("--max-latency-ms", type=float, help="longest DSP + model time allowed")
    parser.add_argument("--max-ram-kb", type=int, help="RAM allowed, below the board's")
    parser.add_argument("--max-flash-kb", type=int, help="flash allowed, below the board's")
    parser.add_argument("--parallel", type=int, default=2, help="trials at once (default 2)")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs per trial")
    parser.add_argument(
        "--single-objective",
        action="store_true",
        help="TPE on the objective alone instead of NSGA-II with latency",
    )
    parser.add_argument("--url", help="the server (default: the one `mcuforge login` used)")
    parser.add_argument("--api-key", help="a project's API key (default: the login token)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)
