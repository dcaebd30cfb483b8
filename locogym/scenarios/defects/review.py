"""Review changes: validated defects hidden among benign refactors, and grading of a reviewer's findings.

The change is a unified diff from the clean project to the project with refactors and defects applied. Each
defect is located in the *new* files (the lines a reviewer comments on). A finding matches a defect when it names
the same file and a line within ``window`` lines of the defect's hunk; matching is one to one (closest first), so
repeating a finding does not count twice. Every unmatched finding is a false positive; those that land on a
benign hunk are also counted apart (``benign_flagged``), since flagging harmless work is the typical reviewer error.
"""

from __future__ import annotations

import difflib
import random
from typing import Any

from pydantic import BaseModel, Field

from locogym.scenarios.defects.edits import Edit, apply_edits
from locogym.scenarios.defects.mutations import is_test_path
from locogym.scenarios.defects.refactors import Refactor, find_refactors

DEFAULT_WINDOW = 3
_TOKENS_PER_REFACTOR = 180  # a typical hunk with its context lines


class Location(BaseModel):
    """Lines ``line``..``end_line`` (1-based, inclusive) of ``path`` in the changed project."""

    id: str
    kind: str
    path: str
    line: int
    end_line: int
    summary: str = ""


class ReviewChange(BaseModel):
    """The change under review: the new files, its diff, where the defects and the benign hunks are."""

    files_after: dict[str, str]
    diff: str
    defects: list[Location]
    benign: list[Location] = Field(default_factory=list)


def _span_lines(files: dict[str, str], edits: list[Edit], target: Edit) -> tuple[int, int]:
    """Lines covered by ``target``'s replacement once every edit of the file is applied."""
    text = files[target.path]
    delta = sum(e.new.count("\n") - e.old.count("\n") for e in edits
                if e.path == target.path and (e.end, e.start) <= (target.start, target.start) and e is not target)
    first = text.count("\n", 0, target.start) + 1 + delta
    return first, first + max(0, target.new.rstrip("\n").count("\n"))


def choose_refactors(files: dict[str, str], blocked: list[Edit], rng: random.Random, target_tokens: int) -> list[Refactor]:
    """Seeded benign refactors whose edits overlap neither the defects nor each other."""
    pool = [r for path in sorted(files) if path.endswith(".py") and not is_test_path(path)
            for r in find_refactors(path, files[path])]
    rng.shuffle(pool)
    wanted = max(4, target_tokens // _TOKENS_PER_REFACTOR)
    taken: list[Edit] = list(blocked)
    chosen: list[Refactor] = []
    for refactor in pool:
        if len(chosen) >= wanted:
            break
        if any(_overlap(e, t) for e in refactor.edits for t in taken):
            continue
        chosen.append(refactor)
        taken.extend(refactor.edits)
    return chosen


def _overlap(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end or b.start == b.end:  # insertions: keep a little distance from other edits
        return a.start <= b.end and b.start <= a.end
    return a.start < b.end and b.start < a.end


def unified_diff(before: dict[str, str], after: dict[str, str], context: int = 3) -> str:
    """A ``git diff``-style unified diff of two file sets, files in sorted order."""
    parts = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        lines = difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                     fromfile=f"a/{path}" if old is not None else "/dev/null",
                                     tofile=f"b/{path}" if new is not None else "/dev/null", n=context)
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        parts.append(f"diff --git a/{path} b/{path}\n{text}")
    return "".join(parts)


def build_change(files: dict[str, str], defect_edits: list[tuple[str, str, Edit, str]],
                 refactors: list[Refactor]) -> ReviewChange:
    """Apply defects (``(id, kind, edit, summary)``) and refactors; locate each in the new files."""
    all_edits = [e for _, _, e, _ in defect_edits] + [e for r in refactors for e in r.edits]
    after = apply_edits(files, all_edits)
    defects = []
    for defect_id, kind, edit, summary in defect_edits:
        first, last = _span_lines(files, all_edits, edit)
        defects.append(Location(id=defect_id, kind=kind, path=edit.path, line=first, end_line=last, summary=summary))
    benign = []
    for refactor in refactors:
        spans = [_span_lines(files, all_edits, e) for e in refactor.edits]
        for first, last in spans:
            benign.append(Location(id=refactor.id, kind=refactor.kind, path=refactor.path, line=first,
                                   end_line=last, summary=refactor.summary))
    return ReviewChange(files_after=after, diff=unified_diff(files, after), defects=defects, benign=benign)


def parse_findings(answer: Any) -> tuple[list[dict[str, Any]], int]:
    """Findings from a submitted answer (a list, or ``{"findings": [...]}``); returns (valid, malformed count)."""
    if isinstance(answer, dict) and "findings" in answer:
        answer = answer["findings"]
    if answer is None:
        return [], 0
    if not isinstance(answer, list):
        return [], 1
    valid, bad = [], 0
    for item in answer:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            bad += 1
            continue
        try:
            line = int(item.get("line"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            bad += 1
            continue
        path = item["path"].strip().removeprefix("./").removeprefix("b/").removeprefix("/workspace/")
        valid.append({"path": path, "line": line, "description": str(item.get("description", ""))[:2000]})
    return valid, bad


def grade_findings(findings: list[dict[str, Any]], defects: list[Location], benign: list[Location],
                   window: int = DEFAULT_WINDOW) -> dict[str, float]:
    """Precision, recall and F1 of findings against the defects (one-to-one, closest pairs first)."""
    pairs = []
    for fi, finding in enumerate(findings):
        for di, defect in enumerate(defects):
            if finding["path"] == defect.path and defect.line - window <= finding["line"] <= defect.end_line + window:
                distance = 0 if defect.line <= finding["line"] <= defect.end_line else min(
                    abs(finding["line"] - defect.line), abs(finding["line"] - defect.end_line))
                pairs.append((distance, fi, di))
    matched_f: set[int] = set()
    matched_d: set[int] = set()
    for _distance, fi, di in sorted(pairs):
        if fi not in matched_f and di not in matched_d:
            matched_f.add(fi)
            matched_d.add(di)
    true_pos = len(matched_d)
    precision = true_pos / len(findings) if findings else 0.0
    recall = true_pos / len(defects) if defects else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    benign_flagged = sum(
        1 for fi, f in enumerate(findings) if fi not in matched_f and any(
            b.path == f["path"] and b.line - window <= f["line"] <= b.end_line + window for b in benign))
    return {"precision": precision, "recall": recall, "f1": f1, "true_positives": float(true_pos),
            "false_positives": float(len(findings) - len(matched_f)), "benign_flagged": float(benign_flagged),
            "findings": float(len(findings)), "defects": float(len(defects))}
