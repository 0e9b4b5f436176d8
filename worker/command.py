"""`mcuforge worker`: run a Celery worker that executes mcuforge's jobs (embedded broker or Redis)."""

from __future__ import annotations

import argparse
import os

LOG_LEVELS = ["debug", "info", "warning", "error", "critical"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; at least 1 is needed")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run a worker that executes jobs (training, deployment, self-checks...)",
        description=(
            "Run a Celery worker on mcuforge's app. Without REDIS_URL it uses the embedded "
            "broker in MCUFORGE_DATA_DIR (one machine); with REDIS_URL, workers may run on "
            "many machines that share DATABASE_URL."
        ),
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=1,
        help="jobs run at the same time, each in its own process (default 1: training "
        "already uses every core)",
    )
    parser.add_argument("--loglevel", choices=LOG_LEVELS, default="info")
    parser.add_argument(
        "--queue",
        default=None,
        help="the queues to take jobs from, comma-separated: mcuforge (checks, clones), dsp "
        "(features), train (training, testing), build (deployments), tune (tuner trials); "
        "default: all of them",
    )
    parser.set_defaults(func=run_worker)


def worker_argv(concurrency: int, loglevel: str, queue: str | None) -> list[str]:
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel.upper()}",
        # A unique node name, so several workers on one host do not clash.
        f"--hostname=mcuforge-{os.getpid()}@%h",
        # Gossip and mingle only matter for remote control, which jobs do not use; skipping them
        # makes the worker ready sooner.
        "--without-gossip",
        "--without-mingle",
    ]
    from worker.celery_app import ALL_QUEUES

    argv.append(f"--queues={queue or ','.join(ALL_QUEUES)}")
    return argv


def run_worker(args: argparse.Namespace) -> int:
    from worker.celery_app import celery_app

    celery_app.worker_main(worker_argv(args.concurrency, args.loglevel, args.queue))
    return 0
