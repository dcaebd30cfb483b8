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


_MEMBER_LANGUAGES = {"javascript", "typescript"}


def excerpt(text: str, facts: FileFacts, keep: list[tuple[int, int]], members: bool = False) -> str:
    """``text`` without the top-level definitions that overlap none of the ``keep`` line ranges (1-based); with
    ``members`` (JS/TS), also without the methods of the classes it keeps that overlap none of them."""
    lines = text.splitlines(keepends=True)
    drop = [False] * (len(lines) + 2)
    if members and facts.language in _MEMBER_LANGUAGES:
        _drop_methods(lines, facts, keep, drop)
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
        shown = next((lines[k - 1] for k in range(run, n) if lines[k - 1].strip()), "")
        indent = shown[:len(shown) - len(shown.lstrip())]
        out.append(f"{indent}{marker} ... {n - run} lines of other definitions are not part of this excerpt\n")
    return "".join(out)


def _drop_methods(lines: list[str], facts: FileFacts, keep: list[tuple[int, int]], drop: list[bool]) -> None:
    """Mark the methods of top-level classes that overlap no ``keep`` range, each on lines of its own (nothing
    else before its head or after its closing line), so the class body stays valid once they are cut: a long
    class keeps its header, its fields, its constructor (where instances get their own properties) and the
    members a question needs."""
    classes = {i for i, d in enumerate(facts.defs) if d.parent == -1 and d.kind == "class"}
    for d in facts.defs:
        if d.parent not in classes or d.kind != "method" or d.name == "constructor" or \
                any(start <= d.end_line and d.line <= end for start, end in keep):
            continue
        first, last = d.head or d.line, d.end_line
        if first <= facts.defs[d.parent].line or last >= facts.defs[d.parent].end_line or \
                lines[last - 1].strip() != "}":
            continue
        if any(other is not d and other.parent == d.parent and other.line <= last and first <= other.end_line and
               (other.line < first or other.end_line > last) for other in facts.defs):
            continue  # another member shares a line with it
        while first > 1 and _comment_or_blank(lines[first - 2]) and \
                not any(start <= first - 1 <= end for start, end in keep):
            first -= 1  # its doc comment goes with it
        for n in range(first, last + 1):
            drop[n] = True
    _join_runs(lines, drop)


def _comment_or_blank(line: str) -> bool:
    text = line.strip()
    return not text or text.startswith(("//", "/*", "*"))


def _join_runs(lines: list[str], drop: list[bool]) -> None:
    """Blank lines between two cut members are cut too: one comment then stands for the whole run."""
    n = 1
    while n <= len(lines):
        if drop[n] or not drop[n - 1] or lines[n - 1].strip():
            n += 1
            continue
        end = n
        while end <= len(lines) and not drop[end] and not lines[end - 1].strip():
            end += 1
        if end <= len(lines) and drop[end]:
            for k in range(n, end):
                drop[k] = True
        n = end
