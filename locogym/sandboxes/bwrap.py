"""The ``bwrap`` backend: bubblewrap namespaces around the tool server, for machines without Docker.

Each sandbox is one bubblewrap process tree with its own user, pid, network, IPC, UTS and cgroup namespaces (so no
network at all, and commands see only their own processes). The system folders come from the sandbox image's file
system when ``locogym sandbox build`` has unpacked it (the same python3, pytest, git and ripgrep as the docker
backend), else from the host's ``/usr``; either way they are bound read-only, with a minimal ``/etc`` and never the
host's home folders, ``/root``, ``/tmp`` or project folders. The workspace and a private ``/tmp`` are host temp
folders bound writable.

Limits: a memory and pids cgroup per sandbox where one can be created, else RLIMIT_AS / RLIMIT_NPROC; file size,
open files and core dumps by rlimit; per-command timeouts in the tool server. When started by root, bubblewrap
runs as ``nobody`` so that the sandbox owns nothing on the host.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
from pathlib import Path

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import DEFAULT_OUTPUT_LIMIT, WORKSPACE, SandboxInfo
from locogym.sandboxes.cgroups import SandboxCgroup
from locogym.sandboxes.channel import Channel, ProcessChannel
from locogym.sandboxes.client import server_argv
from locogym.sandboxes.docker import parse_bytes
from locogym.sandboxes.image import (
    IMAGE_ENV,
    SANDBOX_UID,
    SANDBOX_USER,
    default_recipe,
    rootfs_dir,
    rootfs_ready,
)
from locogym.sandboxes.served import ServedSandbox

NOBODY = 65534
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
HOST_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "python3", "python3.11",
            "debian_version", "os-release", "mime.types", "gitconfig")
_PROBES: dict[str, str | None] = {}


def _drop_to() -> int | None:
    """The uid bubblewrap runs as: ``nobody`` when started by root, else the caller (no change)."""
    return NOBODY if os.geteuid() == 0 else None


def _demote(uid: int | None, limits: dict[int, int], cgroup: SandboxCgroup | None) -> None:
    """Between fork and exec: join the cgroup, set the rlimits, then give up root."""
    if cgroup is not None:
        cgroup.join()
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def probe_bwrap() -> str | None:
    """None when bubblewrap can create its namespaces here, else the reason it cannot (cached per process)."""
    binary = shutil.which("bwrap")
    if binary is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    if binary in _PROBES:
        return _PROBES[binary]
    import subprocess

    uid = _drop_to()
    try:
        done = subprocess.run([binary, "--unshare-all", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                               "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc",
                               "--dev", "/dev", "/usr/bin/true"], capture_output=True, text=True, timeout=20,
                              preexec_fn=lambda: _demote(uid, {}, None), env={"PATH": IMAGE_ENV["PATH"]})
        reason = None if done.returncode == 0 else (done.stderr.strip()[:300] or f"exit {done.returncode}")
    except (OSError, subprocess.SubprocessError) as exc:
        reason = str(exc)
    if reason and "namespace" in reason.lower():
        reason += " (user namespaces are off: sysctl -w user.max_user_namespaces=10000, or "\
                  "kernel.unprivileged_userns_clone=1)"
    _PROBES[binary] = reason
    return reason


class BwrapSandbox(ServedSandbox):
    """A bubblewrap process tree with a writable workspace; see the module docstring."""

    backend = "bwrap"

    def __init__(self, memory: str | int = "1g", pids: int = 256, file_size: str | int = "256m",
                 output_limit: int = DEFAULT_OUTPUT_LIMIT, system: str | None = None, **_: object) -> None:
        """``system``: a root file system folder to take /usr and /etc from, ``"host"`` for the host's /usr,
        or None for the image's unpacked tree when ``locogym sandbox build`` made one (else the host's)."""
        reason = probe_bwrap()
        if reason is not None:
            raise SandboxUnavailable(f"bubblewrap cannot run here: {reason}",
                                     fix="Install bubblewrap and enable user namespaces; `locogym sandbox doctor`.")
        self.bwrap = shutil.which("bwrap") or "bwrap"
        self.system = None if system == "host" else Path(system) if system else self._image_rootfs()
        self.memory, self.pids, self.file_size = parse_bytes(memory), pids, parse_bytes(file_size)
        self.uid = _drop_to()
        self.root = Path(tempfile.mkdtemp(prefix="locogym-bwrap-"))
        self.root.chmod(0o711)
        for name in ("workspace", "tmp", "etc"):
            (self.root / name).mkdir(mode=0o755 if name != "tmp" else 0o1777)
        self._write_etc()
        if self.uid is not None:
            for name in ("workspace", "tmp"):
                os.chown(self.root / name, self.uid, self.uid)
        self.cgroup = SandboxCgroup(self.memory, pids)
        super().__init__(output_limit=output_limit)
        try:
            self.server.start()
        except SandboxUnavailable:
            self.close()
            raise

    @staticmethod
    def _image_rootfs() -> Path | None:
        try:
            path = rootfs_dir(default_recipe())
        except SandboxUnavailable:
            return None
        return path if rootfs_ready(path) else None

    def _write_etc(self) -> None:
        """A minimal /etc for the host-system fallback: the sandbox user and group, nothing of the host's."""
        etc = self.root / "etc"
        (etc / "passwd").write_text(f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
                                    f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_UID}::/tmp:/bin/sh\n", encoding="utf-8")
        (etc / "group").write_text(f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_UID}:\n", encoding="utf-8")
        (etc / "hostname").write_text("sandbox\n", encoding="utf-8")

    def _system_args(self) -> list[str]:
        base = self.system or Path("/")
        args: list[str] = []
        for name in SYSTEM_DIRS:
            path = base / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), f"/{name}"]
            elif path.is_dir():
                args += ["--ro-bind", str(path), f"/{name}"]
        if self.system is not None:
            return [*args, "--ro-bind", str(self.system / "etc"), "/etc"]
        args += ["--dir", "/etc"]
        for name in ("passwd", "group", "hostname"):
            args += ["--ro-bind", str(self.root / "etc" / name), f"/etc/{name}"]
        for name in HOST_ETC:
            if os.path.exists(f"/etc/{name}"):
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        return args

    def _launch(self) -> Channel:
        python = "/usr/bin/python3"
        if not (self.system or Path("/")).joinpath("usr/bin/python3").exists():
            raise SandboxUnavailable("No /usr/bin/python3 for the tool server inside the bwrap sandbox.",
                                     fix="Run `locogym sandbox build` (bwrap then uses the image's file system).")
        has_cgroup_pids = any(c == "pids.max" for c in self.cgroup.controls)
        has_cgroup_memory = any(c.startswith("memory.") for c in self.cgroup.controls)
        command_limits = {"fsize": self.file_size, "nofile": 1024, "core": 0}
        if not has_cgroup_memory:
            command_limits["as"] = self.memory
        tree_limits = {resource.RLIMIT_FSIZE: self.file_size, resource.RLIMIT_CORE: 0}
        if not has_cgroup_pids:
            tree_limits[resource.RLIMIT_NPROC] = self.pids
        env = {"PATH": IMAGE_ENV["PATH"], "HOME": "/tmp", "LANG": "C.UTF-8"}
        argv = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox", "--clearenv",
                *[item for key, value in env.items() for item in ("--setenv", key, value)],
                *self._system_args(), "--proc", "/proc", "--dev", "/dev",
                "--bind", str(self.root / "workspace"), WORKSPACE, "--bind", str(self.root / "tmp"), "/tmp",
                "--remount-ro", "/", "--chdir", WORKSPACE,
                *server_argv(python, WORKSPACE, reap=True, limits=command_limits, home="/tmp")]
        uid, cgroup = self.uid, self.cgroup if self.cgroup.folders else None
        return ProcessChannel(argv, env=env, preexec_fn=lambda: _demote(uid, tree_limits, cgroup))

    def info(self) -> SandboxInfo:
        return SandboxInfo(backend="bwrap", isolated=True, detail={
            "system": str(self.system) if self.system else "host /usr", "network": "none",
            "memory_bytes": self.memory, "pids": self.pids, "file_size_bytes": self.file_size,
            "cgroup": ",".join(self.cgroup.controls) or "none (rlimits only)",
            "host_uid": self.uid if self.uid is not None else os.geteuid(), "server_restarts": self.server.restarts})

    def _release(self) -> None:
        self.cgroup.remove()
        shutil.rmtree(self.root, ignore_errors=True)
