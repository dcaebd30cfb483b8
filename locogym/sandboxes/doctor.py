"""``locogym sandbox doctor`` and ``prune``: which backends work on this machine and why not, and cleanup.

Each check is one function returning a :class:`Check` whose message names the cause and the fix, in the manner
of an environment checker: the user should never have to guess what to do next.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.image import (
    LABEL,
    default_recipe,
    docker_client,
    image_exists,
    rootfs_dir,
    rootfs_ready,
)
from locogym.sandboxes.owner import gone_because, owner_from_labels


@dataclass
class Check:
    backend: str
    ok: bool
    message: str
    fix: str = ""


def check_docker() -> Check:
    """Engine reachable, image built, and a container can start and answer through the tool server."""
    try:
        client = docker_client()
    except SandboxUnavailable as exc:
        return Check("docker", False, exc.message, exc.fix or "")
    try:
        tag = os.environ.get("LOCOGYM_SANDBOX_IMAGE") or default_recipe().tag
    except SandboxUnavailable as exc:
        client.close()
        return Check("docker", False, exc.message, exc.fix or "")
    present = image_exists(client, tag)
    client.close()
    if not present:
        return Check("docker", False, f"the engine runs, but the image {tag} is not built",
                     "Run `locogym sandbox build` (offline, about a minute).")
    from locogym.sandboxes.docker import DockerSandbox

    try:
        box = DockerSandbox(image=tag)
        try:
            result = box.exec(["python3", "-c", "print('ok')"])
            start_ms = box.start_ms
        finally:
            box.close()
    except SandboxUnavailable as exc:
        return Check("docker", False, exc.message, exc.fix or "")
    if result.stdout.strip() != "ok":
        return Check("docker", False, f"a test command failed: {result.stderr.strip()[:200]}",
                     "Rebuild the image with `locogym sandbox build --force`.")
    return Check("docker", True, f"image {tag}; a container started and answered in {start_ms:.0f} ms")


def check_bwrap() -> Check:
    """bubblewrap installed, namespaces allowed, and a sandbox can start and answer."""
    from locogym.sandboxes.bwrap import BwrapSandbox, probe_bwrap

    reason = probe_bwrap()
    if reason is not None:
        fix = ("apt-get install bubblewrap" if shutil.which("bwrap") is None else
               "Enable unprivileged user namespaces (sysctl -w user.max_user_namespaces=10000; on older Debian "
               "kernels also kernel.unprivileged_userns_clone=1).")
        return Check("bwrap", False, reason, fix)
    try:
        with BwrapSandbox() as box:
            result = box.exec(["python3", "-c", "print('ok')"])
            detail = box.info().detail
    except SandboxUnavailable as exc:
        return Check("bwrap", False, exc.message, exc.fix or "")
    if result.stdout.strip() != "ok":
        return Check("bwrap", False, f"a test command failed: {result.stderr.strip()[:200]}",
                     "Run `locogym sandbox build` so bwrap uses the image's file system.")
    hint = ""
    if detail.get("system") == "host /usr":
        hint = "Run `locogym sandbox build` to give bwrap the image's python3, pytest, git and ripgrep."
    return Check("bwrap", True, f"system folders: {detail['system']}; cgroup: {detail['cgroup']}", hint)


def check_local() -> Check:
    return Check("local", True, "always available, but WITHOUT isolation (use only when asked for by name)")


def check_rootfs() -> Check:
    try:
        path = rootfs_dir(default_recipe())
    except SandboxUnavailable as exc:
        return Check("image file system", False, exc.message, exc.fix or "")
    if rootfs_ready(path):
        return Check("image file system", True, str(path))
    return Check("image file system", False, f"{path} is missing (bwrap falls back to the host's /usr)",
                 "Run `locogym sandbox build`.")


def run_checks() -> list[Check]:
    return [check_docker(), check_bwrap(), check_rootfs(), check_local()]


@dataclass(frozen=True)
class Removed:
    """A container ``prune`` removed, and whose it was."""

    container: str
    owner: str  # "process 4242 on host-a", or "unknown" for labels without an owner
    reason: str

    def __str__(self) -> str:
        return f"{self.container} ({self.owner}: {self.reason})"


def prune(everything: bool = False) -> list[Removed]:
    """Remove sandbox containers whose owner has provably ended (see :mod:`locogym.sandboxes.owner`), or all of
    them with ``everything``; never the sandbox of a process that may still run.

    Raises:
        SandboxUnavailable: the engine is not reachable.
    """
    client = docker_client()
    removed = []
    try:
        for container in client.containers.list(all=True, filters={"label": LABEL}):
            labels = container.labels or {}
            reason = "removed with --all" if everything else gone_because(labels)
            if reason is None:
                continue
            owner = owner_from_labels(labels)
            container.remove(force=True)
            removed.append(Removed(container.short_id, owner.describe() if owner else "unknown", reason))
    finally:
        client.close()
    return removed
