"""File tools of the codebase environments: ``list_dir``, ``read_file``, ``grep``, ``write_file``, ``edit_file``.

They act on the sandbox's workspace (paths relative to its root; anything that leaves it is refused). Reads show
line numbers and say how to page on; writes keep the episode's workspace mirror (see
:mod:`locogym.scenarios.repo.workspace`) in step so the code index sees them. Results name the evidence spans
they exposed (``data["evidence"]``) and the paths they introduced (``data["values"]``) for scoring.
"""

from __future__ import annotations

import re

from pydantic import Field

from locogym.core.errors import ToolArgumentError
from locogym.core.types import ToolResult
from locogym.sandboxes.base import normalize_path
from locogym.scenarios.repo.workspace import evidence_seen, workspace_of
from locogym.tools.base import Tool, ToolArgs, ToolContext

READ_LIMIT = 200
MAX_READ_LIMIT = 2000


def _text(data: bytes, path: str) -> str:
    if b"\x00" in data[:8192]:
        raise ToolArgumentError(f"{path!r} is a binary file; only text files can be read.")
    return data.decode("utf-8", "replace")


class ListDirArgs(ToolArgs):
    path: str = Field(default=".", description="Folder relative to the workspace root.")


class ListDir(Tool):
    """List a folder of the workspace: sub-folders (ending in /) and files with their sizes in bytes."""

    name = "list_dir"
    Args = ListDirArgs
    output_tokens = 3000
    page_hint = "List a sub-folder to see less at once."

    def run(self, ctx: ToolContext, args: ListDirArgs) -> ToolResult:
        rel = normalize_path(args.path)
        entries = ctx.sandbox.list_dir(rel or ".")
        lines = [f"{e.name}/" if e.type == "dir" else f"{e.name}  ({e.size} bytes)" for e in entries]
        shown = rel or "."
        paths = [f"{rel}/{e.name}" if rel else e.name for e in entries]
        body = "\n".join(lines) if lines else "(empty folder)"
        return ToolResult(output=f"{shown}/ ({len(entries)} entries)\n{body}", data={"values": paths})


class ReadFileArgs(ToolArgs):
    path: str = Field(description="File path relative to the workspace root.")
    offset: int = Field(default=1, ge=1, description="First line to show (1-based).")
    limit: int = Field(default=READ_LIMIT, ge=1, le=MAX_READ_LIMIT, description="How many lines to show.")


class ReadFile(Tool):
    """Read lines of a workspace file, numbered. Long files are shown a page at a time: pass offset to go on."""

    name = "read_file"
    Args = ReadFileArgs
    output_tokens = 8000
    page_hint = "Call read_file again with a larger offset or a smaller limit."

    def run(self, ctx: ToolContext, args: ReadFileArgs) -> ToolResult:
        rel = normalize_path(args.path)
        lines = _text(ctx.sandbox.read_file(rel), rel).splitlines()
        total = len(lines)
        if total and args.offset > total:
            raise ToolArgumentError(f"offset={args.offset} is past the end of {rel!r} ({total} lines).")
        start = args.offset
        end = min(total, start + args.limit - 1)
        width = len(str(end))
        body = "\n".join(f"{n:>{width}}\t{lines[n - 1]}" for n in range(start, end + 1))
        header = f"{rel} (lines {start}-{end} of {total})" if total else f"{rel} (empty file)"
        output = f"{header}\n{body}" if total else header
        data: dict = {"evidence": evidence_seen(ctx.task, rel, range(start, end + 1)), "values": [rel]}
        if end < total:
            hint = f'read_file(path="{rel}", offset={end + 1}) shows the next lines.'
            output += f"\n[{total - end} more lines; {hint}]"
            data["page_hint"] = hint
        return ToolResult(output=output, data=data)


class GrepArgs(ToolArgs):
    pattern: str = Field(description="Regular expression (Python syntax) searched line by line.")
    path_glob: str = Field(default="**/*", description="Only files matching this glob, e.g. '**/*.py' or 'src/**'.")
    ignore_case: bool = Field(default=False, description="Match regardless of case.")


class Grep(Tool):
    """Search workspace files for lines matching a regular expression; prints path:line: text for each match."""

    name = "grep"
    Args = GrepArgs
    output_tokens = 4000
    page_hint = "Narrow the pattern or the path_glob."
    max_matches = 200

    def run(self, ctx: ToolContext, args: GrepArgs) -> ToolResult:
        try:
            re.compile(args.pattern)
        except re.error as exc:
            raise ToolArgumentError(f"pattern {args.pattern!r} is not a valid regular expression ({exc}); escape "
                             "special characters such as ( [ . * with a backslash.") from exc
        matches = ctx.sandbox.grep(args.pattern, args.path_glob, max_matches=self.max_matches + 1,
                                   ignore_case=args.ignore_case)
        more = len(matches) > self.max_matches
        matches = matches[: self.max_matches]
        evidence: list[str] = []
        by_path: dict[str, list[int]] = {}
        for m in matches:
            by_path.setdefault(m.path, []).append(m.line)
        for path, lines in by_path.items():
            evidence += evidence_seen(ctx.task, path, lines)
        if not matches:
            return ToolResult(output=f"No line matches {args.pattern!r} in {args.path_glob!r}.",
                              data={"values": []})
        body = "\n".join(f"{m.path}:{m.line}: {m.text.strip()}" for m in matches)
        if more:
            body += f"\n[more than {self.max_matches} matches; narrow the pattern or the path_glob]"
        return ToolResult(output=body, data={"evidence": sorted(set(evidence)), "values": sorted(by_path)})


class WriteFileArgs(ToolArgs):
    path: str = Field(description="File path relative to the workspace root (folders are created).")
    content: str = Field(description="The whole new content of the file.")


class WriteFile(Tool):
    """Create or overwrite a workspace file with the given content."""

    name = "write_file"
    Args = WriteFileArgs

    def run(self, ctx: ToolContext, args: WriteFileArgs) -> ToolResult:
        rel = normalize_path(args.path)
        if not rel:
            raise ToolArgumentError("path must name a file, not the workspace root.")
        ctx.sandbox.write_file(rel, args.content)
        workspace_of(ctx).write(rel, args.content)
        lines = args.content.count("\n") + (0 if args.content.endswith("\n") or not args.content else 1)
        return ToolResult(output=f"Wrote {rel} ({lines} lines).", data={"values": [rel], "changed": [rel]})


class EditFileArgs(ToolArgs):
    path: str = Field(description="File path relative to the workspace root.")
    old: str = Field(description="Exact text to replace; it must occur exactly once in the file.")
    new: str = Field(description="Replacement text.")


class EditFile(Tool):
    """Replace one exact occurrence of `old` with `new` in a workspace file (include context to make it unique)."""

    name = "edit_file"
    Args = EditFileArgs

    def run(self, ctx: ToolContext, args: EditFileArgs) -> ToolResult:
        rel = normalize_path(args.path)
        text = _text(ctx.sandbox.read_file(rel), rel)
        if not args.old:
            raise ToolArgumentError("old must not be empty; use write_file to create a file.")
        count = text.count(args.old)
        if count != 1:
            where = "does not occur" if count == 0 else f"occurs {count} times"
            raise ToolArgumentError(f"old text {where} in {rel!r}; it must occur exactly once (add surrounding lines).")
        new_text = text.replace(args.old, args.new, 1)
        ctx.sandbox.write_file(rel, new_text)
        workspace_of(ctx).write(rel, new_text)
        first = text[: text.index(args.old)].count("\n") + 1
        return ToolResult(output=f"Edited {rel} at line {first} (-{args.old.count(chr(10)) + 1} "
                                 f"+{args.new.count(chr(10)) + 1} lines).",
                          data={"values": [rel], "changed": [rel]})
