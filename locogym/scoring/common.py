"""What every behaviour metric shares: the namespaces, the pass threshold, and how to read a step.

Behaviour metrics live in their own namespaces (``cascade.*``, ``stop.*``, ``efficiency.*``,
``consistency.*``) so that a recorded score can be split back into the family's outcome (kept as recorded) and
the behaviour part (recomputed by a later release); see :func:`locogym.scoring.rescore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from locogym.core.types import ErrorKind, StepEvent, Task, ToolCall

BEHAVIOURS: tuple[str, ...] = ("cascade", "stop", "efficiency", "consistency")
PASS_THRESHOLD = 1.0
"""An episode counts as *right* (solved) when the family's ``success`` reaches this value.

Full credit, not a majority: a partly right answer is not a solved task for stop-crossing, credited efficiency
or pass^k. Pass another threshold to the aggregate functions to study partial credit.
"""
_EPS = 1e-9
INFRASTRUCTURE_ERRORS: frozenset[ErrorKind] = frozenset({ErrorKind.internal, ErrorKind.sandbox_unavailable})
"""Failures of locogym or the machine, not of the agent: no behaviour metric counts them against it."""


@dataclass
class Measures:
    """The metrics and labels one behaviour module computed for one episode."""

    metrics: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Measures) -> Measures:
        return Measures({**self.metrics, **other.metrics}, {**self.labels, **other.labels})


def is_behaviour_key(key: str) -> bool:
    """True for a metric or label name in a behaviour namespace (``stop``, ``stop.t_star``, ...)."""
    return key.split(".", 1)[0] in BEHAVIOURS


def split_outcome(values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``values`` that belong to the family's outcome (everything outside the behaviours)."""
    return {k: v for k, v in values.items() if not is_behaviour_key(k)}


def passed(success: float, threshold: float = PASS_THRESHOLD) -> bool:
    """Whether a success value counts as solved (tolerant to float round-off in the family's arithmetic)."""
    return success >= threshold - _EPS


def agent_failed(step: StepEvent) -> bool:
    """The step's call failed through the agent's doing (any error except an infrastructure one)."""
    return step.result.error is not None and step.result.error not in INFRASTRUCTURE_ERRORS


def infrastructure_failed(step: StepEvent) -> bool:
    """The step's call failed through locogym's or the machine's doing (an internal error, a dead sandbox)."""
    return step.result.error in INFRASTRUCTURE_ERRORS


def is_submit(step: StepEvent) -> bool:
    """A step that handed in an answer (and so ended its session or the episode)."""
    return step.result.error is None and bool(step.result.data.get("submitted"))


def sessions_of(steps: Iterable[StepEvent]) -> Iterator[tuple[int, list[StepEvent]]]:
    """Steps grouped by session, in order of first appearance (sessions are contiguous in a trajectory)."""
    groups: dict[int, list[StepEvent]] = {}
    for step in steps:
        groups.setdefault(step.session, []).append(step)
    yield from groups.items()


def oracle_plans(task: Task) -> list[list[ToolCall]]:
    """The oracle's plan per session (one plan for a single-session task)."""
    return [s.oracle_plan for s in task.sessions] if task.sessions else [task.oracle_plan]


def searches(task: Task) -> bool:
    """Whether solving the task takes any tool call besides handing in (a static haystack takes none)."""
    return any(not call.name.startswith("submit") for plan in oracle_plans(task) for call in plan)


def empty(value: Any) -> bool:
    """Nothing handed in: nothing, blank text, or a list or dict of nothing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(empty(v) for v in value.values())
    if isinstance(value, (list, tuple, set)):
        return not value
    return False


def flag(value: bool) -> float:
    """Indicator metrics are floats so that their mean over episodes is a rate."""
    return 1.0 if value else 0.0
