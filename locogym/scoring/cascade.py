"""Cascading errors: erroneous steps whose values flowed into later erroneous steps.

A step is *erroneous* when

* its call failed through the agent's doing (any :class:`~locogym.core.types.ErrorKind` except ``internal`` and
  ``sandbox_unavailable``, which are locogym's or the machine's failures, never the agent's);
* the family annotated it ``{"wrong": true}`` (a wrong API call, a wrong answer); or
* the family annotated it ``{"off_path": true}`` — its result is not one the task needs (a non-gold article, a
  read outside every evidence span) — *and* values it introduced flowed into a later erroneous step. Reading a
  wrong article is exploration; building a wrong call or a wrong answer on it is an error, and so is the read.

When the episode was handed in and failed, and the family annotated none of its submit steps either way, the
last submit is erroneous too: a wrong final answer is where a cascade ends.

Each value a result introduced (:mod:`locogym.scoring.values`) is attributed to the first step that introduced
it; values the agent already had (in a session prompt, or in the step's own arguments, which error messages
echo) are not. Step *i* flows into a later call *j* when *j*'s arguments use a value *i* introduced. An answer
is a span of text rather than an identifier a tool listed, so step *i* flows into a submit when the answer uses a
value *i* introduced, shows as whole words in its output, or named in its own successful call (the file it read),
whether or not the prompt also shows it.

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
from locogym.scoring.common import Measures, agent_failed, flag, infrastructure_failed, is_submit, passed


def _off_path(step: StepEvent) -> bool:
    return step.annotations.get("off_path") is True and step.result.error is None


def base_errors(steps: list[StepEvent], submitted: bool, success: float) -> list[bool]:
    """Steps erroneous on their own: failed through the agent, annotated wrong, or the failed final answer."""
    flags = [agent_failed(s) or (s.annotations.get("wrong") is True and not infrastructure_failed(s)) for s in steps]
    submits = [i for i, s in enumerate(steps) if is_submit(s)]
    judged = any("wrong" in steps[i].annotations for i in submits)
    if submitted and submits and not judged and not passed(success):
        flags[submits[-1]] = True
    return flags


def erroneous_steps(task: Task, steps: list[StepEvent], submitted: bool,
                    success: float) -> tuple[list[bool], list[set[int]]]:
    """Which steps are erroneous (see the module docstring), and each erroneous step's feeders among earlier steps.

    Only erroneous and off-path steps are searched for feeders (the others' are left empty): the metrics link
    errors only, and searching every output for every value a sound step used would be wasted work.
    """
    erroneous = base_errors(steps, submitted, success)
    off_path = [_off_path(s) for s in steps]
    parents = flows(task, steps, [j for j in range(len(steps)) if erroneous[j] or off_path[j]])
    for i in reversed(range(len(steps))):  # later steps are decided first: an off-path step feeding one counts
        if off_path[i] and not erroneous[i]:
            erroneous[i] = any(erroneous[j] and i in parents[j] for j in range(i + 1, len(steps)))
    return erroneous, parents


def _wanted(steps: list[StepEvent], targets: Iterable[int] | None) -> dict[int, set[str]]:
    """Target step -> the values its call's arguments use (targets without a call are left out)."""
    wanted: dict[int, set[str]] = {}
    for j in range(len(steps)) if targets is None else targets:
        call = steps[j].call
        if call is not None:
            wanted[j] = values.used(call.arguments)
    return wanted


def _prompt_values(task: Task, candidates: set[str]) -> set[str]:
    """The candidate values the task's prompts show: the agent has them from the start."""
    known = values.supplied(candidates, {}, task.prompt)
    for session in task.sessions or []:
        known |= values.supplied(candidates, {}, session.prompt)
    return known


def _feeders(step: StepEvent, used: set[str], known: set[str], introducer: dict[str, int],
             suppliers: dict[str, set[int]]) -> set[int]:
    """A submit's feeders: every earlier step that supplied a value its answer uses; a call's: the first
    introducers of the values it uses that the prompt does not show."""
    if is_submit(step):
        return set().union(*(suppliers.get(v, set()) for v in used), set())
    return {introducer[v] for v in used - known if v in introducer}


def flows(task: Task, steps: list[StepEvent], targets: Iterable[int] | None = None) -> list[set[int]]:
    """For each target step (default: every step), the earlier steps whose values its arguments used.

    A call's parents are the first introducers of the values its arguments use, values a prompt shows being the
    agent's from the start; a submit's parents are every earlier step that supplied a value its answer uses,
    even one the prompt also lists (a file tree names every path; the file the agent read is what it relied on).
    Outputs are searched only for values some target uses.
    """
    wanted = _wanted(steps, targets)
    candidates: set[str] = set().union(*wanted.values())
    parents: list[set[int]] = [set() for _ in steps]
    known = _prompt_values(task, candidates)
    answers = set().union(*(wanted[j] for j in wanted if is_submit(steps[j])), set())
    introducer: dict[str, int] = {}
    suppliers: dict[str, set[int]] = {}
    for i, step in enumerate(steps):
        if i in wanted:
            parents[i] = _feeders(step, wanted[i], known, introducer, suppliers)
        own = values.used(step.call.arguments) if step.call is not None else set()
        fresh = values.introduced_among(candidates, step.result.data, step.result.output) - known - own
        for value in fresh:
            introducer.setdefault(value, i)
        if answers and not is_submit(step) and step.result.error is None:
            shown = values.supplied(answers, step.result.data, step.result.output) | (own & answers)
            for value in shown:
                suppliers.setdefault(value, set()).add(i)
    return parents


def _subgoal(step: StepEvent) -> str:
    goal = step.annotations.get("subgoal")
    if goal is not None:
        return f"goal:{goal}"
    return f"tool:{step.call.name}" if step.call is not None else "tool:?"


def _recovered(i: int, steps: list[StepEvent], erroneous: list[bool]) -> bool:
    goal = _subgoal(steps[i])
    for j in range(i + 1, len(steps)):
        if erroneous[j] or infrastructure_failed(steps[j]):
            continue
        if goal == "tool:?" and not is_submit(steps[j]):
            return True  # an unreadable action is recovered by any sound call that follows
        if _subgoal(steps[j]) == goal:
            return True
    return False


def measure(task: Task, steps: list[StepEvent], submitted: bool, success: float) -> Measures:
    erroneous, parents = erroneous_steps(task, steps, submitted, success)
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
