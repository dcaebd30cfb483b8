"""Review matching on hand-made findings: which answers parse, which finding matches which defect (window, one to
one, closest first), and what each metric counts, so that a slip in the rules changes a number here."""

from __future__ import annotations

import pytest

from locogym.scenarios.defects.edits import Edit
from locogym.scenarios.defects.refactors import Refactor
from locogym.scenarios.defects.review import benign_count, build_change, diff_sections
from locogym.scenarios.defects.review_grading import Location, grade_findings, parse_findings

DEFECTS = [Location(id="d1", kind="comparison", path="a.py", line=10, end_line=12),
           Location(id="d2", kind="constant", path="a.py", line=30, end_line=30),
           Location(id="d3", kind="comparison", path="b.py", line=5, end_line=5)]
BENIGN = [Location(id="r1", kind="rename", path="a.py", line=50, end_line=51),
          Location(id="r1", kind="rename", path="a.py", line=60, end_line=60),
          Location(id="r2", kind="comment", path="b.py", line=40, end_line=40)]


def _found(*where: tuple[str, int]) -> list[dict[str, object]]:
    return [{"path": p, "line": n, "description": ""} for p, n in where]


def test_answers_parse_from_a_list_or_a_findings_object_and_count_what_is_malformed() -> None:
    items = [{"path": "./a.py", "line": "7", "description": "x" * 3000}, {"path": "b/b.py", "line": 2},
             {"path": "/workspace/c.py", "line": 1.0}, {"path": 3, "line": 1}, {"line": 1}, {"path": "a.py"},
             {"path": "a.py", "line": "seven"}, "a.py:1"]
    valid, bad = parse_findings({"findings": items})
    assert [(f["path"], f["line"]) for f in valid] == [("a.py", 7), ("b.py", 2), ("c.py", 1)]
    assert bad == 5 and len(valid[0]["description"]) == 2000 and valid[1]["description"] == ""
    assert parse_findings(items) == (valid, bad)
    assert parse_findings(None) == ([], 0) and parse_findings({"findings": None}) == ([], 0)
    assert parse_findings("a.py:1") == ([], 1) and parse_findings({"path": "a.py", "line": 1}) == ([], 1)


@pytest.mark.parametrize(("line", "matched"), [(7, True), (6, False), (15, True), (16, False), (11, True)])
def test_a_finding_matches_within_the_window_of_the_defect_hunk(line: int, matched: bool) -> None:
    metrics = grade_findings(_found(("a.py", line)), DEFECTS[:1], [], window=3)
    assert metrics["true_positives"] == float(matched)


def test_a_finding_in_another_file_never_matches() -> None:
    assert grade_findings(_found(("b.py", 10)), DEFECTS[:1], [])["true_positives"] == 0.0


def test_matching_is_one_to_one_and_closest_first() -> None:
    near = [Location(id="x", kind="k", path="a.py", line=10, end_line=10),
            Location(id="y", kind="k", path="a.py", line=14, end_line=14)]
    # the finding at 12 is 2 from both; the one at 13 is closer to y, so 12 must go to x for both to match
    assert grade_findings(_found(("a.py", 13), ("a.py", 12)), near, [])["true_positives"] == 2.0
    assert grade_findings(_found(("a.py", 11), ("a.py", 10)), near[:1], [])["true_positives"] == 1.0
    inside = [Location(id="x", kind="k", path="a.py", line=10, end_line=20),
              Location(id="y", kind="k", path="a.py", line=22, end_line=22)]
    assert grade_findings(_found(("a.py", 20), ("a.py", 21)), inside, [])["true_positives"] == 2.0


def test_precision_recall_f1_and_counts() -> None:
    metrics = grade_findings(_found(("a.py", 11), ("a.py", 11), ("a.py", 30), ("a.py", 50), ("c.py", 1)),
                             DEFECTS, BENIGN)
    assert metrics["true_positives"] == 2.0 and metrics["false_positives"] == 3.0
    assert metrics["precision"] == pytest.approx(2 / 5) and metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))
    assert metrics["findings"] == 5.0 and metrics["defects"] == 3.0
    assert metrics["recall.comparison"] == 0.5 and metrics["recall.constant"] == 1.0


def test_no_findings_or_no_defects_score_zero_without_dividing_by_zero() -> None:
    assert grade_findings([], DEFECTS, BENIGN)["f1"] == 0.0
    empty = grade_findings(_found(("a.py", 1)), [], [])
    assert (empty["precision"], empty["recall"], empty["f1"], empty["benign_fp_rate"]) == (0.0, 0.0, 0.0, 0.0)


def test_benign_flags_count_stray_findings_and_the_share_of_benign_edits_hit() -> None:
    found = _found(("a.py", 50), ("a.py", 57), ("a.py", 11), ("b.py", 40), ("a.py", 90))
    metrics = grade_findings(found, DEFECTS, BENIGN)
    assert metrics["benign_flagged"] == 3.0  # 50 and 57 on r1's two hunks, 40 on r2; 90 hits nothing
    assert metrics["benign_fp_rate"] == 1.0  # both benign edits flagged, r1 once however many hunks
    one = grade_findings(_found(("a.py", 60)), DEFECTS, BENIGN)
    assert one["benign_flagged"] == 1.0 and one["benign_fp_rate"] == 0.5


def test_a_matched_finding_near_a_benign_edit_is_not_a_benign_flag() -> None:
    crowded = [Location(id="r", kind="rename", path="a.py", line=13, end_line=13)]
    metrics = grade_findings(_found(("a.py", 12)), DEFECTS[:1], crowded)
    assert metrics["true_positives"] == 1.0 and metrics["benign_flagged"] == 0.0
    assert metrics["benign_fp_rate"] == 0.0


def test_benign_count_grows_with_length_from_a_floor_of_four() -> None:
    assert benign_count(0) == 4 and benign_count(180 * 4) == 4 and benign_count(180 * 10 + 179) == 10


def test_defects_and_benign_edits_are_located_in_the_new_files() -> None:
    files = {"m.py": "a = 1\nb = 2\nc = 3\nd = 4\n"}
    grow = Edit(path="m.py", start=0, end=6, old="a = 1\n", new="a = 1\nz = 0\ny = 0\n")
    last = files["m.py"].index("d = 4")
    defect = Edit(path="m.py", start=last, end=last + 5, old="d = 4", new="d = 5")
    refactor = Refactor(id="r", kind="comment", path="m.py", edits=[grow], summary="")
    change = build_change(files, [("d", "constant", defect, "moved")], [refactor])
    assert change.files_after["m.py"] == "a = 1\nz = 0\ny = 0\nb = 2\nc = 3\nd = 5\n"
    assert [(x.line, x.end_line) for x in change.defects] == [(6, 6)]
    assert [(x.line, x.end_line) for x in change.benign] == [(1, 3)]
    assert change.diff.startswith("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n")


def test_diff_sections_name_added_removed_and_unterminated_files() -> None:
    sections = diff_sections({"gone.py": "x\n", "same.py": "s\n", "end.py": "a"},
                             {"new.py": "y\n", "same.py": "s\n", "end.py": "b"})
    assert list(sections) == ["end.py", "gone.py", "new.py"]
    assert "--- /dev/null\n+++ b/new.py" in sections["new.py"]
    assert "--- a/gone.py\n+++ /dev/null" in sections["gone.py"]
    assert sections["end.py"].count("\\ No newline at end of file\n") == 2
