"""Grading a patch so that only a real fix scores, by construction rather than by recognising tricks.

1. **Only the fix comes from the agent.** A fresh sandbox of the episode's backend gets the pristine task
   (every test present, withheld ones included); of the agent's changes only those to importable source files
   of the package under test are copied in (:mod:`~locogym.scenarios.defects.protect`). Every other change is
   reported, never executed.
2. **The reference runs first.** Before any of the agent's code is in the sandbox, the differential oracle's
   reference step (:mod:`~locogym.scenarios.defects.differential`) records each defect's inputs and the
   original's answers on the pristine project. They depend on the pristine task alone, so a
   :class:`~locogym.scenarios.defects.reference_store.ReferenceStore` keeps them by the task's content hash and
   only a task's first grading pays for them.
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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from locogym.core.errors import SandboxUnavailable
from locogym.core.types import StepEvent, stable_hash
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.differential import (
    DifferentialTarget,
    DifferentialVerdict,
    Reference,
    judge_patch,
    module_name,
    original_definition,
    run_reference,
)
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.installed import InstalledMatch, find_installed, installed_matches
from locogym.scenarios.defects.integrity import VOIDING, Evidence, run_evidence
from locogym.scenarios.defects.protect import ChangeSplit, package_roots, split_changes
from locogym.scenarios.defects.reference_store import ReferenceStore, reference_key
from locogym.scenarios.defects.sealed import GRADER_CONFIG, SealedRun, run_sealed, runner_config
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S, sandbox_python

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
    fail_to_pass_total: int
    pass_to_pass_broken: int = 0
    verdicts: list[DifferentialVerdict] = Field(default_factory=list)
    differential_ran: bool = False  # the tests passed, so the patched answers were compared (maybe no target)
    installed: list[InstalledMatch] = Field(default_factory=list)  # credited fixes matching an installed copy

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
    shown = [t for t in defect.fail_to_pass if t in fail_to_pass] or defect.fail_to_pass
    return shown[0] if shown else None


def credit(grade: PatchGrade, gold: PatchGold, run: SealedRun) -> None:
    """Credit each passing fail-to-pass test that every defect owning it lets count.

    A defect the differential found still present lets none count (when some passed, it was special-cased). A
    defect it could not judge lets its tests count when all its hidden tests pass, and otherwise only its
    passing hidden ones: the quoted example never earns credit alone.
    """
    judged = {v.id: v for v in grade.verdicts if v.status == "checked"}
    passed = {t for t in gold.fail_to_pass if run.outcomes.get(t) == "passed"}
    allowed = _allowances(grade, gold, judged, passed)
    owners = _owners(gold, passed)
    grade.fail_to_pass_credited = sum(1 for t, ids in owners if all(t in allowed[i] for i in ids))
    remaining = {i for i, v in judged.items() if v.defect_remains}
    grade.special_cased = sorted({i for _, ids in owners for i in ids if i in remaining})


def _allowances(grade: PatchGrade, gold: PatchGold, judged: dict[str, DifferentialVerdict],
                passed: set[str]) -> dict[str, set[str]]:
    """For each defect, the tests it lets count; a defect the differential did not judge is noted unverified."""
    allowed: dict[str, set[str]] = {}
    for defect in gold.defects:
        verdict = judged.get(defect.id)
        if verdict is None:
            grade.unverified.append(defect.id)
            allowed[defect.id] = _unverified_allowance(defect, gold, passed)
        else:
            allowed[defect.id] = set() if verdict.defect_remains else set(defect.fail_to_pass)
    return allowed


def _owners(gold: PatchGold, passed: set[str]) -> list[tuple[str, list[str]]]:
    """Each passing fail-to-pass test with the defects whose tests include it."""
    return [(t, [d.id for d in gold.defects if t in d.fail_to_pass]) for t in sorted(passed)]


def _unverified_allowance(defect: PatchDefect, gold: PatchGold, passed: set[str]) -> set[str]:
    """The tests of a defect the differential could not judge that may count: all of them when every hidden one
    (every one but the quoted example) passed, else only the passing hidden ones."""
    quoted = quoted_test(defect, gold.fail_to_pass)
    hidden = {t for t in defect.fail_to_pass if t != quoted}
    return set(defect.fail_to_pass) if hidden and hidden <= passed else hidden


def grade_patch(gold: PatchGold, workspace: dict[str, str], changed: dict[str, str | None],
                steps: Iterable[StepEvent], sandbox_factory: Callable[[], Sandbox],
                timeout: float = DEFAULT_TIMEOUT_S, context_tests: Sequence[str] = (),
                references: ReferenceStore | None = None) -> PatchGrade:
    """Grade the agent's ``changed`` files (path -> text, None = deleted) against the task (see module docstring).

    ``context_tests`` are the tests of the task's context (the fill around its core project) that passed on the
    clean project: they are graded as pass-to-pass like the core's own. ``steps`` are the episode's steps; the
    grade rests on the files alone, so they are read only to disclose which step named an installed copy that a
    fix matches (:mod:`~locogym.scenarios.defects.installed`). ``references`` keeps the differential's references
    by task, so that only a task's first grading computes them (none: computed at every grading).

    Raises:
        SandboxUnavailable: the grading sandbox could not be made, could not run the launcher, or stopped
            working.
    """
    split = split_changes(changed, package_roots(d.path for d in gold.defects))
    grade = PatchGrade(split=split, fail_to_pass_total=len(gold.fail_to_pass))
    if split.applied:
        sandbox = sandbox_factory()
        try:
            _grade_in(sandbox, grade, _Plan.of(gold, workspace, context_tests), references or ReferenceStore(),
                      timeout)
            if grade.fail_to_pass_credited:
                copies = find_installed(sandbox, {module_name(d.path) for d in gold.defects})
                grade.installed = installed_matches(gold, workspace, split, copies, steps)
        finally:
            sandbox.close()
    return grade


@dataclass(frozen=True)
class _Plan:
    """What one grading runs: the pristine files, the graded tests and how pytest is pinned."""

    gold: PatchGold
    clean: dict[str, str]  # the pristine task: the workspace as shipped plus the withheld tests
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    roots: list[str]
    config: str | None  # the pristine tree's own runner configuration, or None: the grader's empty one

    @classmethod
    def of(cls, gold: PatchGold, workspace: dict[str, str], context_tests: Sequence[str]) -> _Plan:
        clean = {**workspace, **gold.withheld}
        f2p, p2p = list(gold.fail_to_pass), [*gold.pass_to_pass, *context_tests]
        roots = [".", "src"] if any(p.startswith("src/") for p in clean) else ["."]
        return cls(gold, clean, f2p, p2p, roots, runner_config(clean, [*f2p, *p2p], clean))

    @property
    def loaded(self) -> dict[str, str]:
        return self.clean if self.config else {**self.clean, GRADER_CONFIG: "[pytest]\n"}

    @property
    def pinned(self) -> list[str]:
        return ["-c", self.config or GRADER_CONFIG, "--rootdir", "."]


def _grade_in(sandbox: Sandbox, grade: PatchGrade, plan: _Plan, store: ReferenceStore, timeout: float) -> None:
    """The graded sequence in one fresh sandbox: reference, overlay, sealed run, patched differential."""
    sandbox.load_workspace(plan.loaded)
    references = _references(sandbox, plan, store)
    _apply(sandbox, grade.split, plan.clean)
    run = run_sealed(sandbox, [*plan.fail_to_pass, *plan.pass_to_pass], timeout=timeout,
                     import_roots=plan.roots, config=plan.config or GRADER_CONFIG)
    problem = run.infrastructure_failure
    if problem:
        raise SandboxUnavailable(f"grading could not run the tests: {problem}",
                                 fix="Run `locogym sandbox doctor`; grade the trajectory again with "
                                     "`locogym score` once the sandbox works.")
    grade.run = run
    grade.evidence = run_evidence(run)
    grade.fail_to_pass_fixed = sum(1 for t in plan.fail_to_pass if run.outcomes.get(t) == "passed")
    grade.pass_to_pass_broken = sum(1 for t in plan.pass_to_pass if run.outcomes.get(t) != "passed")
    if grade.fail_to_pass_fixed and not grade.pass_to_pass_broken and not run.timed_out:
        grade.verdicts = judge_patch(sandbox, references, import_roots=plan.roots)
        grade.differential_ran = True
    credit(grade, plan.gold, run)


def _references(sandbox: Sandbox, plan: _Plan, store: ReferenceStore) -> list[Reference]:
    """The task's references: kept ones when the store has them, else made now on the pristine project in the
    sandbox, which must not yet hold any of the agent's files."""
    targets = differential_targets(plan.gold, plan.clean)
    tests = sorted({t for d in plan.gold.defects for t in d.fail_to_pass})[:MAX_DIFFERENTIAL_TESTS]
    key = reference_key(targets, tests, plan.loaded, args=plan.pinned, import_roots=plan.roots,
                        interpreter=f"{sandbox.backend}:{sandbox_python(sandbox)}")
    kept = store.get(key)
    if kept is not None:
        return kept
    references = run_reference(sandbox, targets, tests, import_roots=plan.roots, args=plan.pinned)
    store.put(key, references)
    return references


def _apply(sandbox: Sandbox, split: ChangeSplit, clean: dict[str, str]) -> None:
    """Copy the applied changes (the package's source only) over the pristine project."""
    for path, text in split.applied.items():
        if text is not None:
            sandbox.write_file(path, text)
        elif path in clean:
            sandbox.delete_file(path)
