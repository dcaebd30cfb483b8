"""Grading a patch so that only a real fix scores: the agent's source changes on the pristine project, judged by
a sealed test run, a differential check of every defective function, and a static scan for tampering.

1. The agent's changes are split (:mod:`~locogym.scenarios.defects.protect`): project source is applied; tests,
   ``conftest.py``, runner configuration, interpreter hooks and paths outside the project are held back and
   recorded.
2. A fresh sandbox of the episode's backend gets the pristine task commit (every test present, withheld ones
   included) plus the applied changes, and runs every fail-to-pass and pass-to-pass test through the sealed
   channel (:mod:`~locogym.scenarios.defects.sealed`): only a test seen to run and pass counts.
3. When the tests pass, the differential oracle (:mod:`~locogym.scenarios.defects.differential`) checks each
   defective function on the tests' inputs and mutated ones.
4. The static scan (:mod:`~locogym.scenarios.defects.integrity`) reads the diff and the commands.

The env turns the :class:`PatchGrade` into a score; a grading sandbox that fails is raised as
:class:`~locogym.core.errors.SandboxUnavailable` (the episode errors; the agent is not blamed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, Field

from locogym.core.errors import SandboxUnavailable
from locogym.core.types import StepEvent, stable_hash
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.differential import (
    DifferentialTarget,
    DifferentialVerdict,
    module_name,
    original_definition,
    run_differential,
)
from locogym.scenarios.defects.gold import PatchGold
from locogym.scenarios.defects.integrity import Finding, scan_episode
from locogym.scenarios.defects.protect import ChangeSplit, split_changes
from locogym.scenarios.defects.sealed import SealedRun, run_sealed
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S

MAX_DIFFERENTIAL_TESTS = 50


class PatchGrade(BaseModel):
    """Everything the grader established about one patch."""

    split: ChangeSplit
    findings: list[Finding] = Field(default_factory=list)
    run: SealedRun | None = None
    fail_to_pass_fixed: int = 0  # fail-to-pass tests seen to pass
    fail_to_pass_credited: int = 0  # of those, tests of no defect the differential found still present
    special_cased: list[str] = Field(default_factory=list)  # remaining defects that passing tests vouched for
    fail_to_pass_total: int = 0
    pass_to_pass_broken: int = 0
    verdicts: list[DifferentialVerdict] = Field(default_factory=list)
    grading_s: float = 0.0

    @property
    def tampered(self) -> bool:
        return bool(self.findings)

    @property
    def defect_remains(self) -> list[DifferentialVerdict]:
        return [v for v in self.verdicts if v.defect_remains]


def differential_targets(gold: PatchGold, mutated: dict[str, str]) -> list[DifferentialTarget]:
    """One target per defect whose original and defective definitions can be rebuilt from the task."""
    targets = []
    for defect in gold.defects:
        shipped = original_definition(mutated.get(defect.path, ""), defect.function)
        if not defect.original or shipped is None:
            continue
        targets.append(DifferentialTarget(id=defect.id, module=module_name(defect.path), qualname=defect.function,
                                          original=defect.original, defective=shipped[0], decorated=shipped[1],
                                          seed=int(stable_hash([gold.commit, defect.id], 8), 16)))
    return targets


def credit(grade: PatchGrade, gold: PatchGold, run: SealedRun) -> None:
    """Credit the passing fail-to-pass tests, except those of a defect that is still present.

    A defect the differential found still present earns nothing from its tests: they passed because the patch
    answers them, not because the defect is gone. When some of its tests passed, it was special-cased.
    """
    remaining = {v.id for v in grade.defect_remains}
    owners: dict[str, set[str]] = {}
    for defect in gold.defects:
        for test in defect.fail_to_pass:
            owners.setdefault(test, set()).add(defect.id)
    passed = {t for t in gold.fail_to_pass if run.outcomes.get(t) == "passed"}
    grade.fail_to_pass_credited = sum(1 for t in passed if not owners.get(t, set()) & remaining)
    grade.special_cased = sorted({d for t in passed for d in owners.get(t, set()) & remaining})


def grade_patch(gold: PatchGold, workspace: dict[str, str], changed: dict[str, str | None],
                steps: Iterable[StepEvent], sandbox_factory: Callable[[], Sandbox],
                timeout: float = DEFAULT_TIMEOUT_S, context_tests: Sequence[str] = ()) -> PatchGrade:
    """Grade the agent's ``changed`` files (path -> text, None = deleted) against the task (see module docstring).

    ``context_tests`` are the tests of the task's context (the fill around its core project) that passed on the
    clean project: they are graded as pass-to-pass like the core's own.

    Raises:
        SandboxUnavailable: the grading sandbox could not be made or could not run the launcher.
    """
    started = time.perf_counter()
    split = split_changes(changed, workspace)
    grade = PatchGrade(split=split, findings=scan_episode(changed, workspace, split.held, steps),
                       fail_to_pass_total=len(gold.fail_to_pass))
    if not split.applied:
        grade.grading_s = time.perf_counter() - started
        return grade
    clean = {**workspace, **gold.withheld}
    f2p, p2p = list(gold.fail_to_pass), [*gold.pass_to_pass, *context_tests]
    roots = [".", "src"] if any(p.startswith("src/") for p in clean) else ["."]
    sandbox = sandbox_factory()
    try:
        sandbox.load_workspace(clean)
        for path, text in split.applied.items():
            if text is None:
                if path in clean:
                    sandbox.delete_file(path)
            else:
                sandbox.write_file(path, text)
        run = run_sealed(sandbox, [*f2p, *p2p], timeout=timeout, import_roots=roots)
        problem = run.infrastructure_failure
        if problem:
            raise SandboxUnavailable(f"grading could not run the tests: {problem}",
                                     fix="Run `locogym sandbox doctor`; grade the trajectory again with "
                                         "`locogym score` once the sandbox works.")
        grade.run = run
        grade.fail_to_pass_fixed = sum(1 for t in f2p if run.outcomes.get(t) == "passed")
        grade.pass_to_pass_broken = sum(1 for t in p2p if run.outcomes.get(t) != "passed")
        if grade.fail_to_pass_fixed and not grade.pass_to_pass_broken and not run.timed_out:
            targets = differential_targets(gold, workspace)
            tests = sorted({t for d in gold.defects for t in d.fail_to_pass})[:MAX_DIFFERENTIAL_TESTS]
            grade.verdicts = run_differential(sandbox, targets, tests, import_roots=roots)
        credit(grade, gold, run)
    finally:
        sandbox.close()
    grade.grading_s = time.perf_counter() - started
    return grade
