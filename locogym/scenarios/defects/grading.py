"""Grading a patch so that only a real fix scores, by construction rather than by recognising tricks.

1. **Only the fix comes from the agent.** A fresh sandbox of the episode's backend gets the pristine task
   (every test present, withheld ones included); of the agent's changes only those to importable source files
   of the package under test are copied in (:mod:`~locogym.scenarios.defects.protect`). Every other change is
   reported, never executed.
2. **The reference runs first.** Before any of the agent's code is in the sandbox, the differential oracle's
   reference step (:mod:`~locogym.scenarios.defects.differential`) records each defect's inputs and the
   original's answers on the pristine project.
3. **Outcomes travel sealed.** Every fail-to-pass and pass-to-pass test runs under the sealed launcher
   (:mod:`~locogym.scenarios.defects.sealed`) with the pristine configuration pinned; only a test seen to pass
   counts, and whatever the code does to the run only fails tests.
4. **Values travel plain.** When the tests pass, the patched function answers the reference's inputs in a
   process of its own; the answers are compared in canonical plain form.
5. **Credit needs a verdict.** A defect the differential could not judge earns credit from its hidden tests
   alone (the ``unverified`` outcome); a defect it found still present earns nothing.

The env turns the :class:`PatchGrade` into a score (:mod:`~locogym.scenarios.defects.verdict`). Only a sandbox
that cannot start the launcher, or stops working, raises :class:`~locogym.core.errors.SandboxUnavailable`.
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
    judge_patch,
    module_name,
    original_definition,
    run_reference,
)
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.integrity import VOIDING, Evidence, run_evidence
from locogym.scenarios.defects.protect import ChangeSplit, package_roots, split_changes
from locogym.scenarios.defects.sealed import GRADER_CONFIG, SealedRun, run_sealed, runner_config
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S

MAX_DIFFERENTIAL_TESTS = 50


class PatchGrade(BaseModel):
    """Everything the grader established about one patch."""

    split: ChangeSplit
    evidence: list[Evidence] = Field(default_factory=list)
    run: SealedRun | None = None
    fail_to_pass_fixed: int = 0  # fail-to-pass tests seen to pass
    fail_to_pass_credited: int = 0  # of those, tests every owning defect's verdict lets count
    special_cased: list[str] = Field(default_factory=list)  # remaining defects that passing tests vouched for
    unverified: list[str] = Field(default_factory=list)  # defects the differential could not judge
    fail_to_pass_total: int = 0
    pass_to_pass_broken: int = 0
    verdicts: list[DifferentialVerdict] = Field(default_factory=list)
    grading_s: float = 0.0

    @property
    def tampered(self) -> bool:
        return any(e.kind in VOIDING for e in self.evidence)

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


def quoted_test(defect: PatchDefect, fail_to_pass: Sequence[str]) -> str | None:
    """The test whose failure the issue quotes for ``defect`` (the rule of ``describe``): the agent has seen
    its input and expected value, so it alone never vouches for a fix."""
    shown = [t for t in defect.fail_to_pass if t in fail_to_pass][:1] or defect.fail_to_pass[:1]
    return shown[0] if shown else None


def credit(grade: PatchGrade, gold: PatchGold, run: SealedRun) -> None:
    """Credit each passing fail-to-pass test that every defect owning it lets count.

    A defect the differential found still present lets none count (when some passed, it was special-cased). A
    defect it could not judge lets its tests count when all its hidden tests pass, and otherwise only its
    passing hidden ones: the quoted example never earns credit alone.
    """
    judged = {v.id: v for v in grade.verdicts if v.status == "checked"}
    passed = {t for t in gold.fail_to_pass if run.outcomes.get(t) == "passed"}
    allowed: dict[str, set[str]] = {}
    for defect in gold.defects:
        verdict = judged.get(defect.id)
        if verdict is not None:
            allowed[defect.id] = set() if verdict.defect_remains else set(defect.fail_to_pass)
            continue
        grade.unverified.append(defect.id)
        quoted = quoted_test(defect, gold.fail_to_pass)
        hidden = {t for t in defect.fail_to_pass if t != quoted}
        allowed[defect.id] = set(defect.fail_to_pass) if hidden and hidden <= passed else hidden
    owners = [(t, [d.id for d in gold.defects if t in d.fail_to_pass]) for t in sorted(passed)]
    grade.fail_to_pass_credited = sum(1 for t, ids in owners if all(t in allowed[i] for i in ids))
    remaining = {i for i, v in judged.items() if v.defect_remains}
    grade.special_cased = sorted({i for _, ids in owners for i in ids if i in remaining})


def grade_patch(gold: PatchGold, workspace: dict[str, str], changed: dict[str, str | None],
                steps: Iterable[StepEvent], sandbox_factory: Callable[[], Sandbox],
                timeout: float = DEFAULT_TIMEOUT_S, context_tests: Sequence[str] = ()) -> PatchGrade:
    """Grade the agent's ``changed`` files (path -> text, None = deleted) against the task (see module docstring).

    ``context_tests`` are the tests of the task's context (the fill around its core project) that passed on the
    clean project: they are graded as pass-to-pass like the core's own. ``steps`` are the episode's steps; the
    grade rests on the files alone, so they are not read.

    Raises:
        SandboxUnavailable: the grading sandbox could not be made, could not run the launcher, or stopped
            working.
    """
    del steps  # what the agent did is judged by its effect on the files, never by its commands' text
    started = time.perf_counter()
    split = split_changes(changed, package_roots(d.path for d in gold.defects))
    grade = PatchGrade(split=split, fail_to_pass_total=len(gold.fail_to_pass))
    if split.applied:
        sandbox = sandbox_factory()
        try:
            _grade_in(sandbox, grade, gold, workspace, context_tests, timeout)
        finally:
            sandbox.close()
    grade.grading_s = time.perf_counter() - started
    return grade


def _grade_in(sandbox: Sandbox, grade: PatchGrade, gold: PatchGold, workspace: dict[str, str],
              context_tests: Sequence[str], timeout: float) -> None:
    """The graded sequence in one fresh sandbox: reference, overlay, sealed run, patched differential."""
    clean = {**workspace, **gold.withheld}
    f2p, p2p = list(gold.fail_to_pass), [*gold.pass_to_pass, *context_tests]
    roots = [".", "src"] if any(p.startswith("src/") for p in clean) else ["."]
    config = runner_config(clean, [*f2p, *p2p], clean)
    sandbox.load_workspace(clean if config else {**clean, GRADER_CONFIG: "[pytest]\n"})
    pinned = ["-c", config or GRADER_CONFIG, "--rootdir", "."]
    tests = sorted({t for d in gold.defects for t in d.fail_to_pass})[:MAX_DIFFERENTIAL_TESTS]
    references = run_reference(sandbox, differential_targets(gold, workspace), tests, import_roots=roots,
                               args=pinned)
    for path, text in grade.split.applied.items():
        if text is not None:
            sandbox.write_file(path, text)
        elif path in clean:
            sandbox.delete_file(path)
    run = run_sealed(sandbox, [*f2p, *p2p], timeout=timeout, import_roots=roots,
                     config=config or GRADER_CONFIG)
    problem = run.infrastructure_failure
    if problem:
        raise SandboxUnavailable(f"grading could not run the tests: {problem}",
                                 fix="Run `locogym sandbox doctor`; grade the trajectory again with "
                                     "`locogym score` once the sandbox works.")
    grade.run = run
    grade.evidence = run_evidence(run)
    grade.fail_to_pass_fixed = sum(1 for t in f2p if run.outcomes.get(t) == "passed")
    grade.pass_to_pass_broken = sum(1 for t in p2p if run.outcomes.get(t) != "passed")
    if grade.fail_to_pass_fixed and not grade.pass_to_pass_broken and not run.timed_out:
        grade.verdicts = judge_patch(sandbox, references, import_roots=roots)
    credit(grade, gold, run)
