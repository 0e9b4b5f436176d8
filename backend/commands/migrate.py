"""`mcuforge migrate [upgrade|downgrade] [revision]`: move the configured database's schema."""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    from backend.db.migrate import downgrade, upgrade

    if args.direction == "upgrade":
        upgrade(revision=args.revision or "head")
    else:
        downgrade(revision=args.revision or "-1")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("migrate", help="apply or revert database migrations")
    parser.add_argument(
        "direction", nargs="?", choices=["upgrade", "downgrade"], default="upgrade",
        help="default upgrade",
    )
    parser.add_argument(
        "revision", nargs="?", default=None,
        help="target revision: default head for upgrade, one step back (-1) for downgrade; "
        "'base' removes every table",
    )
    parser.set_defaults(func=_run)
