"""Code-intelligence tools: ``find_symbol``, ``find_references`` and ``repo_map``, answered from the episode's
code index (tree-sitter definitions, resolved imports and calls; see :mod:`locogym.scenarios.repo.index`), plus
:func:`repo_tools`, the fixed tool set of the codebase environments.
"""

from __future__ import annotations

import re

from pydantic import Field

from locogym.core.errors import ToolNotFound
from locogym.core.types import ToolResult
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.repomap import render_map
from locogym.scenarios.repo.workspace import RepoWorkspace, evidence_seen, workspace_of
from locogym.tools.base import Submit, Tool, ToolArgs, ToolContext

MAX_REFERENCES = 150


def _index(ctx: ToolContext) -> tuple[CodeIndex, RepoWorkspace]:
    """The index of the workspace as it is now (re-read from the sandbox when a command may have changed it)."""
    world = workspace_of(ctx)
    return world.index(ctx.sandbox if world.stale else None), world


class FindSymbolArgs(ToolArgs):
    name: str = Field(description="A name (`parse_config`) or qualified name (`pkg.mod.Class.method`).")


class FindSymbol(Tool):
    """Find where a function, method, class or type is defined: path, lines, signature and first doc line."""

    name = "find_symbol"
    Args = FindSymbolArgs
    output_tokens = 3000

    def run(self, ctx: ToolContext, args: FindSymbolArgs) -> ToolResult:
        index, _ = _index(ctx)
        found = index.find_definitions(args.name.strip())
        if not found:
            raise ToolNotFound(f"no definition named {args.name!r}; try grep, or find_references for uses.")
        lines, evidence = [], []
        for d in found[:50]:
            doc = f"\n    {d.doc}" if d.doc else ""
            lines.append(f"{d.qualname} ({d.kind}) {d.path}:{d.line}-{d.end_line}\n    {d.signature}{doc}")
            evidence += evidence_seen(ctx.task, d.path, [d.line])
        more = f"\n[{len(found) - 50} more definitions not shown]" if len(found) > 50 else ""
        return ToolResult(output="\n".join(lines) + more,
                          data={"evidence": sorted(set(evidence)),
                                "values": [d.qualname for d in found] + sorted({d.path for d in found})})


class FindReferencesArgs(ToolArgs):
    name: str = Field(description="The identifier to look for (the last part of a qualified name is used).")


class FindReferences(Tool):
    """List every use of an identifier: call sites (with the calling function and the resolved target), imports
    and other uses, as path:line with the line's text."""

    name = "find_references"
    Args = FindReferencesArgs
    output_tokens = 5000
    page_hint = "Use grep with a path_glob to look at part of the code base."

    def run(self, ctx: ToolContext, args: FindReferencesArgs) -> ToolResult:
        index, world = _index(ctx)
        name = re.split(r"::|\.", args.name.strip())[-1]
        refs = index.references(name)
        if not refs:
            raise ToolNotFound(f"no reference to {name!r} in the indexed code.")
        out, evidence = [], []
        for ref in refs[:MAX_REFERENCES]:
            text = world.files.get(ref.path, "").splitlines()
            line_text = text[ref.line - 1].strip() if 0 < ref.line <= len(text) else ""
            where = f" in {ref.scope}" if ref.scope else ""
            target = f" -> {ref.target}" if ref.target else ""
            out.append(f"{ref.path}:{ref.line} [{ref.kind}{where}{target}] {line_text}")
            evidence += evidence_seen(ctx.task, ref.path, [ref.line])
        if len(refs) > MAX_REFERENCES:
            out.append(f"[{len(refs) - MAX_REFERENCES} more references not shown]")
        values = sorted({r.scope for r in refs if r.scope} | {r.path for r in refs})
        return ToolResult(output=f"{len(refs)} references to {name}:\n" + "\n".join(out),
                          data={"evidence": sorted(set(evidence)), "values": values})


class RepoMapArgs(ToolArgs):
    budget: int = Field(default=2048, ge=128, le=32_768, description="Token budget of the map.")
    focus: list[str] = Field(default_factory=list,
                             description="Optional names, qualified names or paths to rank first.")


class RepoMap(Tool):
    """A map of the code base within a token budget: files and the signatures of their most central definitions
    (ranked by PageRank over the call graph, personalised on `focus`), with line numbers."""

    name = "repo_map"
    Args = RepoMapArgs
    output_tokens = 33_000

    def run(self, ctx: ToolContext, args: RepoMapArgs) -> ToolResult:
        index, _ = _index(ctx)
        return ToolResult(output=render_map(index, args.budget, args.focus))


def repo_tools() -> list[Tool]:
    """The fixed tool set of the codebase environments (``LoCo-Repo*``), in the order they are offered."""
    from locogym.tools.files import EditFile, Grep, ListDir, ReadFile, WriteFile
    from locogym.tools.notes import NotesRead, NotesWrite
    from locogym.tools.shell import Run

    return [ListDir(), ReadFile(), Grep(), FindSymbol(), FindReferences(), RepoMap(), WriteFile(), EditFile(),
            Run(), NotesRead(), NotesWrite(), Submit()]
