"""A defect task is a core plus a context (see :mod:`locogym.core.ladder`).

The **core** is what a patch or review task is about: the project it is made from at the ladder's first rung
(``CORE_TOKENS``), the defects injected into it and validated by its tests, the issue text or the review request,
the gold, and for a review the benign edits of the core's own files. It is drawn from the config's core seed, so
it is the same at every length.

The **context** is what grows with ``length``: a synthetic project grows around its core with fill domains (their
own modules and tests, which call only fill code; every core file stays byte for byte as it was), and a review's
diff gains benign edits of the fill's files. A real repository does not grow: its core is the whole tree, and
only a review's diff grows with the length.

A fill must not move the gold. After growing the project (and, for a review, drawing the context's benign
edits), :func:`recheck` validates the core's defects again on the whole grown project with the run that confirmed
them on the core, and a fill that changes which tests fail, lets a test of its own reach a defective function or
breaks a test is rejected; the next fill of the config's fill stream is tried, ``MAX_FILL_ATTEMPTS`` in all, and
then the task is refused.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from locogym.core.errors import TaskRefused
from locogym.core.ladder import too_short
from locogym.core.types import ScenarioConfig
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.edits import Edit
from locogym.scenarios.defects.inject import Injection, KeptDefect, run_with_defects
from locogym.scenarios.defects.project import ProjectSettings, is_synthetic, load_project
from locogym.scenarios.defects.suite import Suite
from locogym.scenarios.repo import SourceTree
from locogym.scenarios.repo.synthetic import BRANCH_SHARE, generate_project

CORE_TOKENS = 4096  # the ladder's first rung: the core project, and a review's core diff, fit in it
MAX_FILL_ATTEMPTS = 3  # fills validated before a task is refused at that length
REFERENCE_TOKENS = 8 * CORE_TOKENS  # the size of the reference growth a patch task's depth is drawn against
_SLACK = 0.02  # the generator hits its target within 2%: a length that close to the core is the core


def project_seed(config: ScenarioConfig) -> int:
    """The synthetic generator's seed: from the core seed, so the core project is the same at every length."""
    return random.Random(config.core_seed()).randrange(2**31)


def check_length(config: ScenarioConfig) -> None:
    """Refuse a length below the ladder's first rung, which the core is drawn to fit.

    Raises:
        TaskRefused: ``config.length`` is below ``CORE_TOKENS``.
    """
    if config.length < CORE_TOKENS * (1 - _SLACK):
        raise too_short(config.length, CORE_TOKENS, "the core project and its validated defects",
                        fix=f"Use a length of at least {CORE_TOKENS // 1024}k tokens (the ladder's first rung).")


def core_project(config: ScenarioConfig, branch_share: float | None) -> SourceTree:
    """The project the core is drawn from: a synthetic project of ``CORE_TOKENS``, or the real tree as it is."""
    source = config.params["source"]
    if is_synthetic(source):
        return generate_project(project_seed(config), CORE_TOKENS, _share(branch_share))
    return load_project(source, config.params.get("ref"), 0, CORE_TOKENS)


def grows(config: ScenarioConfig, core: SourceTree) -> bool:
    """True when the project at ``config.length`` is larger than the core: a synthetic project above the first
    rung (a real tree is the same at every length)."""
    return core.origin == "synthetic" and config.length > CORE_TOKENS * (1 + _SLACK)


def grown_project(config: ScenarioConfig, core: SourceTree, branch_share: float | None, fill: int) -> SourceTree:
    """The whole project at ``config.length``: the core grown with fill ``fill`` (synthetic sources), or the
    core itself (a real tree, or a length at the first rung)."""
    if not grows(config, core):
        return core
    return generate_project(project_seed(config), config.length, _share(branch_share), core_tokens=CORE_TOKENS,
                            fill=fill)


def reference_growth(config: ScenarioConfig, core: SourceTree, branch_share: float | None) -> SourceTree:
    """The core grown to ``REFERENCE_TOKENS`` with a fill drawn from the core seed: a length-free picture of how
    fill modules interleave with the core's (a patch task draws its defects where the depth sits in both)."""
    if core.origin != "synthetic":
        return core
    fill = random.Random(f"defects-reference:{config.core_seed()}").randrange(2**31)
    return generate_project(project_seed(config), REFERENCE_TOKENS, _share(branch_share), core_tokens=CORE_TOKENS,
                            fill=fill)


def fill_stream(seeding: ScenarioConfig, count: int) -> list[int]:
    """The first ``count`` fills of a config's fill stream (the generator's ``fill`` argument)."""
    rng = random.Random(f"defects-fill:{seeding.fill_seed()}")
    return [rng.randrange(2**31) for _ in range(count)]


def defect_paths(tree: SourceTree) -> set[str]:
    """Where defects may go: a synthetic project's core modules (never the package ``__init__`` that gains the
    fill's re-exports), or every Python file of a real tree."""
    modules = tree.meta.get("modules", {})
    core = tree.meta.get("core_modules")
    if tree.origin == "synthetic" and core is not None:
        return {modules[m] for m in core}
    return {p for p in tree.files if p.endswith(".py")}


class Recheck(BaseModel):
    """The core's defects validated again on the grown project: what fails, and the context's own tests."""

    failing: list[str]  # tests that do not pass with the defects applied
    context_passing: list[str]  # tests only the grown project has, which pass (they must keep passing)
    reason: str | None = None  # what the fill changed (None: nothing, the task keeps its gold)


def recheck(core: Injection, grown: SourceTree, settings: ProjectSettings, sandbox_factory: Callable[[], Sandbox],
            backend: str, cache: RunCache, also: Sequence[Edit] = ()) -> Recheck:
    """Validate the core's defects again on the whole grown project, and say what the fill changed.

    The core's confirmation run (:func:`~locogym.scenarios.defects.inject.run_with_defects`) runs again, on every
    test of the grown project, in reach mode, with the defects (and the edits ``also``: a review's benign edits)
    applied. The gold holds when exactly the core's fail-to-pass tests fail (and the clean core's failures), every
    other core test and every test of the context passes or is skipped, and no test of the context reaches a
    defective function: a test that never runs a defective function runs the code it runs on the clean project,
    so its outcome here is its clean outcome, and the context's passing tests are pass-to-pass tests.
    """
    suite = Suite(grown.name, grown.commit, grown.files, settings.test_args, sandbox_factory, backend, cache)
    run, _ = run_with_defects(suite, core.defects, None, None, mode="reach", also=also)
    known = {*core.fail_to_pass, *core.pass_to_pass, *core.baseline_failing}
    failed = sorted(t for t, o in run.outcomes.items() if o in ("failed", "error"))
    context = [t for t in sorted(run.outcomes) if t not in known and run.outcomes[t] == "passed"]
    result = Recheck(failing=failed, context_passing=context)
    expected = sorted({*core.fail_to_pass, *core.baseline_failing})
    missing = sorted(t for t in core.pass_to_pass if run.outcomes.get(t) != "passed")
    reached = sorted({t for d in core.defects for t in run.reach.get(_function_key(d, core.defects), [])}
                     - {t for d in core.defects for t in d.reaching})
    if not run.usable:
        result.reason = (f"the grown project's suite did not run to the end (exit code {run.exit_code}, collection "
                         f"errors {run.collect_errors[:3]}): {run.output_tail[-400:]}")
    elif failed != expected:
        differing = sorted(set(failed) ^ set(expected))
        result.reason = (f"with the defects, {_listed(failed)} fail instead of {_listed(expected)} (differing: "
                         f"{_listed(differing)})")
    elif missing:
        result.reason = f"tests of the core that passed do not pass on the grown project: {_listed(missing)}"
    elif reached:
        result.reason = f"tests of the context reach a defective function: {_listed(reached)}"
    return result


def _function_key(defect: KeptDefect, defects: list[KeptDefect]) -> str:
    """The reach key (``path:first line``) of a defective function in the project with every defect applied:
    defects above it in its file may have added or removed lines."""
    m = defect.mutation
    shift = sum(o.mutation.edit.new.count("\n") - o.mutation.edit.old.count("\n") for o in defects
                if o.mutation.path == m.path and o.mutation.edit.end <= m.edit.start
                and o.mutation.line < m.function_line)
    return f"{m.path}:{m.function_line + shift}"


def _listed(tests: Sequence[str]) -> str:
    shown = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
    return f"[{shown}]"


class FillRejected(Exception):
    """A fill that moves the task's gold; the message says how."""


def refuse_fill(seed: int, length: int, rejected: list[dict[str, object]]) -> TaskRefused:
    """The error for a length at which no fill of the stream kept the core's gold."""
    reasons = "; ".join(f"fill {r['fill']}: {r['reason']}" for r in rejected)
    return TaskRefused(f"seed {seed} at length={length:,}: {len(rejected)} fill(s) of the context moved the task's "
                       f"gold, so the task is refused at this length ({reasons}).",
                       fix="Use another length or another seed.")


def _share(branch_share: float | None) -> float:
    return BRANCH_SHARE if branch_share is None else branch_share
