"""Excerpts of files too long for the requested length: real code, cut at definition boundaries.

A question about a 50k-token module cannot be asked at 8k tokens if the whole module must be in the workspace. An
excerpt keeps everything at the top of the file that is not a definition (imports, settings, ``__all__``), the
top-level definitions that hold the lines the question needs, and replaces every other run of top-level
definitions by one comment that says how many lines were left out. The code stays valid, so the question is then
rebuilt on the excerpt's own index: its gold answer is what the agent can find in its workspace.
"""

from __future__ import annotations

from locogym.scenarios.repo.parsing import FileFacts

_COMMENT = {"python": "#"}


def excerpt(text: str, facts: FileFacts, keep: list[tuple[int, int]]) -> str:
    """``text`` without the top-level definitions that overlap none of the ``keep`` line ranges (1-based)."""
    lines = text.splitlines(keepends=True)
    drop = [False] * (len(lines) + 2)
    for d in facts.defs:
        if d.parent != -1 or any(start <= d.end_line and d.line <= end for start, end in keep):
            continue
        if lines[(d.head or d.line) - 1][:1] in {" ", "\t"}:
            continue  # inside a block (``if``, ``try``): removing it could leave the block empty
        for n in range(d.head or d.line, d.end_line + 1):  # decorators go with their definition
            drop[n] = True
    marker = _COMMENT.get(facts.language, "//")
    out: list[str] = []
    n = 1
    while n <= len(lines):
        if not drop[n]:
            out.append(lines[n - 1])
            n += 1
            continue
        run = n
        while n <= len(lines) and drop[n]:
            n += 1
        indent = ""
        out.append(f"{indent}{marker} ... {n - run} lines of other definitions are not part of this excerpt\n")
    return "".join(out)
