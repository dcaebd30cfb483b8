"""Who made a sandbox container, and when that maker is provably gone.

Every container is labelled with its owner: the host name, the kernel's boot id, the pid namespace, the pid and
the pid's start time (clock ticks since boot, from ``/proc``). A pid alone proves nothing: another job on the
machine may run in its own pid namespace, and a pid is reused once its process ends. Cleanup therefore removes a
container only when the labels prove its owner ended:

* same host, other boot id: the machine restarted since, and every process of the old boot is gone;
* same host, boot and pid namespace, and no process with that pid, or one that started at another time (the pid
  was reused).

Anything else counts as alive: another host, another pid namespace, labels from an older locogym, an unreadable
``/proc``. A container left behind costs some memory until ``locogym sandbox prune --all``; a removed live sandbox
would be a failed episode in someone else's run.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache

from locogym.sandboxes.image import LABEL

FIELDS = ("host", "boot", "pidns", "pid", "start")


@dataclass(frozen=True)
class Owner:
    """The identity of one process, as written on the containers it makes."""

    host: str
    boot: str
    pidns: str
    pid: int
    start: str

    @property
    def token(self) -> str:
        """One label value that names this process and no other, ever (the worker removes its own by it)."""
        return f"{self.host}/{self.boot}/{self.pidns}/{self.pid}/{self.start}"

    def labels(self) -> dict[str, str]:
        return {f"{LABEL}.owner": self.token, **{f"{LABEL}.owner-{name}": str(getattr(self, name))
                                                for name in FIELDS}}

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def start_time(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot ("" when no such process or /proc is unreadable)."""
    stat = _read(f"/proc/{pid}/stat")
    try:
        return stat.rsplit(")", 1)[1].split()[19]
    except IndexError:
        return ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@cache
def _this_process(pid: int) -> Owner:
    return Owner(host=socket.gethostname(), boot=_read("/proc/sys/kernel/random/boot_id"), pidns=_pid_namespace(),
                 pid=pid, start=start_time(pid))


def current_owner() -> Owner:
    """This process (looked up once per pid: a forked worker is an owner of its own)."""
    return _this_process(os.getpid())


def owner_from_labels(labels: dict[str, str]) -> Owner | None:
    """The owner written on a container, or None when its labels do not hold a whole identity."""
    values = {name: labels.get(f"{LABEL}.owner-{name}", "") for name in FIELDS}
    if not all(values.values()) or not values["pid"].isdigit():
        return None
    return Owner(host=values["host"], boot=values["boot"], pidns=values["pidns"], pid=int(values["pid"]),
                 start=values["start"])


def gone_because(labels: dict[str, str], me: Owner | None = None) -> str | None:
    """Why the owner of a container with these labels has provably ended, or None when it may be alive."""
    me = me or current_owner()
    owner = owner_from_labels(labels)
    if owner is None or owner.host != me.host or not (me.boot and me.pidns and me.start):
        return None  # another machine, or this one's /proc cannot tell
    if owner.boot != me.boot:
        return "the machine restarted since"
    if owner.pidns != me.pidns:
        return None
    now = start_time(owner.pid)
    if not now:
        return "the process has ended"
    if now != owner.start:
        return "the process has ended (its pid now belongs to another process)"
    return None
