"""A sandbox for each submission's kernel: bubblewrap (``bwrap``) on Linux.

Inside it the kernel sees the system's programs and libraries and the Python environment, all
read-only; the book's ``lib`` (a pristine copy, read-only); and one writable folder,
``/scratch``, a memory-backed file system of ``disk_mb`` that is also its home and its
temporary folder (``/tmp`` and ``/dev/shm`` are in memory too, each of ``disk_mb`` at most).
Nothing else of the machine is there: not the other submissions, not the teacher's home, not
the book's folder. It has a network of its own with only a loopback interface, so the
chapter's local servers work inside it and nothing outside can be reached, the machine's own
127.0.0.1 included. Its processes have their own process numbering, and end with it. Each
process may map ``memory_mb`` of memory, and all of them together may be ``processes``
processes and threads.

The kernel talks to the grader over Unix sockets in a folder of the sandbox's own, which the
grader reaches through ``/proc/PID/root``. Where bubblewrap is missing or cannot make its
namespaces (macOS, Windows, a container that forbids them), :func:`find_sandbox` says why, and
kernels run as before, with the teacher's rights.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from jupyter_client.manager import KernelManager

__all__ = ["INNER", "Sandbox", "SandboxLimits", "find_sandbox"]

INNER = "/scratch"  # the kernel's folder, seen from inside
SOCKETS = "/run/kernel"  # where the kernel's sockets are, inside
CONNECTION = "/run/connection.json"  # the kernel's connection file, inside
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "fonts",
    "ssl",
    "mime.types",
    "hosts",
)
# Set inside, before the kernel starts: limits apply to it and all it starts.
LIMITS = """\
import os, resource, sys
memory, processes, size = map(int, sys.argv[1:4])
for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_NPROC, processes),
                     (resource.RLIMIT_FSIZE, size), (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(limit, (value, value))
os.execv(sys.argv[4], sys.argv[4:])
"""


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """What one submission may use: memory per process, processes and threads in all, and
    megabytes written (its scratch folder, shared memory included)."""

    memory_mb: int = 4096
    processes: int = 256
    disk_mb: int = 512

    def __post_init__(self) -> None:
        if min(self.memory_mb, self.processes, self.disk_mb) <= 0:
            raise ValueError(f"every sandbox limit must be positive: {self}")


def _python_folders() -> list[str]:
    """The Python installation and environment the kernel runs from, real paths."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found |= {os.path.realpath(path) for path in list(found)}
    found.add(os.path.dirname(os.path.realpath(sys.executable)))
    return sorted(path for path in found if os.path.isdir(path) and path != "/")


def _mounts(disk_bytes: int) -> list[str]:
    size = str(disk_bytes)
    args = ["--size", size, "--tmpfs", "/tmp"]  # first: a Python kept under /tmp is bound in it
    for folder in SYSTEM:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for name in ETC:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for folder in _python_folders():
        if not any(folder == top or folder.startswith(top + "/") for top in SYSTEM):
            args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm"]
    args += ["--size", size, "--tmpfs", INNER, "--dir", f"{INNER}/tmp", "--dir", f"{INNER}/home"]
    args += ["--size", "1048576", "--tmpfs", SOCKETS]
    return args


# Last: the root's own folders (/work, /run, ...) are bubblewrap's, in memory, and read-only.
LAST_MOUNTS = ("--remount-ro", "/")


@functools.cache
def _trial(bwrap: str) -> str:
    """Why ``bwrap`` cannot sandbox here, or "" when a trial sandbox ran."""
    command = [bwrap, "--unshare-all", "--die-with-parent", *_mounts(2**20), *LAST_MOUNTS]
    command.append("true")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not run ({error})"
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        return f"bubblewrap cannot make a sandbox here ({first[:160]})"
    return ""


class Sandbox:
    """Kernels in bubblewrap, within ``limits``."""

    def __init__(self, bwrap: str, limits: SandboxLimits) -> None:
        self.bwrap, self.limits = bwrap, limits

    def manager(self, scratch: Path) -> KernelManager:
        """A kernel manager whose kernel starts in this sandbox; its connection file, and the
        read-only copy of ``lib`` the kernel imports, are in ``scratch`` on the host."""
        manager = _SandboxedManager(
            kernel_name="python3",
            connection_file=str(scratch / "kernel.json"),
            transport="ipc",
            ip=f"{SOCKETS}/kernel",
        )
        manager.prefix = tuple(self.command(scratch))
        spec = manager.kernel_spec
        if spec is not None:  # interrupt by message: a SIGINT would stop bubblewrap itself
            spec.interrupt_mode = "message"
        return manager

    def command(self, scratch: Path) -> list[str]:
        """bubblewrap's arguments, up to the command it runs (the limits, then the kernel)."""
        limits = self.limits
        disk = limits.disk_mb * 2**20
        prefix = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
        prefix += ["--hostname", "sandbox", *_mounts(disk)]
        prefix += ["--ro-bind", str(scratch / "lib"), f"{INNER}/lib"]
        prefix += ["--ro-bind", str(scratch / "kernel.json"), CONNECTION, *LAST_MOUNTS]
        prefix += ["--chdir", INNER]
        prefix += ["--clearenv"]
        for name, value in self.env().items():
            prefix += ["--setenv", name, value]
        memory = limits.memory_mb * 2**20
        prefix += [
            sys.executable,
            "-S",
            "-c",
            LIMITS,
            str(memory),
            str(limits.processes),
            str(disk),
        ]
        return prefix

    def env(self) -> dict[str, str]:
        """The kernel's whole environment, inside: none of the teacher's variables but the
        book's own (``BOOK_...``)."""
        home = f"{INNER}/home"
        env = {name: value for name, value in os.environ.items() if name.startswith("BOOK_")}
        env.update(
            PATH=os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
            HOME=home,
            USER="student",
            LOGNAME="student",
            LANG="C.UTF-8",
            TMPDIR=f"{INNER}/tmp",
            PYTHONPATH=INNER,
            PYTHONDONTWRITEBYTECODE="1",
            IPYTHONDIR=f"{home}/.ipython",
            MPLCONFIGDIR=f"{home}/.matplotlib",
            MPLBACKEND="Agg",
            JUPYTER_RUNTIME_DIR=f"{home}/runtime",
            JUPYTER_DATA_DIR=f"{home}/data",
            JUPYTER_CONFIG_DIR=f"{home}/config",
            JUPYTER_PLATFORM_DIRS="1",
        )
        return env

    @staticmethod
    def attach(manager: KernelManager, timeout: float) -> None:
        """Point ``manager``'s channels at the kernel's sockets, through the sandbox's root.

        Raises:
            RuntimeError: if the sandbox's first process does not appear within ``timeout``.
        """
        pid = getattr(manager.provisioner, "pid", None)
        deadline = time.monotonic() + timeout
        while pid is not None and time.monotonic() < deadline:
            try:
                children = psutil.Process(pid).children()
            except psutil.Error:
                break
            if children:
                manager.ip = f"/proc/{children[0].pid}/root{SOCKETS}/kernel"
                return
            time.sleep(0.005)
        raise RuntimeError("the sandbox did not start")


class _SandboxedManager(KernelManager):
    prefix: tuple[str, ...] = ()  # bubblewrap and the limits, set by Sandbox.manager

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        inner = [CONNECTION if part == self.connection_file else part for part in command]
        return [*self.prefix, *inner]


def find_sandbox(limits: SandboxLimits | None = None) -> tuple[Sandbox | None, str]:
    """A sandbox where bubblewrap works here, else ``None`` and why not (said to the teacher)."""
    if not sys.platform.startswith("linux"):
        return None, f"no sandbox: bubblewrap needs Linux, and this is {sys.platform}"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "no sandbox: bubblewrap is not installed (Debian: apt install bubblewrap)"
    problem = _trial(bwrap)
    if problem:
        return None, f"no sandbox: {problem}"
    return Sandbox(bwrap, limits or SandboxLimits()), ""
