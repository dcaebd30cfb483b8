"""Early stopping: did the agent hand in its answer before, right after, or long after it had seen enough?

t* is the first step by which every ``Task.evidence`` id had appeared in some step's ``evidence_seen``. A stop
(a submit) before t* is *premature*; within ``Task.meta["stop_slack"]`` steps after it (default 2) *timely*;
later *over-search*; an episode that ended on a budget instead of a submit *never* stopped. The label is crossed
with correctness: premature and right is a *lucky guess*. Where the oracle hands something in (its plan ends with
a submit that has arguments), a submit with nothing in it (no arguments, blank text, empty lists or dicts) is
premature whatever was seen: the agent stopped before it had an answer. (Where the work itself is the result —
a patch, bookings — an empty submit is normal.)

Where the prompt shows all the evidence (a static haystack, a diff under review: ``Evidence.locator["in_prompt"]``,
or a task whose oracle calls no tool besides the submit), every answer comes after it, so time alone says
nothing: a submit is judged by whether its answer rests on that evidence — the family's ``supported``
annotation on the submit, else whether the final answer was right. Supported within the slack is
*from-context*; later, over-search; not supported, *unsupported* (a fixed answer, an over-long title, flagging
every hunk). The family reports such evidence on the first step; it counts as seen before it.

Multi-session tasks hand in one answer per session. Evidence may say which session needs it with
``locator["session"]`` (an int or a list of ints); evidence without one is needed by the end of the episode
(its last session). Each submit is judged against the evidence its session needs, counting evidence seen in any
earlier step (notes persist between sessions); a session that needs no evidence is not judged for timeliness.
The episode is premature if any session was, else unsupported, else over-search if any session was, else
timely (from-context when every judged session was); multi-session tasks also report the per-session shares. A session's
over-search counts only its own steps: its evidence is complete at the step where the session itself last
(re)read a needed item for the first time — or, for items it relied on from earlier sessions without re-reading,
at the session's start.

Metrics (``stop.*``): ``t_star`` (step index; -1: the evidence was never all seen; absent for a task without
evidence), ``step`` (the final submit;
-1: never), ``evidence_total``, ``evidence_recall`` (share of evidence seen by the end; only for tasks that
need a tool call besides the submit), ``overrun`` (steps
taken after the evidence was complete, summed over judged sessions), indicators ``premature``, ``timely``,
``from_context``, ``unsupported``, ``over_search``, ``never``, ``lucky_guess``, ``sound`` (timely or
from-context: the headline), and for multi-session tasks ``sessions_judged``, ``session_sound_rate``,
``session_premature_rate``, ``session_over_search_rate``. Labels: ``stop`` (premature | timely | from-context |
unsupported | over-search | never) and
``stop.cross`` (``lucky_guess``, ``premature_wrong``, ``timely_right``, ``over-search_wrong``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from locogym.core.errors import DataError
from locogym.core.types import StepEvent, Task, ToolCall
from locogym.scoring.common import Measures, empty, flag, is_submit, oracle_plans, passed, searches

DEFAULT_SLACK = 2
SOUND = ("timely", "from-context")
"""Stops made at the right moment on the right grounds; ``stop.sound`` is the share of them (the headline)."""


def slack_of(task: Task) -> int:
    raw = task.meta.get("stop_slack", DEFAULT_SLACK)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise DataError(f"stop_slack={raw!r} is not a whole number of steps >= 0.", field="meta.stop_slack",
                        fix="Set Task.meta['stop_slack'] to an int such as 2, or leave it out.")
    return raw


def _sessions_needing(evidence_id: str, locator: dict[str, Any]) -> set[int] | None:
    tag = locator.get("session")
    if tag is None:
        return None
    tags = tag if isinstance(tag, list) else [tag]
    if not all(isinstance(t, int) and not isinstance(t, bool) for t in tags):
        raise DataError(f"Evidence {evidence_id!r} names session(s) {tag!r}.", field="evidence.locator.session",
                        fix="Give a session index (int) or a list of them, or leave 'session' out.")
    return set(tags)


def _needed_in(sessions: set[int] | None, session: int, last_session: int) -> bool:
    """Tagged evidence is needed in its sessions; untagged evidence by the last session."""
    return session >= last_session if sessions is None else session in sessions


def _seen_for(eid: str, session: int, stop: int, seen: dict[str, int], seen_here: dict[tuple[int, str], int]) -> int:
    """When a session had ``eid``: its own first read of it, else the episode's (carried over in notes)."""
    local = seen_here.get((session, eid))
    return local if local is not None and local <= stop else seen[eid]


def first_seen(steps: list[StepEvent]) -> dict[str, int]:
    """Evidence id -> the index of the first step that exposed it."""
    seen: dict[str, int] = {}
    for i, step in enumerate(steps):
        for eid in step.evidence_seen:
            seen.setdefault(eid, i)
    return seen


def evidence_in_prompt(task: Task) -> bool:
    """Whether the prompt itself shows every piece of evidence (a static haystack, a diff under review)."""
    return bool(task.evidence) and (not searches(task) or all(e.locator.get("in_prompt") for e in task.evidence))


def _supported(step: StepEvent, is_final: bool, success: float) -> bool:
    """The family's word on whether a submit's answer rests on the task's evidence; else its correctness."""
    said = step.annotations.get("supported")
    if isinstance(said, bool):
        return said
    return is_final and passed(success)


@dataclass(frozen=True)
class _Episode:
    """What judging the stops reads from a task and its steps, worked out once."""

    slack: int
    ids: list[str]  # the evidence ids, in task order, each once
    needs: dict[str, set[int] | None]  # evidence id -> the sessions that need it (None: the last one)
    in_prompt: bool
    seen: dict[str, int]  # evidence id -> the first step that exposed it
    seen_here: dict[tuple[int, str], int]  # (session, evidence id) -> that session's first step exposing it
    never: int  # the step index that stands for "never seen" (one past the last step)
    last_session: int
    expects_answer: set[int]  # sessions whose oracle hands something in
    final: int  # the final submit's step; -1 when the episode never submitted
    success: float


def _episode(task: Task, steps: list[StepEvent], submitted: bool, success: float) -> _Episode:
    seen_here: dict[tuple[int, str], int] = {}
    for i, step in enumerate(steps):
        for eid in step.evidence_seen:
            seen_here.setdefault((step.session, eid), i)
    expects_answer = {i for i, plan in enumerate(oracle_plans(task)) if _hands_in(plan)}
    final = max((i for i, s in enumerate(steps) if is_submit(s)), default=-1) if submitted else -1
    return _Episode(slack=slack_of(task), ids=list(dict.fromkeys(e.id for e in task.evidence)),
                    needs={e.id: _sessions_needing(e.id, e.locator) for e in task.evidence},
                    in_prompt=evidence_in_prompt(task), seen=first_seen(steps), seen_here=seen_here,
                    never=len(steps), last_session=(len(task.sessions) - 1) if task.sessions else 0,
                    expects_answer=expects_answer, final=final, success=success)


def _hands_in(plan: list[ToolCall]) -> bool:
    """Whether an oracle plan ends with a submit that carries an answer."""
    return bool(plan) and plan[-1].name.startswith("submit") and not empty(plan[-1].arguments)


def _judge_submit(ep: _Episode, step: StepEvent, i: int, start: int) -> tuple[str, int] | None:
    """A session's first submit (step ``i``; the session began at ``start``): its stop and its overrun.

    None for a session that needs no evidence: it is not judged for timeliness, and adds no overrun.
    """
    required = [e for e in ep.ids if _needed_in(ep.needs[e], step.session, ep.last_session)]
    handed_nothing = step.session in ep.expects_answer and empty(step.call.arguments if step.call else None)
    if handed_nothing or any(ep.seen.get(e, ep.never) > i for e in required):
        return "premature", 0
    if not required:
        return None
    done = max(_seen_for(e, step.session, i, ep.seen, ep.seen_here) for e in required)
    # evidence the prompt shows is reported on the first step (maybe the submit) but was seen before it
    anchor = start - 1 if ep.in_prompt else max(done, start - 1)
    gap = max(0, i - anchor - 1)
    if ep.in_prompt and not _supported(step, i == ep.final, ep.success):
        return "unsupported", gap
    if gap > ep.slack:
        return "over-search", gap
    return ("from-context" if ep.in_prompt else "timely"), gap


def _judge_sessions(ep: _Episode, steps: list[StepEvent]) -> tuple[list[str], int]:
    """Each judged session's stop (its first submit decides), and the overrun summed over them."""
    verdicts: dict[int, str] = {}
    decided: set[int] = set()
    starts: dict[int, int] = {}
    overrun = 0
    for i, step in enumerate(steps):
        starts.setdefault(step.session, i)
        if not is_submit(step) or step.session in decided:
            continue
        judged = _judge_submit(ep, step, i, starts[step.session])
        if judged is None:
            continue
        verdict, gap = judged
        decided.add(step.session)
        verdicts[step.session] = verdict
        overrun += gap
    return list(verdicts.values()), overrun


def _label(judged: list[str], submitted: bool) -> str:
    """The episode's stop: premature if any session was, else unsupported, else over-search, else timely (or
    from-context when every judged session was)."""
    if not submitted:
        return "never"
    worst = next((v for v in ("premature", "unsupported", "over-search") if v in judged), None)
    if worst is not None:
        return worst
    return "from-context" if judged and all(v == "from-context" for v in judged) else "timely"


def _cross(label: str, right: bool) -> str:
    if label in ("premature", "unsupported") and right:
        return "lucky_guess"
    return f"{label}_{'right' if right else 'wrong'}"


def _label_metrics(label: str, cross: str) -> dict[str, float]:
    return {
        "stop.premature": flag(label == "premature"),
        "stop.timely": flag(label == "timely"),
        "stop.from_context": flag(label == "from-context"),
        "stop.unsupported": flag(label == "unsupported"),
        "stop.sound": flag(label in SOUND),
        "stop.over_search": flag(label == "over-search"),
        "stop.never": flag(label == "never"),
        "stop.lucky_guess": flag(cross == "lucky_guess"),
    }


def _session_metrics(judged: list[str]) -> dict[str, float]:
    """The shares of a multi-session task's judged sessions that stopped soundly, early or late."""
    return {
        "stop.sessions_judged": float(len(judged)),
        "stop.session_sound_rate": sum(1 for v in judged if v in SOUND) / len(judged),
        "stop.session_premature_rate": sum(1 for v in judged if v == "premature") / len(judged),
        "stop.session_over_search_rate": sum(1 for v in judged if v == "over-search") / len(judged),
    }


def measure(task: Task, steps: list[StepEvent], submitted: bool, success: float) -> Measures:
    ep = _episode(task, steps, submitted, success)
    judged, overrun = _judge_sessions(ep, steps)
    label = _label(judged, submitted)
    cross = _cross(label, passed(success))
    metrics = {"stop.step": float(ep.final), "stop.evidence_total": float(len(ep.ids)),
               "stop.overrun": float(overrun), **_label_metrics(label, cross)}
    if ep.ids:
        t_star = max(ep.seen.get(e, ep.never) for e in ep.ids)
        metrics["stop.t_star"] = float(t_star if t_star < ep.never else -1)
    if searches(task):
        metrics["stop.evidence_recall"] = sum(1 for e in ep.ids if e in ep.seen) / len(ep.ids) if ep.ids else 1.0
    if task.sessions and judged:
        metrics.update(_session_metrics(judged))
    return Measures(metrics, {"stop": label, "stop.cross": cross})
