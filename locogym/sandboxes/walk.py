"""Workspace walking for backends without a tool server: glob and grep built on list_dir and read_file."""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from locogym.sandboxes.base import GrepMatch, Sandbox

_SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv"}


def glob_match(path: str, pattern: str) -> bool:
    """Glob match where ``**/`` may match zero or more folders and ``*`` stays within one folder."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None or (
        "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    )


def walk_files(sandbox: Sandbox, root: str = "") -> list[str]:
    """Every file path under ``root`` (relative to the workspace), sorted, skipping VCS and cache folders."""
    out: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        for entry in sandbox.list_dir(folder or "."):
            path = f"{folder}/{entry.name}" if folder else entry.name
            if entry.type == "dir":
                if entry.name not in _SKIP_DIRS:
                    stack.append(path)
            elif entry.type == "file":
                out.append(path)
    return sorted(out)


def glob_files(sandbox: Sandbox, pattern: str, limit: int) -> list[str]:
    return [p for p in walk_files(sandbox) if glob_match(p, pattern)][:limit]


def grep_files(sandbox: Sandbox, pattern: str, path_glob: str, max_matches: int, ignore_case: bool) -> list[GrepMatch]:
    from locogym.sandboxes.base import GrepMatch

    regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    matches: list[GrepMatch] = []
    for path in glob_files(sandbox, path_glob, 1_000_000):
        data = sandbox.read_file(path)
        if b"\x00" in data[:8192]:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if regex.search(line):
                matches.append(GrepMatch(path=path, line=number, text=line[:500]))
                if len(matches) >= max_matches:
                    return matches
    return matches
