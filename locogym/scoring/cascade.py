"""Cascading errors: erroneous steps whose values flowed into later erroneous steps.

A step is *erroneous* when its call failed (any :class:`~locogym.core.types.ErrorKind`) or the family annotated
it ``{"wrong": true}`` (a wrong API call, a distractor taken for gold, a wrong intermediate answer). When the
episode was handed in and failed, and the family annotated none of its submit steps either way, the last submit
is erroneous too: a wrong final answer is where a cascade ends.

Each value a result introduced (:mod:`locogym.scoring.values`) is attributed to the first step that introduced
it; values the agent already had (in a session prompt, or in the step's own arguments, which error messages
echo) are not. Step *i* flows into a later step *j* when *j*'s arguments use a value *i* introduced.

Metrics (``cascade.*``):

* ``errors`` — erroneous steps; ``error_free`` — 1 when there are none; ``first_error`` — the first one's step
  index (-1: none).
* ``cascading`` — errors whose values flowed into a later erroneous step; ``rate`` = cascading / errors
  (0 with no errors).
* ``longest_chain`` — the most erroneous steps linked one into the next (a lone error is a chain of 1).
* ``recovered`` — errors followed by a non-erroneous step on the same sub-goal (``annotations["subgoal"]``; a
  step without one belongs to the sub-goal of its tool); ``recovery_rate`` = recovered / errors, 1 with no
  errors (nothing was left unrecovered).

Label ``cascade``: ``none`` (no errors), ``isolated`` (errors, none cascading) or ``cascading``.
"""

from __future__ import annotations

from collections.abc import Iterable

from locogym.core.types import StepEvent, Task
from locogym.scoring import values
from locogym.scoring.common import Measures, flag, is_submit, passed


def erroneous_steps(steps: list[StepEvent], submitted: bool, success: float) -> list[bool]:
    """Which steps are erroneous (see the module docstring for the rule on the final answer)."""
    flags = [s.result.error is not None or s.annotations.get("wrong") is True for s in steps]
    submits = [i for i, s in enumerate(steps) if is_submit(s)]
    judged = any("wrong" in steps[i].annotations for i in submits)
    if submitted and submits and not judged and not passed(success):
        flags[submits[-1]] = True
    return flags


def flows(task: Task, steps: list[StepEvent], targets: Iterable[int] | None = None) -> list[set[int]]:
    """For each target step (default: every step), the earlier steps whose introduced values its arguments used.

    Only values some target uses can make an edge, so outputs are searched for those alone: an output that does
    not contain one of them (as text) is not run through the extractor at all. Non-target steps get no parents.
    """
    wanted: dict[int, set[str]] = {}
    for j in range(len(steps)) if targets is None else targets:
        call = steps[j].call
        if call is not None:
            wanted[j] = values.used(call.arguments)
    candidates: set[str] = set().union(*wanted.values()) if wanted else set()
    parents: list[set[int]] = [set() for _ in steps]
    if not candidates:
        return parents
    known = values.introduced_among(candidates, {}, task.prompt)
    for session in task.sessions or []:
        known |= values.introduced_among(candidates, {}, session.prompt)
    introducer: dict[str, int] = {}
    for i, step in enumerate(steps):
        if i in wanted:
            parents[i] = {introducer[v] for v in wanted[i] if v in introducer}
        fresh = values.introduced_among(candidates, step.result.data, step.result.output) - known
        if fresh and step.call is not None:
            fresh -= values.used(step.call.arguments)  # an echo of the step's own arguments is not new
        for value in fresh:
            introducer.setdefault(value, i)
    return parents


def _subgoal(step: StepEvent) -> str:
    goal = step.annotations.get("subgoal")
    if goal is not None:
        return f"goal:{goal}"
    return f"tool:{step.call.name}" if step.call is not None else "tool:?"


def _recovered(i: int, steps: list[StepEvent], erroneous: list[bool]) -> bool:
    goal = _subgoal(steps[i])
    for j in range(i + 1, len(steps)):
        if erroneous[j]:
            continue
        if goal == "tool:?" and not is_submit(steps[j]):
            return True  # an unreadable action is recovered by any sound call that follows
        if _subgoal(steps[j]) == goal:
            return True
    return False


def measure(task: Task, steps: list[StepEvent], submitted: bool, success: float) -> Measures:
    erroneous = erroneous_steps(steps, submitted, success)
    parents = flows(task, steps, [j for j, bad in enumerate(erroneous) if bad])
    chain: dict[int, int] = {}
    cascading: set[int] = set()
    for j, bad in enumerate(erroneous):
        if not bad:
            continue
        feeders = [i for i in parents[j] if erroneous[i]]
        cascading.update(feeders)
        chain[j] = 1 + max((chain[i] for i in feeders), default=0)
    errors = [i for i, bad in enumerate(erroneous) if bad]
    recovered = sum(1 for i in errors if _recovered(i, steps, erroneous))
    n = len(errors)
    metrics = {
        "cascade.errors": float(n),
        "cascade.error_free": flag(n == 0),
        "cascade.first_error": float(errors[0]) if errors else -1.0,
        "cascade.cascading": float(len(cascading)),
        "cascade.rate": len(cascading) / n if n else 0.0,
        "cascade.longest_chain": float(max(chain.values(), default=0)),
        "cascade.recovered": float(recovered),
        "cascade.recovery_rate": recovered / n if n else 1.0,
    }
    label = "none" if n == 0 else ("cascading" if cascading else "isolated")
    return Measures(metrics, {"cascade": label})
