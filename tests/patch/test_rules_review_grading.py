"""Review matching's finer rules on hand-made findings: the default window, the distance that orders candidate
pairs (zero inside a hunk, else to its nearer edge), and what an answer that is not a list of findings counts."""

from __future__ import annotations

import pytest

from locogym.scenarios.defects.review_grading import Location, grade_findings, parse_findings

HUNK = Location(id="x", kind="comparison", path="a.py", line=10, end_line=20)


def _found(*lines: int, path: str = "a.py") -> list[dict[str, object]]:
    return [{"path": path, "line": n, "description": ""} for n in lines]


@pytest.mark.parametrize(("line", "matched"), [(6, False), (7, True), (23, True), (24, False)])
def test_by_default_a_finding_matches_within_three_lines_of_the_hunk(line: int, matched: bool) -> None:
    assert grade_findings(_found(line), [HUNK], [])["true_positives"] == float(matched)


@pytest.mark.parametrize(("line", "flagged"), [(6, False), (7, True), (23, True), (24, False)])
def test_by_default_a_stray_finding_flags_a_benign_hunk_within_three_lines(line: int, flagged: bool) -> None:
    benign = Location(id="r", kind="rename", path="a.py", line=10, end_line=20)
    metrics = grade_findings(_found(line), [], [benign])
    assert (metrics["benign_flagged"], metrics["benign_fp_rate"]) == (float(flagged), float(flagged))


def test_a_finding_inside_a_hunk_is_closer_than_one_just_outside_it() -> None:
    # 21 is one line past x and three before y; 19 lies inside x. Only if 19 takes x can 21 take y.
    after = Location(id="y", kind="constant", path="a.py", line=24, end_line=24)
    assert grade_findings(_found(21, 19), [HUNK, after], [])["true_positives"] == 2.0


def test_outside_a_hunk_the_distance_is_to_its_nearer_edge() -> None:
    # 8 is two lines before x (twelve before its end) and three after y; 2 is three before y and far from x.
    # Measured to x's nearer edge, 8 takes x first and 2 is left y; measured to its far edge, 8 would take y.
    before = Location(id="y", kind="constant", path="a.py", line=5, end_line=5)
    assert grade_findings(_found(8, 2), [HUNK, before], [])["true_positives"] == 2.0


def test_a_malformed_answer_counts_once_and_valid_findings_keep_their_order() -> None:
    assert parse_findings(7) == ([], 1) and parse_findings({"other": []}) == ([], 1)
    valid, bad = parse_findings([{"path": "b.py", "line": 3}, None, {"path": "a.py", "line": "2"}])
    assert [(f["path"], f["line"]) for f in valid] == [("b.py", 3), ("a.py", 2)] and bad == 1


def test_saying_nothing_earns_no_precision() -> None:
    metrics = grade_findings([], [HUNK], [])
    assert (metrics["precision"], metrics["recall"], metrics["f1"], metrics["findings"]) == (0.0, 0.0, 0.0, 0.0)
