"""The part every real backend shares: a :class:`Sandbox` whose every method is one tool-server request.

A backend (docker, bwrap, local) only says how to start the server (``_launch``), how to describe itself
(``info``) and what to release on close (``_release``). Paths are checked lexically on the host first (cheap,
and the same error for every backend), then again by the server against symbolic links.
"""

from __future__ import annotations

import atexit
import io
import os
import tarfile
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from locogym.sandboxes.base import (
    DEFAULT_OUTPUT_LIMIT,
    DEFAULT_TIMEOUT_S,
    DirEntry,
    ExecResult,
    GrepMatch,
    Sandbox,
    normalize_path,
)
from locogym.sandboxes.channel import Channel
from locogym.sandboxes.client import EXEC_GRACE_S, ToolServerClient

# Strong references: a sandbox the program forgot to close still gets its container removed at exit.
_OPEN: set[ServedSandbox] = set()


def _close_all() -> None:
    """Interpreter exit: release whatever sandboxes the program forgot to close (containers, temp folders).

    Only sandboxes this process made: a forked child that exits must not tear down its parent's sandboxes.
    """
    for box in list(_OPEN):
        if box.owner_pid != os.getpid():
            continue
        try:
            box.close()
        except Exception:  # noqa: BLE001 - best effort at exit; `locogym sandbox prune` removes the rest
            pass


atexit.register(_close_all)


def workspace_tar(files: Mapping[str, str | bytes]) -> bytes:
    """An uncompressed tar stream of ``files`` (paths already normalised); regular files only, mode 0644."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        for path, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mode = 0o644
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


class ServedSandbox(Sandbox):
    """A sandbox driven through the in-sandbox tool server (see :mod:`locogym.sandboxes.toolserver`)."""

    backend = "served"

    def __init__(self, output_limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
        self.output_limit = output_limit
        self.owner_pid = os.getpid()
        self.server = ToolServerClient(self._launch, self.backend)
        self._closed = False
        _OPEN.add(self)

    @abstractmethod
    def _launch(self) -> Channel:
        """Start a tool server process inside the sandbox and return the channel to it."""

    @abstractmethod
    def _release(self) -> None:
        """Free what the backend holds (container, temp folder). Called once, by :meth:`close`."""

    # ----------------------------------------------------------------- commands
    def exec(self, argv: list[str], timeout: float = DEFAULT_TIMEOUT_S, cwd: str | None = None,
             env: Mapping[str, str] | None = None, stdin: str | bytes | None = None) -> ExecResult:
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv must be a non-empty list of strings")
        if any("\x00" in a for a in argv):
            raise ValueError("argv strings may not contain NUL characters")
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        request: dict[str, Any] = {"argv": argv, "timeout": float(timeout), "cwd": normalize_path(cwd or "."),
                                   "env": {str(k): str(v) for k, v in (env or {}).items()},
                                   "output_limit": self.output_limit}
        result, _ = self.server.call("exec", request, blob=data or None, timeout=float(timeout) + EXEC_GRACE_S)
        return ExecResult.model_validate(result)

    # -------------------------------------------------------------------- files
    def read_file(self, path: str) -> bytes:
        rel = normalize_path(path)
        if not rel:
            raise IsADirectoryError(f"{path!r} is the workspace folder; use list_dir.")
        _, blob = self.server.call("read", {"path": rel}, path=path)
        return blob or b""

    def write_file(self, path: str, content: bytes | str) -> None:
        rel = normalize_path(path)
        if not rel:
            raise IsADirectoryError(f"{path!r} is the workspace folder.")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        self.server.call("write", {"path": rel}, blob=data, path=path)

    def delete_file(self, path: str) -> None:
        rel = normalize_path(path)
        if not rel:
            raise IsADirectoryError(f"{path!r} is the workspace folder.")
        self.server.call("delete", {"path": rel}, path=path)

    def list_dir(self, path: str = ".") -> list[DirEntry]:
        result, _ = self.server.call("list", {"path": normalize_path(path)}, path=path)
        return [DirEntry(name=name, type=kind, size=size) for name, kind, size in result.get("entries", [])]

    def stat(self, path: str) -> dict[str, Any]:
        """Type (file, dir, link, other), size, mtime and permission bits of a workspace path (links not followed).

        Raises:
            FileNotFoundError: no such path.
            PathOutsideWorkspace: the path escapes the workspace.
        """
        result, _ = self.server.call("stat", {"path": normalize_path(path)}, path=path)
        return result

    def grep(self, pattern: str, path_glob: str = "**/*", max_matches: int = 200,
             ignore_case: bool = False) -> list[GrepMatch]:
        result, _ = self.server.call("grep", {"pattern": pattern, "glob": path_glob, "max_matches": max_matches,
                                              "ignore_case": ignore_case})
        return [GrepMatch(path=p, line=n, text=t) for p, n, t in result.get("matches", [])]

    def glob(self, pattern: str = "**/*", limit: int = 10_000) -> list[str]:
        result, _ = self.server.call("glob", {"pattern": pattern, "limit": limit})
        return [str(p) for p in result.get("paths", [])]

    def apply_patch(self, patch: str) -> list[str]:
        result, _ = self.server.call("patch", {"patch": patch})
        return [str(p) for p in result.get("changed", [])]

    def load_workspace(self, files: Mapping[str, str | bytes], *, clear: bool = True) -> None:
        normalized: dict[str, str | bytes] = {}
        for path, content in files.items():
            rel = normalize_path(path)
            if not rel:
                raise IsADirectoryError(f"{path!r} names the workspace folder, not a file.")
            normalized[rel] = content
        self.server.call("load", {"clear": clear}, blob=workspace_tar(normalized))

    def clear_workspace(self) -> None:
        self.server.call("clear")

    # ---------------------------------------------------------------- lifecycle
    def restart_server(self) -> None:
        """Throw the tool server away (the next call starts a fresh one); the workspace stays."""
        self.server.restart()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        _OPEN.discard(self)
        try:
            self.server.close()
        finally:
            self._release()
