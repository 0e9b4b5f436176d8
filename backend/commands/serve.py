"""`mcuforge serve`: apply pending migrations, then run the API server (and the built frontend)."""

from __future__ import annotations

import argparse


def serve(host: str, port: int) -> None:
    """Migrate the configured database to head, then serve until interrupted."""
    import uvicorn

    from backend.db.migrate import upgrade
    from worker.hardening import make_process_undumpable

    make_process_undumpable()  # training scripts run as our user must not read our secrets
    from backend.settings import settings

    upgrade()
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=host,
        port=port,
        # The device relay's message limit, enforced while a frame arrives (the route checks it
        # again, with a message naming the setting, for servers started otherwise).
        ws_max_size=settings.device_max_message_bytes,
    )


def _run(args: argparse.Namespace) -> int:
    serve(args.host, args.port)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from backend.settings import settings

    parser = subparsers.add_parser("serve", help="migrate the database and run the API server")
    parser.add_argument("--host", default=settings.host, help=f"default {settings.host} (MCUFORGE_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help=f"default {settings.port} (MCUFORGE_PORT)")
    parser.set_defaults(func=_run)
