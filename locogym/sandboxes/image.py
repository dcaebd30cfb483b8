"""The sandbox image, built offline: ``debootstrap --variant=minbase`` from the machine's Debian mirror, then
``docker import``. No image registry is involved.

The image is tagged with a hash of its recipe (suite, packages, setup steps), so building again is a no-op and a
changed recipe gets a new tag. :func:`render_dockerfile` writes the same recipe as a Dockerfile for users who can
pull ``debian`` images; a test keeps the shipped ``docker/Dockerfile`` in step with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from locogym.core.errors import SandboxUnavailable

IMAGE_REPOSITORY = "locogym-sandbox"
LABEL = "io.locogym.sandbox"
ROOTFS_MARKER = ".locogym-rootfs-complete"
RECIPE_VERSION = 1
SANDBOX_UID = 1000
SANDBOX_USER = "sandbox"
PACKAGES = ("python3", "python3-pytest", "git", "ripgrep", "procps")
OPTIONAL_PACKAGES = frozenset({"ripgrep"})
UNUSED_PACKAGES = ("python3-more-itertools", "python3-pkg-resources", "python3-zipp",
                   "python3-importlib-metadata")
# Run in the new root after the packages are in; each step is an argv (no shell) so the recipe hash is exact.
SETUP_STEPS: tuple[tuple[str, ...], ...] = (
    ("groupadd", "--gid", str(SANDBOX_UID), SANDBOX_USER),
    ("useradd", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--home-dir", "/tmp", "--no-create-home",
     "--shell", "/bin/sh", SANDBOX_USER),
    ("mkdir", "-p", "/workspace"),
    ("chown", f"{SANDBOX_UID}:{SANDBOX_UID}", "/workspace"),
    # Debian's python3-pytest pulls these in, yet pytest on Python 3.11 imports none of them; each carries a
    # copy of a project a patch task may be drawn from (more-itertools, also vendored by pkg_resources), from
    # which an agent could restore a defective function instead of fixing it.
    ("dpkg", "--purge", "--force-depends", *UNUSED_PACKAGES),
)
# Removed after setup: package caches and docs nobody reads inside a sandbox.
PRUNE_PATHS = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
               "usr/share/locale", "usr/share/info")
IMAGE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class Mirror:
    """Where debootstrap fetches packages: the first Debian entry of the machine's apt sources."""

    uri: str
    suite: str
    keyring: str | None = None
    proxy: str | None = None


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the image's contents; its hash is the image tag."""

    suite: str
    packages: tuple[str, ...] = PACKAGES
    steps: tuple[tuple[str, ...], ...] = SETUP_STEPS
    prune: tuple[str, ...] = PRUNE_PATHS
    env: dict[str, str] = field(default_factory=lambda: dict(IMAGE_ENV))
    version: int = RECIPE_VERSION

    def digest(self) -> str:
        payload = json.dumps({"suite": self.suite, "packages": list(self.packages), "steps": self.steps,
                              "prune": list(self.prune), "env": self.env, "version": self.version},
                             sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:16]

    @property
    def tag(self) -> str:
        return f"{IMAGE_REPOSITORY}:{self.suite}-{self.digest()}"


# ----------------------------------------------------------------------------------------------- apt sources
def _os_codename() -> str | None:
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^VERSION_CODENAME=\"?([a-z]+)\"?$", text, re.MULTILINE)
    return found.group(1) if found else None


def _source_entries(apt_dir: Path) -> list[tuple[str, list[str], str | None]]:
    """(uri, suites, signed-by) of every enabled ``deb`` entry, one-line and deb822 formats alike."""
    entries: list[tuple[str, list[str], str | None]] = []
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list")),
             *sorted((apt_dir / "sources.list.d").glob("*.sources"))]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields: dict[str, str] = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
                if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                    for uri in fields.get("uris", "").split():
                        entries.append((uri, fields.get("suites", "").split(), fields.get("signed-by")))
        else:
            for line in text.splitlines():
                found = re.match(r"^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)", line.strip())
                if found:
                    signed = re.search(r"signed-by=(\S+)", found.group(1) or "")
                    entries.append((found.group(2), [found.group(3)], signed.group(1) if signed else None))
    return entries


def _apt_proxy() -> str | None:
    """The host's apt HTTP proxy (``Acquire::http::Proxy``), which debootstrap's downloads must use too."""
    if shutil.which("apt-config") is None:
        return None
    dump = subprocess.run(["apt-config", "dump"], capture_output=True, text=True, check=False).stdout
    found = re.search(r'^Acquire::http::Proxy "([^"]+)";', dump, re.MULTILINE)
    return found.group(1) if found and found.group(1).lower() not in {"false", "direct"} else None


def find_mirror(apt_dir: Path = Path("/etc/apt"), suite: str | None = None) -> Mirror:
    """The Debian mirror and suite to build from, read from the machine's apt sources.

    Raises:
        SandboxUnavailable: no Debian ``deb`` entry for the suite is configured.
    """
    override = os.environ.get("LOCOGYM_DEBIAN_MIRROR")
    wanted = suite or os.environ.get("LOCOGYM_DEBIAN_SUITE") or _os_codename()
    proxy = _apt_proxy()
    if override and wanted:
        return Mirror(uri=override, suite=wanted, proxy=proxy)
    for uri, suites, signed_by in _source_entries(apt_dir):
        if "security" in uri:
            continue
        for candidate in suites:
            if (wanted is None or candidate == wanted) and "-" not in candidate and "/" not in candidate:
                keyring = signed_by if signed_by and Path(signed_by).is_file() else None
                return Mirror(uri=uri, suite=candidate, keyring=keyring, proxy=proxy)
    raise SandboxUnavailable(
        f"No Debian mirror for suite {wanted or '(unknown)'} in {apt_dir}/sources.list*.",
        fix="Set LOCOGYM_DEBIAN_MIRROR=http://deb.debian.org/debian and LOCOGYM_DEBIAN_SUITE=bookworm, or add a "
        "Debian entry to the apt sources.")


def default_recipe(mirror: Mirror | None = None) -> Recipe:
    return Recipe(suite=(mirror or find_mirror()).suite)


def cache_dir() -> Path:
    """Where extracted root file systems live. Root uses /var/cache so the unprivileged user that bwrap drops
    to can reach it (a home folder under /root is closed to it)."""
    override = os.environ.get("LOCOGYM_CACHE_DIR")
    if override:
        return Path(override)
    return Path("/var/cache/locogym") if os.geteuid() == 0 else Path("~/.cache/locogym").expanduser()


def rootfs_dir(recipe: Recipe) -> Path:
    """The image's file system unpacked on the host, which the bwrap backend uses as its system folders."""
    return cache_dir() / "rootfs" / recipe.tag.replace(":", "-")


def rootfs_ready(path: Path) -> bool:
    return (path / ROOTFS_MARKER).is_file()


# ---------------------------------------------------------------------------------------------------- building
def docker_client():  # noqa: ANN201 - the docker SDK's client type
    """A docker SDK client for the local engine, or SandboxUnavailable saying what is wrong."""
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - docker is a dependency
        raise SandboxUnavailable("The docker Python package is missing.", fix="pip install docker") from exc
    client = None
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - every failure here means the engine is unreachable
        if client is not None:
            client.close()
        text = str(exc)
        fix = ("Add your user to the docker group (or run as root)." if "Permission denied" in text else
               "Start the engine: `dockerd --bridge=none --iptables=false &` (or `systemctl start docker`).")
        raise SandboxUnavailable(f"The Docker engine is not reachable ({text[:200]}).", fix=fix) from None
    return client


def image_exists(client, tag: str) -> bool:  # noqa: ANN001
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def _run(argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("ab") as handle:
        handle.write(("$ " + " ".join(argv[:12]) + "\n").encode())
        handle.flush()
        done = subprocess.run(argv, stdout=handle, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2500:]
        raise SandboxUnavailable(f"`{' '.join(argv[:4])} ...` failed (exit {done.returncode}):\n{tail}",
                                 fix="Check the network path to the Debian mirror and the log above; then run "
                                 "`locogym sandbox build` again.")


def _debootstrap(mirror: Mirror, packages: tuple[str, ...], target: Path, log: Path) -> None:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    if mirror.proxy:
        env["http_proxy"] = mirror.proxy
    argv = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}"]
    if mirror.keyring:
        argv.append(f"--keyring={mirror.keyring}")
    _run([*argv, mirror.suite, str(target), mirror.uri], log, env)


def build_image(force: bool = False, mirror: Mirror | None = None, log=print) -> str:  # noqa: ANN001
    """Build the sandbox image unless it exists; return its tag.

    Raises:
        SandboxUnavailable: the engine is down, debootstrap is missing or not root, or the mirror failed.
    """
    client = docker_client()
    try:
        return _build(client, force, mirror or find_mirror(), log)
    finally:
        client.close()


def _build(client, force: bool, mirror: Mirror, log) -> str:  # noqa: ANN001
    recipe = default_recipe(mirror)
    target = rootfs_dir(recipe)
    if not force and image_exists(client, recipe.tag):
        if not rootfs_ready(target):
            log(f"unpacking {recipe.tag} to {target} for the bwrap backend")
            export_rootfs(client, recipe.tag, target)
        _remove_stale_rootfs(target, log)
        log(f"{recipe.tag} is up to date (recipe {recipe.digest()}); nothing to build.")
        return recipe.tag
    if shutil.which("debootstrap") is None:
        raise SandboxUnavailable("debootstrap is not installed.", fix="apt-get install debootstrap")
    if os.geteuid() != 0:
        raise SandboxUnavailable("Building the image needs root (debootstrap creates device files and owners).",
                                 fix="Run `sudo locogym sandbox build`.")
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    for folder in (target.parent, target.parent.parent):
        folder.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
    work.chmod(0o755)
    root, build_log = work / "root", work / "build.log"
    try:
        log(f"debootstrap {mirror.suite} from {mirror.uri} (log: {build_log})")
        try:
            _debootstrap(mirror, recipe.packages, root, build_log)
        except SandboxUnavailable:
            optional = tuple(p for p in recipe.packages if p not in OPTIONAL_PACKAGES)
            if optional == recipe.packages:
                raise
            log("retrying without optional packages: " + ", ".join(sorted(OPTIONAL_PACKAGES)))
            shutil.rmtree(root, ignore_errors=True)
            _debootstrap(mirror, optional, root, build_log)
        for step in recipe.steps:
            _run(["chroot", str(root), *step], build_log, {"PATH": IMAGE_ENV["PATH"] + ":/usr/sbin:/sbin"})
        for rel in recipe.prune:
            pruned = root / rel
            if pruned.is_dir():
                shutil.rmtree(pruned)
                pruned.mkdir(mode=0o755)
        archive = work / "rootfs.tar"
        _run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(archive), "."], build_log)
        log(f"docker import -> {recipe.tag}")
        changes = [f"ENV {k}={v}" for k, v in recipe.env.items()]
        changes += [f'LABEL {LABEL}.recipe="{recipe.digest()}"', "WORKDIR /workspace", 'CMD ["sleep", "infinity"]']
        repository, _, tag = recipe.tag.partition(":")
        client.api.import_image(src=str(archive), repository=repository, tag=tag, changes=changes)
        if not image_exists(client, recipe.tag):
            raise SandboxUnavailable(f"docker import did not produce {recipe.tag}.", fix=f"See {build_log}.")
        archive.unlink()
        _replace_dir(root, target)
        _remove_stale_rootfs(target, log)
        log(f"built {recipe.tag} in {time.monotonic() - started:.0f} s (file system for bwrap: {target})")
        return recipe.tag
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_stale_rootfs(keep: Path, log) -> None:  # noqa: ANN001
    """Unpacked trees of older recipes are a few hundred MB each and nothing uses them any more."""
    for folder in keep.parent.glob(f"{IMAGE_REPOSITORY}-*"):
        if folder != keep and folder.is_dir():
            log(f"removing the unpacked tree of an older recipe: {folder.name}")
            shutil.rmtree(folder, ignore_errors=True)


def _replace_dir(source: Path, target: Path) -> None:
    """Move a finished root file system into place and mark it complete (half-written trees are never used)."""
    if target.exists():
        shutil.rmtree(target)
    source.rename(target)
    (target / ROOTFS_MARKER).write_text("complete\n", encoding="utf-8")


def export_rootfs(client, tag: str, target: Path) -> None:  # noqa: ANN001
    """Unpack an existing image to ``target`` (``docker export`` of a container that never runs)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=target.parent))
    container = client.containers.create(tag, command=["true"], network_mode="none")
    try:
        root = work / "root"
        root.mkdir(mode=0o755)
        untar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(root), "-xf", "-"], stdin=subprocess.PIPE)
        assert untar.stdin is not None
        for chunk in container.export():
            untar.stdin.write(chunk)
        untar.stdin.close()
        if untar.wait() != 0:
            raise SandboxUnavailable(f"Unpacking {tag} failed.", fix="Run `locogym sandbox build --force`.")
        _replace_dir(root, target)
    finally:
        container.remove(force=True)
        shutil.rmtree(work, ignore_errors=True)


def render_dockerfile(recipe: Recipe | None = None) -> str:
    """The same image as a Dockerfile, for machines that can pull ``debian`` from a registry."""
    recipe = recipe or Recipe(suite="bookworm")
    steps = " && \\\n    ".join(" ".join(step) for step in recipe.steps)
    prune = " ".join(f"/{p}/*" for p in recipe.prune)
    env = "\n".join(f"ENV {k}={v}" for k, v in recipe.env.items())
    return (
        "# The locogym sandbox image as a Dockerfile. `locogym sandbox build` makes the same image offline\n"
        "# (debootstrap --variant=minbase + docker import) and tags it locogym-sandbox:<suite>-<recipe hash>;\n"
        "# with a registry at hand, `docker build -t locogym-sandbox:custom docker/` gives the same contents and\n"
        "# `LOCOGYM_SANDBOX_IMAGE=locogym-sandbox:custom` makes locogym use it.\n"
        f"FROM debian:{recipe.suite}-slim\n"
        "RUN apt-get update && \\\n"
        f"    apt-get install -y --no-install-recommends {' '.join(recipe.packages)} && \\\n"
        f"    {steps} && \\\n"
        f"    rm -rf {prune}\n"
        f"{env}\n"
        f'LABEL {LABEL}.recipe="{recipe.digest()}"\n'
        "WORKDIR /workspace\n"
        'CMD ["sleep", "infinity"]\n'
    )
