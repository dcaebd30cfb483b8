"""Choosing defects by seed and keeping only those the project's own tests catch.

1. Baseline: the clean project's suite runs once in reach mode (per-test outcomes plus which functions each test
   calls). A suite that does not run cleanly is a :class:`~locogym.core.errors.DataError` naming why; one that
   times out even when retried with more time is a :class:`~locogym.core.errors.SandboxTimeout` (an errored
   reset, most likely the machine's load), never a verdict on the project.
2. Candidates: every mutation in a non-test module whose function some passing test reaches, ordered by the seed
   (kinds interleaved so that one task does not always get the most common kind), then, when the caller ranks
   them (a patch task places its defect at a depth of the file listing), by that rank.
3. Screening: a candidate runs against the passing tests that reach its function. It is kept when at least one
   of them now fails (fail-to-pass >= 1; a patch task asks for 2, so one can stay hidden); otherwise it is
   discarded with the reason recorded (``syntax_error``, ``no_failing_test``, ``too_few_failing_tests``,
   ``timeout``, ``collection_error``, ``too_broad``, ``overlaps``). A ``timeout`` counts only when the same
   tests on the clean project, run afresh, end well within the time; otherwise the machine is too loaded to
   tell and the draw stops with :class:`~locogym.core.errors.SandboxTimeout` rather than change the seed's task.
4. Confirmation: the kept defects are applied together and every test that reaches one of their functions runs
   (for a single defect this is the screening run itself, so it comes from the cache). Fail-to-pass is what
   passed before and fails now; pass-to-pass is every other test that passed before: a test that calls none of
   the mutated functions runs exactly the code it ran on the clean project (defects only change function bodies,
   and the baseline recorded which functions each test calls). A defect masked by another is dropped
   (``masked``) and the confirmation repeats. The grader runs the whole of both sets on every episode.

Every run goes through :class:`~locogym.scenarios.defects.suite.Suite`, hence through the on-disk cache.

The confirmation run (:func:`run_with_defects`) is also how a task recomputes its core's defects on the project
grown around it (:func:`locogym.scenarios.defects.growth.recheck`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from locogym.core.errors import DataError, SandboxTimeout
from locogym.core.types import stable_hash
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.edits import Edit, apply_edits
from locogym.scenarios.defects.mutations import MUTATION_KINDS, Mutation, find_mutations, is_test_path
from locogym.scenarios.defects.suite import LOADED_FIX, TIMEOUT_RETRY_FACTOR, Suite
from locogym.scenarios.defects.testrun import TestRun

DEFAULT_MAX_CANDIDATES = 40
HANG_EVIDENCE_SHARE = 0.25  # a defect hangs when the clean tests end within this share of the time it ran past
TOO_BROAD_SHARE = 0.5  # a defect failing more than this share of the suite is a crash, not a bug to hunt


class KeptDefect(BaseModel):
    """A validated defect: the mutation, the tests it made fail during screening, and the passing tests that
    reached its function on the clean project (those it was screened against)."""

    mutation: Mutation
    fail_to_pass: list[str]
    reaching: list[str] = Field(default_factory=list)


class Discard(BaseModel):
    """A candidate that was tried and not kept, and why."""

    id: str
    kind: str
    path: str
    line: int
    function: str
    reason: str
    detail: str = ""


class Injection(BaseModel):
    """The outcome of injecting defects into one project: kept defects, test sets, discards and costs."""

    repository: str
    commit: str
    test_args: list[str] = Field(default_factory=list)
    defects: list[KeptDefect]
    discarded: list[Discard] = Field(default_factory=list)
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    baseline_failing: list[str] = Field(default_factory=list)
    failures: dict[str, str] = Field(default_factory=dict)
    candidates_total: int = 0
    tried: int = 0
    runs_executed: int = 0
    runs_cached: int = 0
    validation_s: float = 0.0

    def mutated_files(self, files: dict[str, str]) -> dict[str, str]:
        """The project with every kept defect applied."""
        return apply_edits(files, [d.mutation.edit for d in self.defects])


def reachable_candidates(files: dict[str, str], baseline: TestRun,
                         allowed: set[str] | None = None) -> dict[str, tuple[Mutation, list[str]]]:
    """Mutations in functions reached by passing tests, with those tests, keyed by mutation id."""
    passing = baseline.passed
    out: dict[str, tuple[Mutation, list[str]]] = {}
    for path in sorted(files):
        if not path.endswith(".py") or is_test_path(path) or (allowed is not None and path not in allowed):
            continue
        for mutation in find_mutations(path, files[path]):
            tests = sorted(t for t in baseline.reach.get(f"{path}:{mutation.function_line}", []) if t in passing)
            if tests:
                out[mutation.id] = (mutation, tests)
    return out


def seeded_order(candidates: list[Mutation], rng: random.Random) -> list[Mutation]:
    """Candidates in a seeded order that interleaves kinds (a shuffled kind order, each kind shuffled)."""
    by_kind: dict[str, list[Mutation]] = {}
    for mutation in candidates:
        by_kind.setdefault(mutation.kind, []).append(mutation)
    kinds = [k for k in MUTATION_KINDS if k in by_kind]
    rng.shuffle(kinds)
    for kind in kinds:
        rng.shuffle(by_kind[kind])
    ordered: list[Mutation] = []
    while any(by_kind[k] for k in kinds):
        for kind in kinds:
            if by_kind[kind]:
                ordered.append(by_kind[kind].pop())
    return ordered


def candidate_order(candidates: dict[str, tuple[Mutation, list[str]]], rng: random.Random,
                    rank: Callable[[Mutation], float] | None) -> list[Mutation]:
    """The order candidates are tried in: the seed's, stably sorted by ``rank`` when there is one."""
    ordered = seeded_order([m for m, _ in candidates.values()], rng)
    return sorted(ordered, key=rank) if rank is not None else ordered


def run_with_defects(suite: Suite, kept: list[KeptDefect], selection: list[str] | None, timeout: float | None,
                     mode: Literal["plain", "reach"] = "plain", also: Sequence[Edit] = ()) -> tuple[TestRun, set[str]]:
    """The suite (or ``selection``) run with every kept defect applied, plus the edits ``also`` (a review's
    benign edits), and the tests of the run that do not pass: the fail-to-pass set when every test ran passed
    before. The validation confirms its defects with it, and a task recomputes them on a grown project."""
    edits = [*(k.mutation.edit for k in kept), *also]
    mutated = apply_edits(suite.files, edits)
    edited = {p: t for p, t in mutated.items() if t != suite.files[p]}
    name = "+".join(sorted(k.mutation.id for k in kept))
    if also:
        name += f"+edits:{stable_hash([e.model_dump() for e in also], 24)}"
    run = suite.run(name, edited=edited, selection=selection, timeout=timeout, mode=mode)
    if run.timed_out:
        confirm_hang(suite, selection, timeout or suite.timeout, mode)  # the defects' hang, or the draw stops
    ran = selection if selection is not None else sorted(run.outcomes)
    return run, {t for t in ran if run.outcomes.get(t) != "passed"}


def check_baseline(repository: str, baseline: TestRun) -> None:
    """Raise a DataError that says what is wrong when the clean project's suite cannot serve as an oracle."""
    fix = ("Make `python -m pytest` pass on the project (only pytest is installed in the sandbox), or set "
           "test_command in locogym.toml to the part of the suite that runs.")
    if baseline.timed_out:
        raise SandboxTimeout(f"The test suite of {repository} did not finish on the clean project, even with "
                             f"{TIMEOUT_RETRY_FACTOR:.0f} times the time on a second try "
                             f"({baseline.duration_s:.0f} s); "
                             "nothing was drawn and nothing was cached.",
                             fix=f"{LOADED_FIX} If the suite is that slow, set test_command in locogym.toml to a "
                                 "faster part.")
    if baseline.collect_errors:
        detail = "; ".join(baseline.collect_errors[:3])
        first = baseline.failures.get(baseline.collect_errors[0], "")[-600:]
        raise DataError(f"the test suite of {repository} has collection errors ({detail}): {first}",
                        path=repository, fix=fix)
    if baseline.exit_code not in (0, 1) or not baseline.passed:
        raise DataError(f"the test suite of {repository} ran no passing test (pytest exit code "
                        f"{baseline.exit_code}): {baseline.output_tail[-600:]}", path=repository, fix=fix)


def inject_defects(repository: str, commit: str, files: dict[str, str], *, count: int, rng: random.Random,
                   sandbox_factory: Callable[[], Sandbox], backend: str, cache: RunCache,
                   test_args: list[str] | None = None, max_candidates: int = DEFAULT_MAX_CANDIDATES,
                   allowed: set[str] | None = None, min_catching: int = 1,
                   rank: Callable[[Mutation], float] | None = None) -> Injection:
    """Inject ``count`` validated defects into the project (see the module docstring).

    ``allowed`` limits the modules defects may be placed in (``include``/``exclude`` of ``locogym.toml``).
    ``min_catching`` is how many tests must catch a defect for it to be kept: a patch task asks for two, so that
    the issue can quote one and the grader still holds a failing test the agent never saw. ``rank`` orders the
    seeded candidates (lowest first; ties keep the seed's order).

    Raises:
        DataError: the clean suite does not run, no function reached by a test can be mutated, or fewer than
            ``count`` candidates survived validation within ``max_candidates`` tries.
        SandboxUnavailable: the sandbox backend cannot run.
    """
    started = time.perf_counter()
    hits_before = cache.hits
    suite = Suite(repository, commit, files, list(test_args or []), sandbox_factory, backend, cache)
    baseline = suite.run("baseline", mode="reach")
    check_baseline(repository, baseline)
    passing = baseline.passed
    candidates = reachable_candidates(files, baseline, allowed)
    if not candidates:
        raise DataError(f"no function of {repository} that a passing test reaches has a statement to mutate",
                        path=repository, fix="Use a project whose tests call its own Python code.")
    per_run_timeout = max(15.0, 5.0 * baseline.duration_s)
    kept: list[KeptDefect] = []
    discarded: list[Discard] = []
    tried = 0
    for mutation in candidate_order(candidates, rng, rank):
        if len(kept) >= count or tried >= max_candidates:
            break
        if any(k.mutation.function == mutation.function and k.mutation.path == mutation.path for k in kept):
            continue  # one defect per function: combined defects stay independent
        tried += 1
        reason, detail, failing = screen(suite, files, mutation, candidates[mutation.id][1], len(passing),
                                         per_run_timeout, min_catching)
        if reason is None:
            kept.append(KeptDefect(mutation=mutation, fail_to_pass=failing, reaching=candidates[mutation.id][1]))
        else:
            discarded.append(_discard(mutation, reason, detail))
    while kept:
        reaching = sorted({t for k in kept for t in k.reaching})
        final, failing_now = run_with_defects(suite, kept, reaching, per_run_timeout)
        masked = [k for k in kept if not failing_now & set(k.fail_to_pass)]
        if final.usable and failing_now and not masked:
            return Injection(
                repository=repository, commit=commit, test_args=list(test_args or []), defects=kept,
                discarded=discarded, fail_to_pass=sorted(failing_now), pass_to_pass=sorted(passing - failing_now),
                baseline_failing=sorted(t for t, o in baseline.outcomes.items() if o in ("failed", "error")),
                failures={t: final.failures.get(t, "") for t in sorted(failing_now)},
                candidates_total=len(candidates), tried=tried, runs_executed=suite.executed,
                runs_cached=cache.hits - hits_before, validation_s=time.perf_counter() - started)
        dropped = masked[-1] if masked else kept[-1]
        kept.remove(dropped)
        discarded.append(_discard(dropped.mutation, "masked" if masked else "combination_failed",
                                  "did not validate together with the other defects"))
    reasons: dict[str, int] = {}
    for d in discarded:
        reasons[d.reason] = reasons.get(d.reason, 0) + 1
    summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "none tried"
    raise DataError(f"no defect of {repository} survived validation after {tried} of {len(candidates)} "
                    f"candidates ({summary})", path=repository,
                    fix="Use a project whose tests check its behaviour (assertions on results), or another seed.")


def screen(suite: Suite, files: dict[str, str], mutation: Mutation, reaching: list[str], suite_size: int,
           timeout: float, min_catching: int = 1) -> tuple[str | None, str, list[str]]:
    """Run one candidate against the tests that reach it: (discard reason or None, detail, failing tests)."""
    mutated = apply_edits(files, [mutation.edit])[mutation.path]
    try:
        compile(mutated, mutation.path, "exec")
    except (SyntaxError, ValueError) as exc:
        return "syntax_error", str(exc), []
    run = suite.run(mutation.id, edited={mutation.path: mutated}, selection=reaching, timeout=timeout)
    if run.timed_out:
        confirm_hang(suite, reaching, timeout)
        return "timeout", f"the tests ran past {timeout:.0f}s and {timeout * TIMEOUT_RETRY_FACTOR:.0f}s", []
    if run.collect_errors:
        return "collection_error", "; ".join(run.collect_errors[:3]), []
    failing = sorted(t for t in reaching if run.outcomes.get(t) != "passed")
    if not failing:
        return "no_failing_test", f"all {len(reaching)} reaching tests still pass", []
    if len(failing) < min_catching:
        return "too_few_failing_tests", f"{len(failing)} test(s) fail, {min_catching} wanted", []
    if len(failing) > max(3, TOO_BROAD_SHARE * suite_size):
        return "too_broad", f"{len(failing)} of {suite_size} tests fail", []
    return None, "", failing


def confirm_hang(suite: Suite, reaching: list[str] | None, timeout: float,
                 mode: Literal["plain", "reach"] = "plain") -> None:
    """Check that a defect's time-out is the defect's: the same tests (``None``: all of them) on the clean project,
    run afresh in the same mode, must end well within the time the defect ran past. Otherwise the machine is too
    loaded to tell, and the draw stops rather than discard a defect the seed would keep on a quiet machine.

    Raises:
        SandboxTimeout: the clean tests were slow too.
    """
    clean = suite.run("baseline", selection=reaching, timeout=timeout, cached=False, retry=False, mode=mode)
    if clean.timed_out or clean.duration_s > timeout * HANG_EVIDENCE_SHARE:
        raise SandboxTimeout(f"Tests of {suite.repository} with defects applied ran past {timeout:.0f} s, and the "
                             f"same tests on the clean project took {clean.duration_s:.0f} s: the machine is too "
                             "loaded to tell a hanging defect from a slow run, so nothing was drawn.",
                             fix=LOADED_FIX)


def _discard(mutation: Mutation, reason: str, detail: str) -> Discard:
    return Discard(id=mutation.id, kind=mutation.kind, path=mutation.path, line=mutation.line,
                   function=mutation.function, reason=reason, detail=detail[:500])
