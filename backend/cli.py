"""The `mcuforge` command: one sub-command per module, each registering its own arguments."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module defines `register(subparsers)`, which adds its sub-command and sets `func`.
# Imports inside those modules stay lazy so that `mcuforge --help` starts fast.
COMMAND_MODULES = [
    "backend.commands.serve",
    "backend.commands.migrate",
    "backend.commands.login",
    "backend.commands.upload",
    "backend.commands.forward",
    "backend.commands.device_test",
    "backend.commands.tune",
    "worker.command",
    "backend.commands.run",
    "deploy_targets.compiler.command",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcuforge", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
