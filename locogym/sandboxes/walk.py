"""Workspace walking for backends without a tool server: glob and grep built on list_dir and read_file.

Glob and grep semantics come from the tool server module, so every backend matches the same paths and lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from locogym.sandboxes.toolserver import SKIP_DIRS, glob_match, grep_text


class Walkable(Protocol):
    """The two sandbox methods a walk needs (any :class:`~locogym.sandboxes.base.Sandbox` has them)."""

    def list_dir(self, path: str = ".") -> Sequence[Any]: ...

    def read_file(self, path: str) -> bytes: ...

__all__ = ["glob_match", "walk_files", "glob_files", "grep_files"]


def walk_files(sandbox: Walkable, root: str = "") -> list[str]:
    """Every file path under ``root`` (relative to the workspace), sorted, skipping VCS and cache folders."""
    out: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        for entry in sandbox.list_dir(folder or "."):
            path = f"{folder}/{entry.name}" if folder else entry.name
            if entry.type == "dir":
                if entry.name not in SKIP_DIRS:
                    stack.append(path)
            elif entry.type == "file":
                out.append(path)
    return sorted(out)


def glob_files(sandbox: Walkable, pattern: str, limit: int) -> list[str]:
    return [p for p in walk_files(sandbox) if glob_match(p, pattern)][:limit]


def grep_files(sandbox: Walkable, pattern: str, path_glob: str, max_matches: int,
               ignore_case: bool) -> list[tuple[str, int, str]]:
    """``(path, line number, line)`` of every match, in path order, at most ``max_matches``."""
    regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    matches: list[tuple[str, int, str]] = []
    for path in glob_files(sandbox, path_glob, 1_000_000):
        for number, line in grep_text(sandbox.read_file(path), regex):
            matches.append((path, number, line))
            if len(matches) >= max_matches:
                return matches
    return matches
