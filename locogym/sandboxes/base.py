"""Where tools run. A :class:`Sandbox` is a workspace plus a way to execute commands in isolation from the host.

Backends (see :func:`make_sandbox`): ``docker`` (one long-lived container per episode), ``bwrap`` (bubblewrap
namespaces), ``local`` (a temp folder, no isolation; only when asked for by name), ``fake`` (in memory, for tests)
and ``auto`` (docker, then bwrap; says which it picked).

Paths given to the file methods are relative to the workspace root (absolute paths are accepted when they lie
inside it). A path that resolves outside the workspace — through ``..`` or a symlink — raises
:class:`PathOutsideWorkspace`; tools turn that into ``ErrorKind.permission``.
"""

from __future__ import annotations

import importlib
import posixpath
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, Field

from locogym.core.errors import ConfigError, SandboxUnavailable
from locogym.core.types import ErrorKind
from locogym.sandboxes.walk import glob_files, grep_files

WORKSPACE = "/workspace"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_OUTPUT_LIMIT = 256 * 1024


class PathOutsideWorkspace(PermissionError):
    """A path escapes the workspace (``..``, an absolute path elsewhere, or a symlink pointing out)."""


class ExecResult(BaseModel):
    """What a command did. Output beyond the backend's limit is cut with an explicit marker and ``truncated``."""

    exit_code: int
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    truncated: bool = False
    duration_ms: float = 0.0

    @property
    def error_kind(self) -> ErrorKind | None:
        """``timeout`` when the command was killed at its deadline, ``output_limit`` when output was cut."""
        if self.timed_out:
            return ErrorKind.timeout
        if self.truncated:
            return ErrorKind.output_limit
        return None


class DirEntry(BaseModel):
    name: str
    type: Literal["file", "dir", "link", "other"] = "file"
    size: int = 0


class GrepMatch(BaseModel):
    path: str
    line: int
    text: str


class SandboxInfo(BaseModel):
    """Which backend runs the episode and how it is limited; recorded in ``info`` and in the trajectory."""

    backend: str
    isolated: bool
    detail: dict[str, str | int | float | bool] = Field(default_factory=dict)


class Sandbox(ABC):
    """A workspace and an executor, isolated from the host to the degree its backend allows.

    Every method may raise :class:`~locogym.core.errors.SandboxUnavailable` when the backend died (the env
    reports ``ErrorKind.sandbox_unavailable`` and carries on).
    """

    backend: str = "abstract"
    workspace: str = WORKSPACE

    @abstractmethod
    def exec(
        self,
        argv: list[str],
        timeout: float = DEFAULT_TIMEOUT_S,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | bytes | None = None,
    ) -> ExecResult:
        """Run ``argv`` (a list, never a shell string) with a clean environment plus ``env``.

        ``cwd`` is relative to the workspace. A command past ``timeout`` seconds has its whole process group
        killed and comes back with ``timed_out=True`` (it does not raise).

        Raises:
            PathOutsideWorkspace: ``cwd`` escapes the workspace.
            SandboxUnavailable: the backend is gone.
        """

    @abstractmethod
    def read_file(self, path: str) -> bytes:
        """Return the bytes of a workspace file.

        Raises:
            FileNotFoundError: no such file.
            IsADirectoryError: the path is a folder.
            PathOutsideWorkspace: the path escapes the workspace.
        """

    @abstractmethod
    def write_file(self, path: str, content: bytes | str) -> None:
        """Create or replace a workspace file, creating parent folders.

        Raises:
            PathOutsideWorkspace: the path escapes the workspace.
            IsADirectoryError: the path is a folder.
            OSError: the backend's file-size limit was hit.
        """

    @abstractmethod
    def list_dir(self, path: str = ".") -> list[DirEntry]:
        """Entries of a workspace folder, sorted by name.

        Raises:
            FileNotFoundError: no such folder.
            NotADirectoryError: the path is a file.
            PathOutsideWorkspace: the path escapes the workspace.
        """

    def grep(self, pattern: str, path_glob: str = "**/*", max_matches: int = 200,
             ignore_case: bool = False) -> list[GrepMatch]:
        """Lines matching the regular expression ``pattern`` in files matching ``path_glob``.

        The default walks the workspace through :meth:`list_dir` and :meth:`read_file`; backends with a tool
        server answer it in one round trip.

        Raises:
            ValueError: ``pattern`` is not a valid regular expression.
        """
        return [GrepMatch(path=path, line=line, text=text)
                for path, line, text in grep_files(self, pattern, path_glob, max_matches, ignore_case)]

    def glob(self, pattern: str = "**/*", limit: int = 10_000) -> list[str]:
        """Workspace file paths matching a glob (``**`` crosses folders), sorted."""
        return glob_files(self, pattern, limit)

    @abstractmethod
    def delete_file(self, path: str) -> None:
        """Remove a workspace file (not a folder).

        Raises:
            FileNotFoundError: no such file.
            IsADirectoryError: the path is a folder.
            PathOutsideWorkspace: the path escapes the workspace.
        """

    def apply_patch(self, patch: str) -> list[str]:
        """Apply a unified diff (``git diff`` or ``diff -u`` output); return the workspace paths it changed.

        Every file is checked before any is written, so a patch that does not apply changes nothing. Context
        lines must match exactly; a hunk may sit at another line than its header says. The default reads and
        writes through the file methods; backends with a tool server answer it in one round trip.

        Raises:
            PatchError (a ValueError): the diff is malformed or a hunk does not apply; the message says which.
            PathOutsideWorkspace: the diff names a path outside the workspace.
        """
        from locogym.sandboxes.toolserver import PatchError, apply_hunks, parse_unified_diff

        plan: list[tuple[str, str | None]] = []
        for old_path, new_path, hunks in parse_unified_diff(patch):
            target = normalize_path(new_path or old_path or "")
            if old_path is None:
                try:
                    self.read_file(target)
                except FileNotFoundError:
                    text = ""
                else:
                    raise PatchError(f"{target} already exists; the patch wants to create it.")
            else:
                try:
                    text = self.read_file(normalize_path(old_path)).decode("utf-8")
                except FileNotFoundError:
                    raise PatchError(f"{old_path} does not exist; the patch changes it.") from None
                except UnicodeDecodeError:
                    raise PatchError(f"{old_path} is not UTF-8 text; it cannot be patched.") from None
            new_text = apply_hunks(target, text, hunks)
            if old_path is not None and (new_path is None or old_path != new_path):
                plan.append((normalize_path(old_path), None))
            if new_path is not None:
                plan.append((target, new_text))
        for path, content in plan:
            if content is None:
                self.delete_file(path)
            else:
                self.write_file(path, content)
        return [path for path, _ in plan]

    def load_workspace(self, files: Mapping[str, str | bytes], *, clear: bool = True) -> None:
        """Make the workspace hold exactly ``files`` (or add them when ``clear`` is false)."""
        if clear:
            self.clear_workspace()
        for path, content in files.items():
            self.write_file(path, content)

    @abstractmethod
    def clear_workspace(self) -> None:
        """Remove everything in the workspace (the workspace folder itself stays)."""

    def info(self) -> SandboxInfo:
        return SandboxInfo(backend=self.backend, isolated=self.backend not in {"local", "fake"})

    @abstractmethod
    def close(self) -> None:
        """Release the sandbox (stop and remove containers, delete temp folders). Idempotent."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def normalize_path(path: str, workspace: str = WORKSPACE) -> str:
    """Return ``path`` relative to the workspace, or raise :class:`PathOutsideWorkspace`.

    Purely lexical (symlinks are each backend's job): ``a/../b`` -> ``b``; ``/workspace/x`` -> ``x``;
    ``../x`` and ``/etc/passwd`` raise.
    """
    if not isinstance(path, str) or "\x00" in path:
        raise PathOutsideWorkspace(f"Invalid path {path!r}.")
    raw = path.strip() or "."
    if raw.startswith("/"):
        if raw == workspace or raw.startswith(workspace.rstrip("/") + "/"):
            raw = raw[len(workspace):].lstrip("/") or "."
        else:
            raise PathOutsideWorkspace(f"{path!r} is outside the workspace; use a path relative to {workspace}.")
    norm = posixpath.normpath(raw)
    if norm == ".." or norm.startswith("../"):
        raise PathOutsideWorkspace(f"{path!r} leaves the workspace; paths must stay inside {workspace}.")
    return "" if norm == "." else norm


_BACKENDS: dict[str, str] = {
    "docker": "locogym.sandboxes.docker:DockerSandbox",
    "bwrap": "locogym.sandboxes.bwrap:BwrapSandbox",
    "local": "locogym.sandboxes.local:LocalSandbox",
    "fake": "locogym.sandboxes.fake:FakeSandbox",
}
AUTO_ORDER = ("docker", "bwrap")


def backend_names() -> list[str]:
    return [*_BACKENDS, "auto"]


def _load(name: str) -> type[Sandbox]:
    module_name, _, attr = _BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def make_sandbox(name: str = "auto", **options: object) -> Sandbox:
    """Create a sandbox by backend name.

    ``auto`` tries docker, then bwrap, and warns which one it picked (and why the others were skipped). It never
    falls back to ``local``: running untrusted commands without isolation must be asked for by name.

    Raises:
        ConfigError: the name is not a backend.
        SandboxUnavailable: the backend (or, for ``auto``, every isolated backend) cannot run here.
    """
    if name == "auto":
        reasons = []
        for candidate in AUTO_ORDER:
            try:
                sandbox = _load(candidate)(**options)
            except SandboxUnavailable as exc:
                reasons.append(f"{candidate}: {exc.message}")
                continue
            if reasons:
                warnings.warn(f"sandbox=auto picked {candidate} ({'; '.join(reasons)})", stacklevel=2)
            return sandbox
        raise SandboxUnavailable(
            "No isolated sandbox backend works here. " + " ".join(reasons),
            fix="Start Docker and run `locogym sandbox build`, or install bubblewrap; `locogym sandbox doctor` "
            "explains. To run without isolation, pass sandbox='local' explicitly.",
        )
    if name not in _BACKENDS:
        raise ConfigError(f"Unknown sandbox backend {name!r}.", fix=f"Use one of: {', '.join(backend_names())}.")
    return _load(name)(**options)
