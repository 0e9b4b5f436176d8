"""Which isolation a training run gets, from MCUFORGE_EXPERT_MODE and whether bubblewrap works.

- sandboxed (default), bubblewrap works: every run (generated or expert script) in bubblewrap;
- sandboxed, bubblewrap unavailable: expert scripts are refused; the visual editor's generated
  script still trains in a plain limited process (it is our code, not the user's);
- trusted: today's plain limited process for every run, for people you would give a shell.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from backend.settings import settings
from worker.learning import sandbox_launcher
from worker.learning.runner import RunLimits

ExpertMode = Literal["sandboxed", "trusted", "refused"]

EXPERT_REFUSED_FIX = (
    "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces, "
    "or set MCUFORGE_EXPERT_MODE=trusted — only for people you would give a shell"
)


class ExpertScriptRefused(Exception):
    """An expert script cannot run: the sandbox it needs is unavailable."""


def sandbox_probe() -> sandbox_launcher.SandboxProbe:
    """Whether bubblewrap starts here (probed once per binary and process)."""
    return sandbox_launcher.probe(settings.bwrap_path)


def expert_mode() -> ExpertMode:
    """The mode in force: "refused" when sandboxed is asked for and bubblewrap cannot start."""
    if settings.expert_mode == "trusted":
        return "trusted"
    return "sandboxed" if sandbox_probe().available else "refused"


def expert_refused_message() -> str:
    return (
        "expert training scripts are refused on this server: the training sandbox is "
        f"{sandbox_probe().describe()}; {EXPERT_REFUSED_FIX}"
    )


def check_expert_script_allowed() -> None:
    """ExpertScriptRefused (its message names the fix) when expert scripts cannot run."""
    if expert_mode() == "refused":
        raise ExpertScriptRefused(expert_refused_message())


def training_limits(base: RunLimits, *, expert: bool) -> RunLimits:
    """`base` with the isolation and the limits of the settings; ExpertScriptRefused for an
    expert script that would run without the sandbox it needs."""
    if expert:
        check_expert_script_allowed()
    use_bubblewrap = settings.expert_mode == "sandboxed" and sandbox_probe().available
    return dataclasses.replace(
        base,
        isolation="bubblewrap" if use_bubblewrap else "process",
        bwrap_path=settings.bwrap_path,
        max_processes=settings.training_max_processes,
        max_file_bytes=settings.training_max_file_bytes,
        max_result_bytes=settings.training_max_result_bytes,
        max_artifact_bytes=settings.training_max_artifact_bytes,
    )


def isolation_description(limits: RunLimits) -> str:
    """One line for the job log: where this run's code runs, and why not in the sandbox."""
    if limits.isolation == "bubblewrap":
        return "bubblewrap sandbox (no network, only its working directory writable)"
    why = (
        "MCUFORGE_EXPERT_MODE=trusted"
        if settings.expert_mode == "trusted"
        else f"the sandbox is {sandbox_probe().describe()}"
    )
    return f"a limited process without the bubblewrap sandbox ({why})"
