"""``notes_read`` / ``notes_write``: a scratch pad that survives the context reset between sessions.

The notes live with the episode's workspace object, not in the workspace files, so they never show up in the
code, in greps or in the tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from locogym.core.errors import ToolArgumentError
from locogym.core.types import ToolResult
from locogym.scenarios.repo.workspace import workspace_of
from locogym.tools.base import Tool, ToolArgs, ToolContext

MAX_NOTES_CHARS = 64_000


class NotesRead(Tool):
    """Read your notes (kept across sessions of a multi-session task)."""

    name = "notes_read"

    def run(self, ctx: ToolContext, args: ToolArgs) -> ToolResult:
        notes = workspace_of(ctx).notes
        return ToolResult(output=notes if notes else "(no notes yet)")


class NotesWriteArgs(ToolArgs):
    content: str = Field(description="Text to store.")
    mode: Literal["append", "replace"] = Field(default="append", description="Append to or replace the notes.")


class NotesWrite(Tool):
    """Write to your notes (kept across sessions of a multi-session task)."""

    name = "notes_write"
    Args = NotesWriteArgs

    def run(self, ctx: ToolContext, args: NotesWriteArgs) -> ToolResult:
        world = workspace_of(ctx)
        text = args.content if args.mode == "replace" else (world.notes + ("\n" if world.notes else "") + args.content)
        if len(text) > MAX_NOTES_CHARS:
            raise ToolArgumentError(f"notes would hold {len(text):,} characters; the limit is {MAX_NOTES_CHARS:,}. "
                             "Use mode='replace' with a shorter summary.")
        world.notes = text
        return ToolResult(output=f"Notes saved ({len(text):,} characters).")
