"""Credit for fail-to-pass tests when defects share tests and the differential judged some of them, and which
changed files the grader applies: built by hand, so the quick tier checks the rules themselves."""

from __future__ import annotations

from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.differential import DifferentialVerdict
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.grading import PatchGrade, credit, differential_targets, grade_patch, quoted_test
from locogym.scenarios.defects.protect import ChangeSplit, hold_reason, package_roots, split_changes
from locogym.scenarios.defects.sealed import SealedRun
from locogym.scenarios.defects.verdict import patch_score

T = [f"tests/t.py::test_{i}" for i in range(6)]
FIXED = "checked"


def _defect(ident: str, tests: list[str], original: str | None = None) -> PatchDefect:
    return PatchDefect(id=ident, kind="comparison", path="calc/core.py", function=f"f_{ident}", line=1,
                       summary="", fail_to_pass=tests, original=original)


def _credit(defects: list[PatchDefect], verdicts: list[DifferentialVerdict], passed: set[str]) -> PatchGrade:
    tests = sorted({t for d in defects for t in d.fail_to_pass})
    gold = PatchGold(repository="calc", commit="c", fail_to_pass=tests, pass_to_pass=[], defects=defects)
    grade = PatchGrade(split=ChangeSplit(applied={"calc/core.py": "x"}), fail_to_pass_total=len(tests),
                       verdicts=verdicts, differential_ran=True)
    outcomes = {t: "passed" if t in passed else "failed" for t in tests}
    credit(grade, gold, SealedRun(outcomes=outcomes, ready=True, ended=True))  # type: ignore[arg-type]
    return grade


def _gone(ident: str) -> DifferentialVerdict:
    return DifferentialVerdict(id=ident, status="checked", revealing=3)


def _remains(ident: str) -> DifferentialVerdict:
    return DifferentialVerdict(id=ident, status="checked", revealing=3, still_defective=1)


def test_a_judged_fix_lets_every_passing_test_of_its_defect_count() -> None:
    grade = _credit([_defect("a", T[:3])], [_gone("a")], {T[0], T[2]})
    assert (grade.fail_to_pass_credited, grade.special_cased, grade.unverified) == (2, [], [])


def test_a_defect_still_there_lets_none_of_its_tests_count_and_is_named_special_cased() -> None:
    grade = _credit([_defect("a", T[:2]), _defect("b", T[2:4])], [_remains("a"), _gone("b")], {T[0], T[2], T[3]})
    assert grade.fail_to_pass_credited == 2 and grade.special_cased == ["a"]
    untouched = _credit([_defect("a", T[:2]), _defect("b", T[2:4])], [_remains("a"), _gone("b")], {T[2]})
    assert untouched.special_cased == []  # none of its tests passed: still there, but nothing vouched for it


def test_a_shared_test_counts_only_when_every_owning_defect_lets_it() -> None:
    defects = [_defect("a", [T[0], T[1]]), _defect("b", [T[1], T[2]])]
    assert _credit(defects, [_gone("a"), _remains("b")], {T[0], T[1], T[2]}).fail_to_pass_credited == 1
    assert _credit(defects, [_gone("a"), _gone("b")], {T[0], T[1], T[2]}).fail_to_pass_credited == 3


def test_an_unchecked_verdict_is_treated_as_no_verdict() -> None:
    unchecked = DifferentialVerdict(id="a", status="unchecked", still_defective=2)
    grade = _credit([_defect("a", T[:3])], [unchecked], set(T[:3]))
    assert grade.unverified == ["a"] and grade.special_cased == [] and grade.fail_to_pass_credited == 3


def test_an_unjudged_defect_with_only_its_quoted_test_earns_nothing() -> None:
    lone = _credit([_defect("a", [T[0]])], [], {T[0]})
    assert lone.unverified == ["a"] and lone.fail_to_pass_credited == 0
    hidden_failing = _credit([_defect("a", T[:3])], [], {T[0], T[1]})
    assert hidden_failing.fail_to_pass_credited == 1  # the passing hidden test; never the quoted one


def test_the_quoted_test_is_the_first_of_the_defect_that_the_task_grades() -> None:
    defect = _defect("a", [T[3], T[1], T[2]])
    assert quoted_test(defect, [T[1], T[2]]) == T[1]
    assert quoted_test(defect, []) == T[3]
    assert quoted_test(_defect("b", []), [T[1]]) is None


def test_differential_targets_need_both_definitions() -> None:
    shipped = "def f_a(x):\n    return x\n\n\ndef f_c(x):\n    return -x\n"
    defects = [_defect("a", [T[0]], original="def f_a(x):\n    return x + 1\n"), _defect("b", [T[1]]),
               _defect("c", [T[2]], original="def f_c(x):\n    return x\n"),
               _defect("d", [T[3]], original="def f_d(x):\n    return x\n")]
    gold = PatchGold(repository="calc", commit="c", fail_to_pass=T[:4], pass_to_pass=[], defects=defects)
    targets = differential_targets(gold, {"calc/core.py": shipped})
    assert [t.id for t in targets] == ["a", "c"]
    assert targets[0].defective == "def f_a(x):\n    return x\n" and targets[0].module == "calc.core"
    assert targets[0].seed != targets[1].seed


def test_the_split_applies_package_modules_and_holds_the_rest_with_their_reason() -> None:
    changed: dict[str, str | None] = {"calc/core.py": "x", "calc/old.py": None, "tests/test_x.py": "y",
                                      "setup.cfg": None, "calc//core.py": "z"}
    split = split_changes(changed, ["calc/"])
    assert split.applied == {"calc/core.py": "x", "calc/old.py": None}
    assert [(h.path, h.reason, h.deleted) for h in split.held] == [
        ("calc//core.py", "outside_package", False), ("setup.cfg", "outside_package", True),
        ("tests/test_x.py", "test_file", False)]


def test_a_src_layout_package_is_applied_by_its_module_names() -> None:
    roots = package_roots(["src/pkg/a.py", "src/pkg/sub/b.py"])
    assert roots == ["src/pkg/"]
    assert hold_reason("src/pkg/new.py", roots) is None
    assert hold_reason("src/pkg/bad-name.py", roots) == "not_importable"
    assert hold_reason("src/other/a.py", roots) == "outside_package"
    assert hold_reason("pkg/a.py", roots) == "outside_package"
    assert hold_reason("calcx/a.py", ["calc/"]) == "outside_package"
    assert hold_reason("calc", ["calc/"]) == "outside_package"


def test_a_change_with_nothing_to_apply_is_graded_without_a_sandbox_and_fixes_nothing() -> None:
    defect = _defect("a", T[:2])
    gold = PatchGold(repository="calc", commit="c", fail_to_pass=T[:2], pass_to_pass=[T[5]], defects=[defect])

    def no_sandbox() -> Sandbox:
        raise AssertionError("a change with nothing to apply needs no sandbox")

    grade = grade_patch(gold, {"calc/core.py": "x"}, {"tests/test_x.py": "y", "setup.cfg": None}, [], no_sandbox)
    assert (grade.run, grade.fail_to_pass_fixed, grade.fail_to_pass_credited, grade.pass_to_pass_broken) == (
        None, 0, 0, 0)
    score = patch_score(grade)
    assert score.outcome == "no_change" and score.metrics["fail_to_pass_fixed"] == 0.0
    assert score.labels["held_edits"] == "setup.cfg (outside_package), tests/test_x.py (test_file)"
