"""Which steps of a code task read something the task does not need: the families' input to error provenance.

Scoring counts a result that is *off the task's path* as an error once a wrong call or a wrong answer is built on
it (see :mod:`locogym.scoring.cascade`). For the code families the path is the task's evidence spans: a read,
search or symbol lookup that showed none of them (a decoy definition, an unrelated module) is off the path.
Listings, notes, edits and test runs show no code to rely on, so they are never marked.
"""

from __future__ import annotations

from typing import Any

from locogym.core.types import ToolCall, ToolResult

CODE_READS = frozenset({"read_file", "grep", "find_symbol", "find_references"})


def off_path_read(call: ToolCall | None, result: ToolResult) -> bool:
    """A successful code read that showed none of the task's evidence spans."""
    return (call is not None and call.name in CODE_READS and result.error is None
            and not result.data.get("evidence"))


def code_notes(call: ToolCall | None, result: ToolResult) -> dict[str, Any]:
    """The provenance annotation of one code-tool step (empty when the step is on the path)."""
    return {"off_path": True} if off_path_read(call, result) else {}
