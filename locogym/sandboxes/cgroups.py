"""Per-sandbox control groups for the bwrap backend: a memory and a pids ceiling for the whole process tree.

rlimits alone cannot cap a fork bomb when many sandboxes share one user id (RLIMIT_NPROC counts every process of
the user), and cannot cap memory across processes. A cgroup can, where this process may create one (root, or a
delegated cgroup v2 subtree). Where it may not, the backend falls back to rlimits and says so in ``info``.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller name -> this process's cgroup path; cgroup v2 appears under the key ``""``."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


class SandboxCgroup:
    """One leaf cgroup per sandbox (per controller on cgroup v1). ``folders`` is empty when none could be made."""

    def __init__(self, memory_bytes: int, pids: int) -> None:
        self.folders: list[Path] = []
        self.controls: list[str] = []
        name = f"locogym-{uuid.uuid4().hex[:12]}"
        own = _own_paths()
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # cgroup v2, unified
            self._try(CGROUP_ROOT / own.get("", "/").lstrip("/") / name,
                      {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": pids})
        else:
            self._try(CGROUP_ROOT / "memory" / own.get("memory", "/").lstrip("/") / name,
                      {"memory.limit_in_bytes": memory_bytes})
            self._try(CGROUP_ROOT / "pids" / own.get("pids", "/").lstrip("/") / name, {"pids.max": pids})

    def _try(self, folder: Path, settings: dict[str, int]) -> None:
        try:
            folder.mkdir()
        except OSError:
            return
        try:
            for key, value in settings.items():
                if (folder / key).exists():
                    (folder / key).write_text(str(value), encoding="ascii")
                    self.controls.append(key)
        except OSError:
            folder.rmdir()
            return
        self.folders.append(folder)

    def join(self) -> None:
        """Move the calling process into the cgroup (called in the child between fork and exec)."""
        pid = str(os.getpid())
        for folder in self.folders:
            with open(folder / "cgroup.procs", "w", encoding="ascii") as handle:
                handle.write(pid)

    def pids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_text(encoding="ascii").split())
            except OSError:
                continue
        return sorted(found)

    def remove(self) -> None:
        """Kill whatever is left in the cgroup and delete it."""
        for _ in range(50):
            left = self.pids()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass
        self.folders = []
