"""Grading of a code review: a reviewer's findings against where the defects and the benign hunks are.

A finding matches a defect when it names the same file and a line within ``window`` lines of the defect's hunk;
matching is one to one (closest first), so repeating a finding does not count twice. Every unmatched finding is a
false positive; those that land on a benign hunk are also counted apart (``benign_flagged``), since flagging
harmless work is the typical reviewer error. Kept apart from the generation of the change
(:mod:`~locogym.scenarios.defects.review`) so the code that decides a review's score is small and read alone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

DEFAULT_WINDOW = 3


class Location(BaseModel):
    """Lines ``line``..``end_line`` (1-based, inclusive) of ``path`` in the changed project."""

    id: str
    kind: str
    path: str
    line: int
    end_line: int
    summary: str = ""


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
    """Precision, recall and F1 of findings against the defects (one-to-one, closest pairs first).

    Also ``recall.<kind>`` per defect kind present, and ``benign_fp_rate``: the share of benign edits that an
    unmatched finding lands on (how often the reviewer cries wolf at harmless work).
    """
    pairs = []
    for fi, finding in enumerate(findings):
        for di, defect in enumerate(defects):
            if finding["path"] == defect.path and defect.line - window <= finding["line"] <= defect.end_line + window:
                distance = max(0, defect.line - finding["line"], finding["line"] - defect.end_line)  # 0 inside
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
    def near(loc: Location, f: dict[str, Any]) -> bool:
        return loc.path == f["path"] and loc.line - window <= f["line"] <= loc.end_line + window

    stray = [f for fi, f in enumerate(findings) if fi not in matched_f]
    benign_flagged = sum(1 for f in stray if any(near(b, f) for b in benign))
    benign_ids = {b.id for b in benign}
    flagged_ids = {b.id for b in benign for f in stray if near(b, f)}
    metrics = {"precision": precision, "recall": recall, "f1": f1, "true_positives": float(true_pos),
               "false_positives": float(len(findings) - len(matched_f)), "benign_flagged": float(benign_flagged),
               "benign_fp_rate": len(flagged_ids) / len(benign_ids) if benign_ids else 0.0,
               "findings": float(len(findings)), "defects": float(len(defects))}
    for kind in sorted({d.kind for d in defects}):
        of_kind = [di for di, d in enumerate(defects) if d.kind == kind]
        metrics[f"recall.{kind}"] = sum(1 for di in of_kind if di in matched_d) / len(of_kind)
    return metrics
