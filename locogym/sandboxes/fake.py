"""An in-memory sandbox for tests: files in a dict, commands answered by a handler you supply.

Like a mock transport, it makes tool and env tests trivial and fast::

    box = FakeSandbox(files={"a.py": "x = 1\n"}, exec_handler=lambda argv, **kw: ExecResult(exit_code=0, stdout="ok"))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import (
    DEFAULT_TIMEOUT_S,
    DirEntry,
    ExecResult,
    Sandbox,
    SandboxInfo,
    normalize_path,
)

ExecHandler = Callable[..., ExecResult]


def _builtin_exec(box: FakeSandbox, argv: list[str], **_: object) -> ExecResult:
    """A handful of commands so that shell tools have something real to do in tests."""
    name, args = argv[0], argv[1:]
    if name == "true":
        return ExecResult(exit_code=0)
    if name == "false":
        return ExecResult(exit_code=1)
    if name == "echo":
        return ExecResult(exit_code=0, stdout=" ".join(args) + "\n")
    if name == "cat":
        try:
            return ExecResult(exit_code=0, stdout="".join(box.read_file(a).decode("utf-8", "replace") for a in args))
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            return ExecResult(exit_code=1, stderr=f"cat: {exc}\n")
    if name == "ls":
        try:
            entries = box.list_dir(args[0] if args else ".")
            return ExecResult(exit_code=0, stdout="".join(e.name + "\n" for e in entries))
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            return ExecResult(exit_code=2, stderr=f"ls: {exc}\n")
    return ExecResult(exit_code=127, stderr=f"{name}: command not found (fake sandbox)\n")


class FakeSandbox(Sandbox):
    """Files live in a dict; ``exec`` calls ``exec_handler(argv, timeout=, cwd=, env=, stdin=)``."""

    backend = "fake"

    def __init__(self, files: Mapping[str, str | bytes] | None = None, exec_handler: ExecHandler | None = None,
                 **_: object) -> None:
        self._files: dict[str, bytes] = {}
        self._handler = exec_handler
        self._closed = False
        self.exec_log: list[list[str]] = []
        if files:
            self.load_workspace(files)

    def _check(self) -> None:
        if self._closed:
            raise SandboxUnavailable("The fake sandbox was closed.", fix="Create a new sandbox.")

    def exec(self, argv: list[str], timeout: float = DEFAULT_TIMEOUT_S, cwd: str | None = None,
             env: Mapping[str, str] | None = None, stdin: str | bytes | None = None) -> ExecResult:
        self._check()
        if not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv must be a non-empty list of strings")
        cwd_rel = normalize_path(cwd or ".")
        self.exec_log.append(list(argv))
        start = time.perf_counter()
        if self._handler is not None:
            result = self._handler(argv, timeout=timeout, cwd=cwd_rel, env=dict(env or {}), stdin=stdin)
        else:
            result = _builtin_exec(self, argv)
        return result.model_copy(update={"duration_ms": (time.perf_counter() - start) * 1000})

    def read_file(self, path: str) -> bytes:
        self._check()
        rel = normalize_path(path)
        if rel in self._files:
            return self._files[rel]
        if not rel or any(p.startswith(rel + "/") for p in self._files):
            raise IsADirectoryError(f"{path!r} is a folder; use list_dir.")
        raise FileNotFoundError(f"No file {path!r} in the workspace.")

    def write_file(self, path: str, content: bytes | str) -> None:
        self._check()
        rel = normalize_path(path)
        if not rel or any(p.startswith(rel + "/") for p in self._files):
            raise IsADirectoryError(f"{path!r} is a folder.")
        parts = rel.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in self._files:
                raise NotADirectoryError(f"{'/'.join(parts[:i])!r} is a file, not a folder.")
        self._files[rel] = content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def delete_file(self, path: str) -> None:
        self._check()
        rel = normalize_path(path)
        if rel not in self._files:
            if not rel or any(p.startswith(rel + "/") for p in self._files):
                raise IsADirectoryError(f"{path!r} is a folder.")
            raise FileNotFoundError(f"No file {path!r} in the workspace.")
        del self._files[rel]

    def list_dir(self, path: str = ".") -> list[DirEntry]:
        self._check()
        rel = normalize_path(path)
        if rel in self._files:
            raise NotADirectoryError(f"{path!r} is a file; use read_file.")
        prefix = rel + "/" if rel else ""
        entries: dict[str, DirEntry] = {}
        for file_path, data in self._files.items():
            if not file_path.startswith(prefix):
                continue
            head, sep, _ = file_path[len(prefix):].partition("/")
            entries[head] = DirEntry(name=head, type="dir") if sep else DirEntry(name=head, type="file", size=len(data))
        if rel and not entries:
            raise FileNotFoundError(f"No folder {path!r} in the workspace.")
        return [entries[k] for k in sorted(entries)]

    def clear_workspace(self) -> None:
        self._check()
        self._files.clear()

    def snapshot(self) -> dict[str, bytes]:
        """A copy of every file, for tests that compare workspaces."""
        return dict(self._files)

    def info(self) -> SandboxInfo:
        return SandboxInfo(backend="fake", isolated=False, detail={"files": len(self._files)})

    def close(self) -> None:
        self._closed = True
        self._files.clear()
