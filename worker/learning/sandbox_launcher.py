"""The bubblewrap command around the training child (`worker.learning.sandbox`), and the probe
that says whether bubblewrap can start a namespace on this machine.

Inside, the script sees a read-only /usr (and /lib*, /bin), the Python interpreter and the
virtual environment, the `worker` package, its own working directory at RUN_DIR (the only
writable place), a private /tmp, a fresh /proc and a minimal /dev. It has no network (a network
namespace with only loopback), no other process, and an unprivileged uid; the repository root,
the data directory, the database file, `.env` and every socket simply do not exist there.

How the uid is made unprivileged depends on who runs the worker. A non-root worker gets a user
namespace in which the script is `nobody`. A root worker gets none: inside a user namespace
`nobody` would still be root on the host, and the kernel exempts root from RLIMIT_NPROC, so a
fork bomb would be unbounded. Instead bubblewrap (as root) builds the same mount, PID, IPC, UTS,
cgroup and network namespaces and the script is started through `setpriv` as the host's
`nobody`, with no capabilities and no_new_privs, where the process limit applies.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Fixed in-sandbox paths, outside anything an interpreter or venv lives under.
RUN_DIR = Path("/mcuforge/run")
CODE_DIR = Path("/mcuforge/code")
# What the child bootstrap imports of this repository (`worker.learning.*` only): never the
# repository root, where the default data directory and a `.env` live.
CODE_PACKAGES = ("worker",)
SANDBOX_UID = 65534  # nobody
SETPRIV = "/usr/bin/setpriv"  # util-linux, in every Debian image (under the bound /usr)
_REPO_ROOT = Path(__file__).resolve().parents[2]
# Read-only /etc files dynamic linking and time zones need; nothing with secrets.
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "nsswitch.conf")
_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_PROBE_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class SandboxProbe:
    """Whether bubblewrap can run training here; `reason` says why not."""

    available: bool
    reason: str = ""

    def describe(self) -> str:
        return "bubblewrap" if self.available else f"unavailable: {self.reason}"


def interpreter_paths() -> tuple[Path, list[Path]]:
    """(the interpreter to run inside, the directories it needs). A venv may be a symlink:
    bind real paths and run the venv's python through its real path so the venv stays active."""
    prefix = Path(sys.prefix)
    executable = Path(sys.executable)
    try:
        python = prefix.resolve() / executable.relative_to(prefix)
    except ValueError:  # not run from the prefix: the executable itself
        python = executable.resolve()
    needed = [Path(sys.base_prefix).resolve(), prefix.resolve(), Path(sys.exec_prefix).resolve()]
    return python, needed


def _base_filesystem() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in _TOP_LEVEL:
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for name in _ETC_FILES:
        if Path("/etc", name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _covered(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _interpreter_binds(directories: Sequence[Path]) -> list[str]:
    bound: list[Path] = [Path("/usr")]
    args: list[str] = []
    for directory in sorted(set(directories), key=lambda p: len(p.parts)):
        if _covered(directory, bound):
            continue
        if _covered(RUN_DIR, [directory]) or _covered(CODE_DIR, [directory]):
            raise RuntimeError(f"the interpreter directory {directory} hides the sandbox's paths")
        args += ["--ro-bind", str(directory), str(directory)]
        bound.append(directory)
    return args


def _drops_to_nobody() -> bool:
    """Whether the script is started as the host's `nobody` (a root worker; see the module)."""
    return os.geteuid() == 0


def prepare_workdir(workdir: Path) -> None:
    """Give the working directory to the uid the script runs as, so it can write its results
    there (and nowhere else): the worker, as root, still reads them afterwards."""
    if not _drops_to_nobody():
        return
    for directory, subdirectories, files in os.walk(workdir):
        os.chown(directory, SANDBOX_UID, SANDBOX_UID)
        for name in [*subdirectories, *files]:
            os.chown(os.path.join(directory, name), SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)


def _setpriv_prefix() -> list[str]:
    if not _drops_to_nobody():
        return []
    return [
        SETPRIV,
        f"--reuid={SANDBOX_UID}",
        f"--regid={SANDBOX_UID}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
    ]


def _namespace_flags(disable_userns: bool) -> list[str]:
    common = [
        "--die-with-parent",
        "--new-session",  # no TIOCSTI into the worker's terminal
        "--hostname",
        "mcuforge-sandbox",
    ]
    if _drops_to_nobody():
        return [
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            *common,
        ]
    flags = [
        "--unshare-all",  # network, pid, ipc, uts, cgroup (and user, made explicit below)
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        *common,
    ]
    if disable_userns:
        flags.append("--disable-userns")  # no nested user namespace to widen the attack surface
    return flags


@functools.lru_cache(maxsize=8)
def _supports_disable_userns(bwrap: str) -> bool:
    try:
        help_text = subprocess.run(
            [bwrap, "--help"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--disable-userns" in help_text


def _parent_directories(args: Sequence[str]) -> list[str]:
    """`--dir` options for the parents of every bind destination in `args`, readable by all:
    bubblewrap would make the missing ones itself as 0700 root directories, which the script's
    uid could not pass through when it is the host's `nobody`."""
    destinations = [
        Path(args[i + 2]) for i, arg in enumerate(args) if arg in ("--ro-bind", "--bind")
    ]
    parents = {parent for dest in destinations for parent in dest.parents if parent != Path("/")}
    inside_binds = [dest for dest in destinations if dest not in parents]
    created = sorted(
        (p for p in parents if not _covered(p, [d for d in inside_binds if d != p])),
        key=lambda p: len(p.parts),
    )
    return [option for p in created for option in ("--perms", "0755", "--dir", str(p))]


def _sandbox_args(
    bwrap: str, workdir: Path, environment: Mapping[str, str], tmp_bytes: int | None
) -> list[str]:
    python, directories = interpreter_paths()
    binds = _interpreter_binds(directories)
    for package in CODE_PACKAGES:
        binds += ["--ro-bind", str(_REPO_ROOT / package), str(CODE_DIR / package)]
    binds += ["--bind", str(Path(workdir).resolve()), str(RUN_DIR)]
    binds = [*_base_filesystem(), *binds]
    args = [bwrap, *_namespace_flags(_supports_disable_userns(bwrap))]
    args += [*_parent_directories(binds), *binds, "--proc", "/proc"]
    args += ["--dev", "/dev"]
    # Both tmpfs are memory: bounded, so that many files cannot exhaust the machine's RAM.
    for tmpfs in ("/tmp", "/dev/shm"):
        args += ["--perms", "1777"]  # writable by the script's uid, whichever it is
        if tmp_bytes is not None:
            args += ["--size", str(tmp_bytes)]
        args += ["--tmpfs", tmpfs]
    args += ["--chdir", str(RUN_DIR)]
    # bubblewrap's root is a writable tmpfs: make it read-only (the workdir and /tmp stay writable).
    args += ["--remount-ro", "/", "--clearenv"]
    for name, value in environment.items():
        args += ["--setenv", name, value]
    return [*args, "--", *_setpriv_prefix(), str(python)]


def bubblewrap_command(
    bwrap: str,
    workdir: Path,
    environment: Mapping[str, str],
    *,
    tmp_bytes: int | None = None,
) -> list[str]:
    """The argv that runs `python -m worker.learning.sandbox RUN_DIR` on `workdir` in bubblewrap,
    with exactly `environment` (already written for the in-sandbox paths)."""
    args = _sandbox_args(bwrap, workdir, environment, tmp_bytes)
    return [*args, "-m", "worker.learning.sandbox", str(RUN_DIR)]


@functools.lru_cache(maxsize=8)
def probe(bwrap: str) -> SandboxProbe:
    """Start one real sandbox (a training run's flags and files) and import the child bootstrap
    in it; cached per binary, since that answer does not change while the process runs."""
    try:
        with tempfile.TemporaryDirectory(prefix="mcuforge-bwrap-probe-") as workdir:
            prepare_workdir(Path(workdir))
            # The very flags of a training run, so that a flag this bwrap lacks shows here.
            environment = {"PYTHONPATH": str(CODE_DIR)}
            command = _sandbox_args(bwrap, Path(workdir), environment, 2**20)
            finished = subprocess.run(
                [*command, "-c", "import worker.learning.sandbox"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_PROBE_TIMEOUT_S,
            )
    except FileNotFoundError:
        return SandboxProbe(False, f"{bwrap} is not installed")
    except (OSError, RuntimeError) as error:
        return SandboxProbe(False, f"{bwrap} cannot be run: {error}")
    except subprocess.TimeoutExpired:
        return SandboxProbe(False, f"{bwrap} did not start within {_PROBE_TIMEOUT_S:g} s")
    if finished.returncode != 0:
        detail = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        return SandboxProbe(
            False,
            f"{bwrap} cannot start a namespace here ({detail}); unprivileged user namespaces "
            "may be disabled (sysctl kernel.unprivileged_userns_clone, "
            "kernel.apparmor_restrict_unprivileged_userns) or blocked by the container's "
            "seccomp/AppArmor profile",
        )
    return SandboxProbe(True)
