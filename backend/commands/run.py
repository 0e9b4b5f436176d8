"""`mcuforge run`: the whole platform on one machine: migrations, one worker, the API server.

The worker is a child process in its own session, so Ctrl-C reaches only this process; we then
stop the worker ourselves (warm, then cold, then killed) after the server has shut down. A worker
that dies meanwhile is restarted with back-off (backend/commands/supervisor.py).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from backend.commands.supervisor import Supervisor

# A warm Celery shutdown waits for running jobs; a long training job must not hang Ctrl-C.
WORKER_WARM_STOP_SECONDS = 10.0
WORKER_COLD_STOP_SECONDS = 5.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="apply migrations, start one worker and the API server (what `make run` does)",
        description=(
            "Apply database migrations, start one job worker as a child process and serve the "
            "API and web interface in the foreground. Ctrl-C (or SIGTERM) stops both."
        ),
    )
    parser.add_argument("--host", default=None, help="address to listen on (MCUFORGE_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (MCUFORGE_PORT)")
    parser.set_defaults(func=run_platform)


def _die_with_parent() -> None:
    """In the child, before exec: own session (no Ctrl-C from the terminal), and on Linux a
    SIGTERM when this process dies, so a killed `mcuforge run` never leaves a worker behind."""
    import os

    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_worker() -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "backend.cli", "worker", "--concurrency", "1"]
    return subprocess.Popen(command, preexec_fn=_die_with_parent)  # noqa: PLW1509


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    """Warm shutdown (SIGTERM), then cold (SIGQUIT), then SIGKILL; returns the exit code."""
    for stop_signal, grace_seconds in [
        (signal.SIGTERM, WORKER_WARM_STOP_SECONDS),
        (signal.SIGQUIT, WORKER_COLD_STOP_SECONDS),
        (signal.SIGKILL, WORKER_COLD_STOP_SECONDS),
    ]:
        if worker.poll() is not None:
            break
        worker.send_signal(stop_signal)
        try:
            worker.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            continue
    return worker.wait()


def display_host(host: str) -> str:
    # A wildcard address is where the server listens, not where a browser can go.
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


class _StopRequested(Exception):
    """SIGTERM arrived; leave the server and stop the worker like Ctrl-C does."""


def _raise_stop_requested(signum: int, frame: object) -> None:
    raise _StopRequested()


def run_platform(args: argparse.Namespace) -> int:
    from backend.commands.serve import serve
    from backend.db.migrate import upgrade
    from backend.settings import settings

    host = args.host or settings.host
    port = args.port or settings.port
    # uvicorn handles SIGINT/SIGTERM while it serves, then re-raises the signal; this handler
    # (and KeyboardInterrupt for SIGINT) turns that, or a signal during start-up, into a stop.
    signal.signal(signal.SIGTERM, _raise_stop_requested)
    supervisor = Supervisor(start_worker, stop_worker, what="the worker")
    try:
        upgrade()
        supervisor.start_first()
        url = f"http://{display_host(host)}:{port}"
        broker = "embedded broker" if settings.uses_embedded_broker else "Redis"
        print(f"mcuforge is running at {url}", flush=True)
        print(f"API documentation: {url}/docs", flush=True)
        print(
            f"(one worker on the {broker}, restarted if it dies; press Ctrl-C to stop)", flush=True
        )
        serve(host, port)
    except (KeyboardInterrupt, _StopRequested):
        pass
    finally:
        if supervisor.process is not None:
            exit_code = supervisor.stop()
            print(
                f"mcuforge: stopped the server and the worker (exit code {exit_code})", flush=True
            )
    return 0
