"""The ``docker`` backend: one long-lived container per episode, driven through the tool server.

The container is created once and reused across ``reset``s (the env reloads the workspace with one tar stream),
and removed on :meth:`close` or at interpreter exit; ``locogym sandbox prune`` removes what a crashed run left.

Isolation: no network (``network_mode="none"``), a read-only root file system with tmpfs mounts for
``/workspace`` and ``/tmp``, all capabilities dropped, ``no-new-privileges``, CPU, memory (no swap), pids,
file-size and open-file limits, and commands run as the unprivileged ``sandbox`` user (uid 1000). The container's
own process (``sleep`` under docker's init) runs as root without capabilities, so the user's commands cannot end
it; the tool server kills every other process of the sandbox user after each command, so nothing a command
starts outlives it.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import DEFAULT_OUTPUT_LIMIT, WORKSPACE, SandboxInfo
from locogym.sandboxes.channel import Channel, DockerExecChannel
from locogym.sandboxes.client import server_argv
from locogym.sandboxes.image import IMAGE_ENV, LABEL, SANDBOX_UID, default_recipe, docker_client, image_exists
from locogym.sandboxes.owner import current_owner
from locogym.sandboxes.served import ServedSandbox

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_bytes(value: str | int) -> int:
    """``"512m"`` -> 536870912; integers pass through."""
    if isinstance(value, int):
        return value
    text = value.strip().lower().removesuffix("b") if value.strip().lower() != "b" else ""
    number, unit = (text[:-1], text[-1]) if text and text[-1] in _UNITS else (text, "")
    try:
        return int(float(number) * _UNITS[unit])
    except ValueError:
        raise ValueError(f"{value!r} is not a size; write it like 512m or 2g") from None


def sandbox_labels() -> dict[str, str]:
    """Labels that let ``prune`` tell whose container this is and whether its owner is provably gone."""
    return {LABEL: "1", **current_owner().labels(), f"{LABEL}.created": datetime.now(UTC).isoformat(timespec="seconds")}


class DockerSandbox(ServedSandbox):
    """A container with no network, a read-only root and resource limits; see the module docstring."""

    backend = "docker"

    def __init__(self, image: str | None = None, cpus: float = 1.0, memory: str | int = "1g", pids: int = 256,
                 file_size: str | int = "256m", workspace_size: str | int = "1g", tmp_size: str | int = "256m",
                 output_limit: int = DEFAULT_OUTPUT_LIMIT, **_: object) -> None:
        self.client = docker_client()
        self.image = image or os.environ.get("LOCOGYM_SANDBOX_IMAGE") or default_recipe().tag
        if not image_exists(self.client, self.image):
            self.client.close()
            raise SandboxUnavailable(f"The sandbox image {self.image} is not built.",
                                     fix="Run `locogym sandbox build` (offline, about a minute).")
        self.limits: dict[str, Any] = {"cpus": cpus, "memory": parse_bytes(memory), "pids": pids,
                                       "file_size": parse_bytes(file_size)}
        from docker.types import Ulimit

        started = time.perf_counter()
        try:
            self.container = self.client.containers.run(
                self.image, command=["sleep", "infinity"], detach=True, init=True, user="0:0",
                network_mode="none", read_only=True, environment={}, hostname="sandbox", working_dir=WORKSPACE,
                tmpfs={WORKSPACE: f"size={parse_bytes(workspace_size)},uid={SANDBOX_UID},gid={SANDBOX_UID},"
                                  "mode=0755,exec",
                       "/tmp": f"size={parse_bytes(tmp_size)},mode=1777,exec"},
                mem_limit=self.limits["memory"], memswap_limit=self.limits["memory"],
                nano_cpus=int(cpus * 1e9), pids_limit=pids, cap_drop=["ALL"],
                security_opt=["no-new-privileges"], ipc_mode="private",
                ulimits=[Ulimit(name="fsize", soft=self.limits["file_size"], hard=self.limits["file_size"]),
                         Ulimit(name="nofile", soft=1024, hard=1024), Ulimit(name="core", soft=0, hard=0)],
                labels=sandbox_labels())
        except Exception as exc:  # noqa: BLE001 - any engine refusal means this backend cannot run here
            self.client.close()
            raise SandboxUnavailable(f"Docker could not start a sandbox container: {exc}",
                                     fix="Run `locogym sandbox doctor`.") from None
        super().__init__(output_limit=output_limit)
        try:
            self.server.start()
        except SandboxUnavailable:
            self.close()
            raise
        self.start_ms = (time.perf_counter() - started) * 1000

    def _launch(self) -> Channel:
        api = self.client.api
        argv = server_argv("python3", WORKSPACE, reap=True, limits={"core": 0}, home="/tmp")
        created = api.exec_create(self.container.id, argv, stdin=True, stdout=True, stderr=True, tty=False,
                                  user=f"{SANDBOX_UID}:{SANDBOX_UID}", workdir=WORKSPACE,
                                  environment={**IMAGE_ENV, "HOME": "/tmp"})
        raw = api.exec_start(created["Id"], socket=True, tty=False)
        return DockerExecChannel(getattr(raw, "_sock", raw), holder=raw)

    def info(self) -> SandboxInfo:
        return SandboxInfo(backend="docker", isolated=True, detail={
            "container": self.container.short_id, "image": self.image, "network": "none",
            "cpus": self.limits["cpus"], "memory_bytes": self.limits["memory"], "pids": self.limits["pids"],
            "file_size_bytes": self.limits["file_size"], "user": SANDBOX_UID,
            "server_restarts": self.server.restarts})

    def _release(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone, or the engine is down: prune cleans up later
            pass
        finally:
            self.client.close()
