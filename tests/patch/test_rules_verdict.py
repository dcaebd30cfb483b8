"""The patch verdict's integrity detail on a hand-made grade: a reader gets the first five effects, not all."""

from __future__ import annotations

from locogym.scenarios.defects.grading import PatchGrade
from locogym.scenarios.defects.integrity import Evidence
from locogym.scenarios.defects.protect import ChangeSplit
from locogym.scenarios.defects.sealed import SealedRun
from locogym.scenarios.defects.verdict import patch_score


def test_the_integrity_detail_names_the_first_five_effects_only() -> None:
    evidence = [Evidence(kind="exited_early", detail=f"run {i}") for i in range(7)]
    grade = PatchGrade(split=ChangeSplit(applied={"calc/core.py": "x"}), run=SealedRun(ready=True), evidence=evidence,
                       fail_to_pass_total=1)
    assert patch_score(grade).labels["integrity_detail"] == "; ".join(f"exited_early: run {i}" for i in range(5))


def test_a_task_without_fail_to_pass_tests_credits_no_share() -> None:
    grade = PatchGrade(split=ChangeSplit(applied={"calc/core.py": "x"}), run=SealedRun(ready=True, ended=True),
                       fail_to_pass_total=0)
    metrics = patch_score(grade).metrics
    assert (metrics["fail_to_pass_fixed"], metrics["fail_to_pass_credited"]) == (0.0, 0.0)
