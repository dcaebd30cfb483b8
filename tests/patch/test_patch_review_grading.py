"""Review grading on hand-made cases, findings parsing, refactors that keep behaviour, symptom text, hiding."""

from __future__ import annotations

import random

import pytest

from locogym.scenarios.defects.describe import behaviour_name, observed_lines
from locogym.scenarios.defects.edits import apply_edits
from locogym.scenarios.defects.hide import withhold_tests
from locogym.scenarios.defects.refactors import find_refactors
from locogym.scenarios.defects.review import build_change, choose_refactors, unified_diff
from locogym.scenarios.defects.review_grading import Location, grade_findings, parse_findings
from tests.patch.projects import CALC

DEFECTS = [Location(id="d1", kind="comparison", path="pkg/a.py", line=10, end_line=10),
           Location(id="d2", kind="dropped_except", path="pkg/b.py", line=40, end_line=42)]
BENIGN = [Location(id="r1", kind="rename", path="pkg/a.py", line=30, end_line=30)]


def finding(path: str, line: int) -> dict[str, object]:
    return {"path": path, "line": line, "description": "bug"}


def test_exact_findings_score_one() -> None:
    m = grade_findings([finding("pkg/a.py", 10), finding("pkg/b.py", 41)], DEFECTS, BENIGN)
    assert (m["precision"], m["recall"], m["f1"]) == (1.0, 1.0, 1.0)


def test_no_findings_score_zero() -> None:
    m = grade_findings([], DEFECTS, BENIGN)
    assert m["f1"] == 0.0 and m["precision"] == 0.0 and m["recall"] == 0.0


def test_window_edges() -> None:
    assert grade_findings([finding("pkg/a.py", 13)], DEFECTS, BENIGN, window=3)["true_positives"] == 1.0
    assert grade_findings([finding("pkg/a.py", 14)], DEFECTS, BENIGN, window=3)["true_positives"] == 0.0
    assert grade_findings([finding("pkg/b.py", 45)], DEFECTS, BENIGN, window=3)["true_positives"] == 1.0
    assert grade_findings([finding("pkg/b.py", 37)], DEFECTS, BENIGN, window=3)["true_positives"] == 1.0
    assert grade_findings([finding("pkg/a.py", 10)], DEFECTS, BENIGN, window=0)["true_positives"] == 1.0


def test_benign_hunk_is_a_false_positive() -> None:
    m = grade_findings([finding("pkg/a.py", 10), finding("pkg/a.py", 30)], DEFECTS, BENIGN)
    assert m["precision"] == 0.5 and m["recall"] == 0.5 and m["benign_flagged"] == 1.0
    assert m["f1"] == pytest.approx(0.5)


def test_duplicates_and_wrong_file_do_not_count() -> None:
    m = grade_findings([finding("pkg/a.py", 10), finding("pkg/a.py", 11), finding("pkg/c.py", 10)], DEFECTS, [])
    assert m["true_positives"] == 1.0 and m["false_positives"] == 2.0
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == 0.5


def test_one_finding_between_two_defects_matches_the_closest_only() -> None:
    near = [Location(id="x", kind="k", path="p.py", line=10, end_line=10),
            Location(id="y", kind="k", path="p.py", line=13, end_line=13)]
    m = grade_findings([finding("p.py", 12)], near, [])
    assert m["true_positives"] == 1.0 and m["recall"] == 0.5


def test_parse_findings() -> None:
    assert parse_findings(None) == ([], 0)
    assert parse_findings("nothing") == ([], 1)
    valid, bad = parse_findings({"findings": [{"path": "./a.py", "line": "7"}, {"line": 3}, "x",
                                              {"path": "b/b.py", "line": "seven"}]})
    assert valid == [{"path": "a.py", "line": 7, "description": ""}] and bad == 3


def _run_module(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(text, "m.py", "exec"), namespace)  # noqa: S102 - the test's own module text
    return namespace


def test_refactors_keep_behaviour() -> None:
    text = CALC["calc/core.py"]
    refactors = find_refactors("calc/core.py", text)
    assert {r.kind for r in refactors} >= {"rename", "extract_helper", "reorder", "comment"}
    before = _run_module(text)
    chosen = choose_refactors({"calc/core.py": text}, [], random.Random(0), target_tokens=100_000)
    after_text = apply_edits({"calc/core.py": text}, [e for r in chosen for e in r.edits])["calc/core.py"]
    after = _run_module(after_text)
    for args, name in [((5, 0, 10), "clamp"), ((-1, 0, 10), "clamp"), (([1, 2, 3],), "total"),
                       (("a b c", 2), "first_words"), ((4, 0), "safe_ratio"), ((1, 2), "both_positive"),
                       ((5,), "untested")]:
        assert before[name](*args) == after[name](*args)  # type: ignore[operator]


def test_no_helper_reads_a_local_that_shadows_a_module_name() -> None:
    text = "def total(xs):\n    return 0\n\n\ndef f(n: int) -> int:\n    total = n * 2\n    return total + n\n"
    assert not [r for r in find_refactors("m.py", text) if r.kind == "extract_helper" and "f:" in r.summary]


def test_no_reorder_above_a_definition_time_dependency() -> None:
    text = "def a():\n    return 1\n\n\ndef b(x=a()):\n    return x\n\n\ndef c():\n    return 3\n"
    moves = [r.summary for r in find_refactors("m.py", text) if r.kind == "reorder"]
    assert moves == ["c moved above b"]


def test_helpers_of_same_named_methods_do_not_collide() -> None:
    text = ("class A:\n    def size(self, n: int) -> int:\n        return n + 1\n\n\n"
            "class B:\n    def size(self, n: int) -> int:\n        return n * 2\n")
    helpers = [r for r in find_refactors("m.py", text) if r.kind == "extract_helper"]
    names = {r.edits[1].new.split("(")[0] for r in helpers}
    assert len(helpers) == 2 and len(names) == 2  # the second helper takes another name
    after = _run_module(apply_edits({"m.py": text}, [e for r in helpers for e in r.edits])["m.py"])
    assert after["A"]().size(3) == 4 and after["B"]().size(3) == 6  # type: ignore[operator]


def test_change_locates_defects_after_refactors() -> None:
    text = CALC["calc/core.py"]
    files = {"calc/core.py": text}
    from locogym.scenarios.defects.mutations import find_mutations

    defect = next(m for m in find_mutations("calc/core.py", text) if m.kind == "comparison")
    refactors = choose_refactors(files, [defect.edit], random.Random(1), target_tokens=100_000)
    change = build_change(files, [(defect.id, defect.kind, defect.edit, defect.summary)], refactors)
    new_lines = change.files_after["calc/core.py"].splitlines()
    assert defect.edit.new in new_lines[change.defects[0].line - 1]
    assert change.diff.startswith("diff --git a/calc/core.py b/calc/core.py\n")
    assert unified_diff(files, files) == ""


def test_symptoms_quote_observations_not_locations() -> None:
    failure = ("    def test_x():\n>       assert clamp(-3, 0, 10) == 0\nE       assert -3 == 0\n"
               "E        +  where -3 = clamp(-3, 0, 10)\n\ntests/test_core.py:9: AssertionError")
    assert observed_lines(failure) == ["assert -3 == 0", "+  where -3 = clamp(-3, 0, 10)"]
    assert observed_lines("E   assert <Thing at 0x7f3a2b1c9d80> is None") == ["assert <Thing at 0x…> is None"]
    assert behaviour_name("tests/test_c.py::TestA::test_clamp_low[1-2]") == ("clamp low", "1-2")


def test_withheld_tests_are_cut_and_the_rest_still_parses() -> None:
    visible, originals = withhold_tests(CALC, ["tests/test_core.py::test_clamp_low",
                                               "tests/test_core.py::TestBoth::test_true",
                                               "tests/test_core.py::TestBoth::test_false"])
    text = visible["tests/test_core.py"]
    compile(text, "t.py", "exec")
    assert "test_clamp_low" not in text and "test_clamp_high" in text and "class TestBoth:\n    pass" in text
    assert originals == {"tests/test_core.py": CALC["tests/test_core.py"]}
