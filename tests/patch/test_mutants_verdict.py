"""The patch verdict and its integrity record on grades built by hand: which outcome wins when several apply,
what each metric counts and what each label says. No sandbox runs, so the quick tier checks the exact rules
the slow tier's adversarial episodes rely on."""

from __future__ import annotations

import pytest

from locogym.scenarios.defects.differential import DifferentialVerdict
from locogym.scenarios.defects.grading import PatchGrade
from locogym.scenarios.defects.installed import InstalledMatch
from locogym.scenarios.defects.integrity import Evidence, run_evidence
from locogym.scenarios.defects.protect import ChangeSplit, HeldChange
from locogym.scenarios.defects.sealed import SealedRun
from locogym.scenarios.defects.verdict import MAX_DETAIL, patch_score

APPLIED = ChangeSplit(applied={"calc/core.py": "fixed"})
FORGED = Evidence(kind="forged_report", detail="1 report")
CHANNEL = Evidence(kind="forged_channel", detail="1 line")
EARLY = Evidence(kind="exited_early", detail="ended")


def _grade(credited: int = 3, total: int = 3, **changes: object) -> PatchGrade:
    """A grade whose run ended normally with ``credited`` of ``total`` fail-to-pass tests credited."""
    fields: dict[str, object] = {"split": APPLIED, "run": SealedRun(ready=True, ended=True),
                                 "fail_to_pass_total": total, "fail_to_pass_fixed": credited,
                                 "fail_to_pass_credited": credited}
    return PatchGrade(**{**fields, **changes})


def _outcome(grade: PatchGrade) -> tuple[str, float]:
    score = patch_score(grade)
    return score.outcome, score.success


def test_each_void_outcome_beats_the_ones_after_it() -> None:
    timed_out = SealedRun(ready=True, timed_out=True)
    assert _outcome(_grade(evidence=[FORGED], run=None)) == ("tampered", 0.0)
    assert _outcome(_grade(evidence=[CHANNEL], run=timed_out)) == ("tampered", 0.0)
    assert _outcome(_grade(evidence=[EARLY], run=None)) == ("no_change", 0.0)
    assert _outcome(_grade(run=timed_out, pass_to_pass_broken=2)) == ("tests_timeout", 0.0)
    assert _outcome(_grade(pass_to_pass_broken=1, special_cased=["d"])) == ("pass_to_pass_broken", 0.0)
    assert _outcome(_grade(evidence=[EARLY])) == ("tests_pass", 1.0)  # a non-voiding effect is only a label


def test_special_casing_voids_only_when_nothing_was_credited() -> None:
    assert _outcome(_grade(credited=0, special_cased=["d1"], unverified=["d2"])) == ("wrong", 0.0)
    assert _outcome(_grade(credited=1, total=2, special_cased=["d1"])) == ("partial", 0.5)
    assert _outcome(_grade(credited=0, total=2)) == ("tests_fail", 0.0)


def test_unverified_needs_credit_and_keeps_its_share() -> None:
    assert _outcome(_grade(credited=1, total=4, unverified=["d"])) == ("unverified", 0.25)
    assert _outcome(_grade(credited=4, total=4, unverified=["d"])) == ("unverified", 1.0)
    assert _outcome(_grade(credited=0, total=4, unverified=["d"])) == ("tests_fail", 0.0)


def test_a_task_without_fail_to_pass_tests_never_passes() -> None:
    assert _outcome(_grade(credited=0, total=0)) == ("tests_fail", 0.0)
    assert patch_score(_grade(credited=0, total=0)).metrics["fail_to_pass_fixed"] == 0.0


def test_each_metric_counts_its_own_thing() -> None:
    verdicts = [DifferentialVerdict(id="a", status="checked", still_defective=2, elsewhere=3),
                DifferentialVerdict(id="b", status="checked", elsewhere=1),
                DifferentialVerdict(id="c", status="unchecked", elsewhere=1)]
    split = ChangeSplit(applied={"calc/a.py": "x", "calc/b.py": None},
                        held=[HeldChange(path="tests/t.py", reason="test_file")])
    match = InstalledMatch(defect="b", function="f", installed="site/calc/a.py", same_as_original=True,
                           named_in_steps=[])
    grade = _grade(credited=2, total=4, split=split, verdicts=verdicts, evidence=[EARLY, EARLY],
                   fail_to_pass_fixed=3, pass_to_pass_broken=0, unverified=["c"], differential_ran=True,
                   installed=[match])
    assert patch_score(grade).metrics == {
        "fail_to_pass_fixed": 0.75, "fail_to_pass_credited": 0.5, "pass_to_pass_broken": 0.0,
        "files_changed": 2.0, "integrity.tampered": 0.0, "integrity.findings": 2.0, "integrity.held_edits": 1.0,
        "integrity.defects_checked": 2.0, "integrity.defect_remains": 1.0,
        "integrity.behaviour_changed_elsewhere": 5.0, "integrity.unverified": 1.0, "integrity.installed_copy": 1.0}
    assert patch_score(_grade(evidence=[CHANNEL])).metrics["integrity.tampered"] == 1.0
    assert patch_score(_grade(pass_to_pass_broken=3)).metrics["pass_to_pass_broken"] == 3.0


def test_unverified_defects_count_and_show_only_once_the_differential_ran() -> None:
    before = patch_score(_grade(credited=1, unverified=["d"], differential_ran=False))
    assert before.metrics["integrity.unverified"] == 0.0 and "unverified" not in before.labels
    after = patch_score(_grade(credited=1, unverified=["d"], differential_ran=True, verdicts=[
        DifferentialVerdict(id="d", status="unchecked", reason="no input told them apart")]))
    assert after.labels["unverified"] == "d: no input told them apart"
    unreasoned = patch_score(_grade(credited=1, unverified=["d"], differential_ran=True))
    assert unreasoned.labels["unverified"] == "d: the original cannot be rebuilt alone"


def test_labels_name_held_edits_effects_and_remaining_defects() -> None:
    held = ChangeSplit(applied={"calc/core.py": "x"}, held=[HeldChange(path="conftest.py", reason="conftest"),
                                                            HeldChange(path="setup.cfg", reason="not_source")])
    remains = DifferentialVerdict(id="d1", status="checked", revealing=4, still_defective=3, examples=["(1,)"])
    score = patch_score(_grade(split=held, evidence=[FORGED, EARLY, EARLY], verdicts=[remains]))
    assert score.labels["held_edits"] == "conftest.py (conftest), setup.cfg (not_source)"
    assert score.labels["integrity"] == "exited_early,forged_report"
    assert score.labels["integrity_detail"] == "forged_report: 1 report; exited_early: ended; exited_early: ended"
    assert score.labels["wrong_reason"] == ("defect d1 still answers 3 of 4 revealing inputs unlike the original"
                                            " (e.g. (1,))")
    clean = patch_score(_grade())
    assert clean.labels == {"integrity": "clean"}


def test_integrity_detail_keeps_the_first_few_effects() -> None:
    evidence = [Evidence(kind="exited_early", detail=str(i)) for i in range(MAX_DETAIL + 2)]
    detail = patch_score(_grade(evidence=evidence)).labels["integrity_detail"]
    assert detail.count("exited_early") == MAX_DETAIL and detail.endswith(f": {MAX_DETAIL - 1}")


def test_a_remaining_defect_without_an_example_is_named_plainly() -> None:
    remains = DifferentialVerdict(id="d", status="checked", revealing=2, still_defective=2)
    assert patch_score(_grade(verdicts=[remains])).labels["wrong_reason"].endswith("unlike the original")


def test_an_installed_copy_is_disclosed_not_voided() -> None:
    match = InstalledMatch(defect="d", function="clamp", installed="site/calc/core.py", same_as_original=False,
                           named_in_steps=[2])
    score = patch_score(_grade(installed=[match]))
    assert score.outcome == "tests_pass" and "site/calc/core.py" in score.labels["installed_copy"]


@pytest.mark.parametrize(("flags", "kinds"), [
    ({"ended": True, "forged_reports": 2}, ["forged_report"]),
    ({"ended": True, "forged_lines": 1}, ["forged_channel"]),
    ({"runner_killed": True}, ["runner_killed"]),  # a killed runner also ended early: named once, as killed
    ({}, ["exited_early"]),
    ({"ended": True, "flooded": True}, ["output_flood"]),
    ({"ended": True, "outlived": True}, ["outlived_run"]),
    ({"ended": True, "skipped_modules": 2}, ["skipped_tests"]),
    ({"ended": True, "outcomes": {"t::b": "skipped", "t::a": "skipped", "t::c": "passed"}, "skipped_modules": 1},
     ["skipped_tests"]),
    ({"ended": True, "outcomes": {"t::a": "failed", "t::b": "unreported"}}, []),
])
def test_run_evidence_names_each_effect_the_run_showed(flags: dict[str, object], kinds: list[str]) -> None:
    evidence = run_evidence(SealedRun(ready=True, **flags))  # type: ignore[arg-type]
    assert [e.kind for e in evidence] == kinds


def test_skip_evidence_counts_the_skipped_tests_before_whole_modules() -> None:
    run = SealedRun(ready=True, ended=True, skipped_modules=3,
                    outcomes={"t::b": "skipped", "t::a": "skipped", "t::c": "passed"})
    assert run_evidence(run)[0].detail == "2 graded tests skipped, e.g. t::a"
    assert run_evidence(SealedRun(ready=True, ended=True, skipped_modules=3))[0].detail == \
        "3 test modules skipped whole"
    assert "2 test reports" in run_evidence(SealedRun(ready=True, ended=True, forged_reports=2))[0].detail
    assert "3 lines" in run_evidence(SealedRun(ready=True, ended=True, forged_lines=3))[0].detail
