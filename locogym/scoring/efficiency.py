"""Tool efficiency: what the agent spent against what the oracle plan spends, and what it spent for nothing.

The oracle's cost is read from the task: its steps are ``len(task.oracle_plan)`` (or the sessions' plans added
up), plus one per plan that does not end with a ``submit*`` call, because the oracle agent hands in after its
plan; its observation tokens are ``Task.meta["oracle_obs_tokens"]`` when the family records them.

The ratios exist only for episodes solved without guessing: doing little and failing is not efficient, and a
right answer handed in before its evidence (a ``premature`` or ``unsupported`` stop) is luck, not economy.
``step_ratio`` = oracle steps / steps (the oracle scores exactly 1; above 1 means a shorter solution than the
oracle's). ``token_ratio`` is the same for the tokens tool calls returned (submit replies left out on both sides;
only when the oracle's are known; a solved task whose oracle reads nothing scores 1 when the agent read nothing
either). Averaged over a run, a ratio's ``n`` is the number of such episodes. ``score`` combines them for every
episode — their geometric mean, each capped at 1, when solved without guessing, else 0 — so that an unsolved or
guessed episode never ranks above a solved one; it is the leaderboard's headline. Label ``efficiency``:
``solved``, ``guess`` (an answer handed in without its evidence, right or wrong) or ``unsolved``.

The evidence metrics exist only for tasks that need a tool call besides the submit: when everything is in the
prompt (a static haystack) there is nothing to search and they would say nothing.

Metrics (``efficiency.*``): ``steps``, ``oracle_steps``, ``step_ratio``, ``obs_tokens``, ``oracle_obs_tokens``
and ``token_ratio`` (when known), ``score``, ``redundant`` and ``redundant_rate`` (calls that repeat an earlier call of
the session with the same arguments, return an output the session already got, or re-read a span the session
already read — ``ToolResult.data["span"]`` = ``{"source", "start", "end"}`` or a list of them, end exclusive),
``invalid`` (failed calls, leaving out ``internal`` and ``sandbox_unavailable``: locogym's or the machine's
failures) and ``invalid.<ErrorKind>`` (failed calls by kind), ``evidence_tokens`` (tokens of the
observations that first exposed each evidence id in each session, or ``Evidence.locator["tokens"]``),
``evidence_token_share`` (evidence tokens / tokens read, 0..1) and ``tokens_per_evidence_token`` (its inverse,
when any evidence was seen).
"""

from __future__ import annotations

import math
from typing import Any

from locogym.core.types import ErrorKind, StepEvent, Task, dumps
from locogym.scoring.common import (
    INFRASTRUCTURE_ERRORS,
    Measures,
    empty,
    infrastructure_failed,
    is_submit,
    oracle_plans,
    passed,
    searches,
    sessions_of,
)

GUESS_STOPS = ("premature", "unsupported")
"""Stop labels of an answer handed in without the evidence behind it: before seeing it, or not resting on it."""


def oracle_steps(task: Task) -> int:
    """Steps the oracle agent takes: its plan(s), plus the submit it adds after a plan that lacks one."""
    return sum(len(plan) + (0 if plan and plan[-1].name.startswith("submit") else 1) for plan in oracle_plans(task))


def _spans(data: dict[str, Any]) -> list[tuple[str, int, int]]:
    raw = data.get("span")
    items: list[Any] = raw if isinstance(raw, list) else [raw]  # anything that is not a span is skipped below
    spans = []
    for item in items:
        try:
            span = (str(item["source"]), int(item["start"]), int(item["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if span[2] > span[1]:
            spans.append(span)
    return spans


def _covered(span: tuple[str, int, int], read: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether [start, end) of ``span`` lies inside the union of intervals already read from its source."""
    source, start, end = span
    cursor = start
    for lo, hi in sorted(read.get(source, [])):
        if lo > cursor:
            break
        cursor = max(cursor, hi)
    return cursor >= end


class _SessionMemory:
    """What the agent has already done in one session: the calls it made, the outputs it saw, the spans it read."""

    def __init__(self) -> None:
        self.calls: set[bytes] = set()
        self.outputs: set[str] = set()
        self.read: dict[str, list[tuple[int, int]]] = {}

    def redundant(self, step: StepEvent, key: bytes, spans: list[tuple[str, int, int]]) -> bool:
        """A repeated call, an output already seen, or a read of spans already read."""
        same_output = step.result.error is None and step.result.output.strip() in self.outputs
        reread = bool(spans) and all(_covered(span, self.read) for span in spans)
        return key in self.calls or same_output or reread

    def remember(self, step: StepEvent, key: bytes, spans: list[tuple[str, int, int]]) -> None:
        self.calls.add(key)
        if step.result.error is None and step.result.output.strip():
            self.outputs.add(step.result.output.strip())
        for source, start, end in spans:
            self.read.setdefault(source, []).append((start, end))


def redundant_steps(steps: list[StepEvent]) -> list[int]:
    """Indices of redundant calls (see the module docstring); submits are never redundant."""
    found: list[int] = []
    for _session, group in sessions_of(steps):
        memory = _SessionMemory()
        for step in group:
            if step.call is None or is_submit(step) or infrastructure_failed(step):
                continue  # a retry after locogym's own failure is not the agent's waste
            key = dumps({"name": step.call.name, "arguments": step.call.arguments})
            spans = _spans(step.result.data) if step.result.error is None else []
            if memory.redundant(step, key, spans):
                found.append(step.index)
            memory.remember(step, key, spans)
    return found


def evidence_tokens(task: Task, steps: list[StepEvent]) -> float:
    """Tokens of evidence the agent saw, once per session (a new session has forgotten the last one's reads).

    An item's size is ``Evidence.locator["tokens"]`` when declared, else its share of the observation that
    first exposed it in the session.
    """
    declared = {e.id: e.locator.get("tokens") for e in task.evidence}
    total = 0.0
    counted: set[tuple[int, str]] = set()
    for step in steps:
        new = [e for e in dict.fromkeys(step.evidence_seen) if e in declared and (step.session, e) not in counted]
        for eid in new:
            size = declared[eid]
            if isinstance(size, (int, float)) and not isinstance(size, bool) and size >= 0:
                total += float(size)
            else:
                total += step.obs_tokens / len(new)
            counted.add((step.session, eid))
    return total


def _capped(ratio: float) -> float:
    return min(1.0, ratio)


def _ratios(task: Task, steps: list[StepEvent], credited: bool) -> dict[str, float]:
    """The oracle's steps and tokens against the agent's (only for a credited episode), and the score: their
    geometric mean, each capped at 1 (0 for an episode that is not credited)."""
    n, oracle = len(steps), oracle_steps(task)
    metrics: dict[str, float] = {}
    ratios: list[float] = []
    if credited and n:
        metrics["efficiency.step_ratio"] = oracle / n
        ratios.append(_capped(oracle / n))
    oracle_obs = task.meta.get("oracle_obs_tokens")
    if isinstance(oracle_obs, (int, float)) and not isinstance(oracle_obs, bool):
        read = float(sum(s.obs_tokens for s in steps if not is_submit(s)))
        metrics["efficiency.oracle_obs_tokens"] = float(oracle_obs)
        if credited:
            metrics["efficiency.token_ratio"] = (float(oracle_obs) / read if read
                                                 else 1.0 if oracle_obs == 0 else 0.0)
            ratios.append(_capped(metrics["efficiency.token_ratio"]))
    metrics["efficiency.score"] = math.prod(ratios) ** (1 / len(ratios)) if ratios else 0.0  # none: not credited
    return metrics


def _waste(steps: list[StepEvent]) -> dict[str, float]:
    """Redundant calls, and calls that failed by the agent's fault (in all and per error kind)."""
    redundant = redundant_steps(steps)
    errors = [s.result.error for s in steps if s.result.error is not None]
    metrics = {"efficiency.redundant": float(len(redundant)),
               "efficiency.redundant_rate": len(redundant) / len(steps) if steps else 0.0,
               "efficiency.invalid": float(sum(1 for e in errors if e not in INFRASTRUCTURE_ERRORS))}
    for kind in ErrorKind:
        metrics[f"efficiency.invalid.{kind.value}"] = float(sum(1 for e in errors if e == kind))
    return metrics


def _evidence_share(task: Task, steps: list[StepEvent], obs: float) -> dict[str, float]:
    """How much of what the agent read was evidence (for tasks that need a search)."""
    ev_tokens = evidence_tokens(task, steps)
    metrics = {"efficiency.evidence_tokens": ev_tokens,
               "efficiency.evidence_token_share": min(1.0, ev_tokens / obs) if obs else 0.0}
    if ev_tokens > 0:
        metrics["efficiency.tokens_per_evidence_token"] = obs / ev_tokens
    return metrics


def measure(task: Task, steps: list[StepEvent], success: float, stop: str | None = None) -> Measures:
    """``stop`` is the episode's stop label; a right answer handed in before its evidence is a guess."""
    solved = passed(success)
    guessed = solved and stop in GUESS_STOPS
    obs = float(sum(s.obs_tokens for s in steps))
    metrics: dict[str, float] = {
        "efficiency.steps": float(len(steps)),
        "efficiency.oracle_steps": float(oracle_steps(task)),
        "efficiency.obs_tokens": obs,
        **_ratios(task, steps, credited=solved and not guessed),
        **_waste(steps),
    }
    if searches(task):
        metrics.update(_evidence_share(task, steps, obs))
    label = "guess" if guessed or (stop in GUESS_STOPS and _answered(steps)) else "solved" if solved else "unsolved"
    return Measures(metrics, {"efficiency": label})


def _answered(steps: list[StepEvent]) -> bool:
    """Whether some submit handed in something (a guess needs an answer; giving up is not guessing)."""
    return any(is_submit(s) and s.call is not None and not empty(s.call.arguments) for s in steps)

