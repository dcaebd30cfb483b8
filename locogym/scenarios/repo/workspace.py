"""The repo tools' view of an episode's workspace: a mirror of its text files, a lazily rebuilt code index, the
notes that persist across sessions, and evidence matching.

File tools read and write through the sandbox (the truth); the mirror follows every write and edit, so the code
tools (``find_symbol``, ``find_references``, ``repo_map``) answer from an index of the files as they are now
without re-reading the workspace. A ``run`` command may change anything, so it marks the mirror stale and the next
code tool re-reads the workspace from the sandbox first. Re-indexing after an edit re-parses only the edited
files (facts are cached by content).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from locogym.core.types import Task
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.sources import MAX_FILE_BYTES

_STATE_KEY = "repo_workspace"


class RepoWorkspace:
    """Mirror, index and notes of one episode (``ToolContext.world`` of the repo families)."""

    def __init__(self, files: dict[str, str] | None = None) -> None:
        self.files: dict[str, str] = dict(files or {})
        self.notes = ""
        self.stale = files is None
        self._index: CodeIndex | None = None
        self.applied_sessions: set[int] = set()

    def sync(self, sandbox: Sandbox) -> None:
        """Re-read every text file of the workspace from the sandbox (after a command changed it)."""
        files: dict[str, str] = {}
        for path in sandbox.glob("**/*", limit=200_000):
            data = sandbox.read_file(path)
            if len(data) > MAX_FILE_BYTES or b"\x00" in data[:8192]:
                continue
            try:
                files[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
        self.files = files
        self.stale = False
        self._index = None

    def write(self, path: str, text: str) -> None:
        """Record a write made through the sandbox."""
        self.files[path] = text
        self._index = None

    def index(self, sandbox: Sandbox | None = None) -> CodeIndex:
        """The index of the files as they are now (re-reading the sandbox first when a command ran)."""
        if self.stale and sandbox is not None:
            self.sync(sandbox)
        if self._index is None:
            self._index = CodeIndex.build(self.files)
        return self._index


def workspace_of(ctx: Any) -> RepoWorkspace:
    """The episode's :class:`RepoWorkspace`: the env's world, or one read from the sandbox on first use.

    Envs of other families that reuse the repo tools need not build a world: the workspace is mirrored from the
    sandbox the first time a code tool runs and kept in ``ctx.state``.
    """
    if isinstance(ctx.world, RepoWorkspace):
        return ctx.world
    existing = ctx.state.get(_STATE_KEY)
    if isinstance(existing, RepoWorkspace):
        return existing
    world = RepoWorkspace()
    ctx.state[_STATE_KEY] = world
    return world


def evidence_seen(task: Task, path: str, lines: Iterable[int]) -> list[str]:
    """Ids of the task's file-span evidence that any of ``lines`` of ``path`` falls in."""
    wanted = sorted(set(lines))
    if not wanted:
        return []
    out = []
    for ev in task.evidence:
        loc = ev.locator
        if ev.kind != "file_span" or loc.get("path") != path:
            continue
        start, end = int(loc.get("start", 0)), int(loc.get("end", 0))
        if any(start <= line <= end for line in wanted):
            out.append(ev.id)
    return out
