"""Change blocks of a unified diff: the units a reviewer who reads only the diff can flag.

A block is a run of consecutive ``-``/``+`` lines of one hunk, with up to three context lines on either side.
Its ``line`` is where a finding on it points: the first added line in the new file, or for a pure deletion the
new-file line the deletion sits before. The separability benchmark and the cheating tests of the review family
score diff-only strategies on these units with the env's own grader.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from locogym.core.types import Task
from locogym.scenarios.defects.gold import ReviewGold, grade_review
from locogym.scenarios.defects.mutations import is_test_path
from locogym.scenarios.defects.review_grading import Location

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class Block:
    """One change block of a review diff: where a finding on it would point, its text, and its label."""

    path: str
    line: int
    text: str
    hunk: int = 0  # index of the ``@@`` hunk (over the whole diff) the block belongs to
    defect: bool = False


def hunk_texts(blocks: list[Block], diff: str) -> dict[int, str]:
    """The whole text of each hunk of ``diff`` that holds one of the blocks, by hunk index."""
    texts: dict[int, list[str]] = {}
    index = -1
    for line in diff.splitlines():
        if line.startswith("diff --git ") or line.startswith(("--- ", "+++ ")):
            continue
        if _HUNK.match(line):
            index += 1
            texts[index] = []
        elif index >= 0:
            texts[index].append(line)
    wanted = {b.hunk for b in blocks}
    return {i: "\n".join(lines) for i, lines in texts.items() if i in wanted}


def blocks_of(diff: str) -> list[Block]:
    """The change blocks of a unified diff, each with up to three context lines on either side."""
    out: list[Block] = []
    path = ""
    hunk = -1
    for part in re.split(r"^diff --git ", diff, flags=re.M)[1:]:
        lines = part.splitlines()
        path = lines[0].split(" b/", 1)[-1]
        new_line = 0
        body: list[tuple[str, int, int]] = []  # (line text, new-file line number it sits at, hunk index)
        for line in lines[1:]:
            match = _HUNK.match(line)
            if match:
                hunk += 1
                body.append(("@@", 0, hunk))
                new_line = int(match.group(1))
                continue
            if line.startswith(("---", "+++")) or line.startswith("\\"):
                continue
            body.append((line, new_line, hunk))
            if not line.startswith("-"):
                new_line += 1
        i = 0
        while i < len(body):
            text = body[i][0]
            if text[:1] not in ("-", "+"):
                i += 1
                continue
            j = i
            while j < len(body) and body[j][0][:1] in ("-", "+"):
                j += 1
            added = [n for t, n, _ in body[i:j] if t.startswith("+")]
            line_no = added[0] if added else body[i][1]
            lo = i
            while lo > 0 and i - lo < 3 and body[lo - 1][0] != "@@":
                lo -= 1
            hi = j
            while hi < len(body) and hi - j < 3 and body[hi][0] != "@@" and body[hi][0][:1] not in ("-", "+"):
                hi += 1
            out.append(Block(path=path, line=line_no, text="\n".join(t for t, _, _ in body[lo:hi]),
                             hunk=body[i][2]))
            i = j
    return out


def labelled_blocks(diff: str, gold: ReviewGold) -> list[Block]:
    """The blocks of a review task's diff, each marked when a finding on it would match a defect."""
    window, defects = gold.window, gold.defects
    blocks = blocks_of(diff)
    for block in blocks:
        block.defect = any(d.path == block.path and d.line - window <= block.line <= d.end_line + window
                           for d in defects)
    return blocks


def score_flagged(task: Task, flagged: list[Block]) -> dict[str, float]:
    """The review grader's metrics for findings placed on the flagged blocks of a review task's diff."""
    findings: list[dict[str, Any]] = [{"path": b.path, "line": b.line, "description": ""} for b in flagged]
    return grade_review(task, findings)


def old_files(diff: str, new_files: dict[str, str]) -> dict[str, str]:
    """The old text of every file a unified diff changes, rebuilt from the diff and the new texts: what a
    reviewer holding only the change and the changed project can reconstruct (a file the diff adds is absent)."""
    old: dict[str, str] = {}
    for part in re.split(r"^diff --git ", diff, flags=re.M)[1:]:
        lines = part.splitlines()
        path = lines[0].split(" b/", 1)[-1]
        if path not in new_files or any(ln.startswith("--- /dev/null") for ln in lines[1:4]):
            continue
        new = new_files[path].splitlines(keepends=True)
        out: list[str] = []
        cursor = 0  # index into the new file's lines
        for line in lines[1:]:
            match = _HUNK.match(line)
            if match:
                start = int(match.group(1)) - 1 if int(match.group(1)) else 0
                out.extend(new[cursor:start])
                cursor = start
            elif line.startswith(("--- ", "+++ ", "\\")):
                continue
            elif line.startswith("-"):
                out.append(line[1:] + "\n")
            elif line.startswith("+"):
                cursor += 1
            elif cursor < len(new):
                out.append(new[cursor])
                cursor += 1
        out.extend(new[cursor:])
        old[path] = "".join(out)
    return old


def function_spans(text: str) -> list[tuple[str, int, int]]:
    """``(qualname, first line, last line)`` of every function and method of a module (decorators included)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    spans: list[tuple[str, int, int]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                spans.append((prefix + node.name, first, node.end_lineno or node.lineno))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return spans


def function_at(text: str, line: int) -> str | None:
    """The qualified name of the innermost function of ``text`` holding ``line``, if any."""
    inside = [(last - first, name) for name, first, last in function_spans(text) if first <= line <= last]
    return min(inside)[1] if inside else None


UNMADE_KINDS = frozenset({"partial_intent"})  # defects located where the change should have edited, and did not


def changed_functions(files: dict[str, str], places: list[Location]) -> set[str]:
    """Names of the functions a change touches (its located edits in the new files) and of the project functions
    that call one of them: the tests of all of these are withheld alike, so a missing test points at none. A
    defect that is an edit the change did not make (``UNMADE_KINDS``) touches nothing: its function's tests stay,
    as its author left them."""
    touched = {name.rsplit(".", 1)[-1] for p in places if p.kind not in UNMADE_KINDS
               for name in [function_at(files.get(p.path, ""), p.line)] if name}
    callers = set()
    for path, text in files.items():
        if not path.endswith(".py") or is_test_path(path):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                called = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
                    {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                if called & touched:
                    callers.add(node.name)
    return touched | callers


def changed_tests(files: dict[str, str], places: list[Location]) -> set[str]:
    """Names of the test functions a change edits itself (the tests shipped with an intended change)."""
    return {name.rsplit(".", 1)[-1] for p in places if is_test_path(p.path)
            for name in [function_at(files.get(p.path, ""), p.line)] if name}
