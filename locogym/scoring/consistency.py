"""Long-horizon consistency: probe answers against the world's truth, and against the agent's own earlier ones.

A task with ``Task.probes`` asks each probe in its session; the agent answers in that session's submit, whose
answer is a dict keyed by probe id. Probes with the same ``key`` ask about the same fact; ``changed_since_last``
says whether the world changed that fact since the previous probe with the key.

Answers are compared after normalisation: strings case-folded with whitespace collapsed and a trailing period
dropped, numbers by value (``"42"`` equals ``42.0``), lists as sets (answers here are sets of paths, callers,
ids), dicts key by key.

Metrics (``consistency.*``, only for tasks with probes): ``probes``, ``answered_rate``, ``truth_rate`` (answers
that agree with the truth at the time asked, over all probes: a missing answer does not agree), ``pairs``
(consecutive probes of a key across which the world did not change), and over those pairs
``self_agreement`` (both answered, same answer) and ``contradiction_rate`` (both answered, different answers);
``changed_pairs`` and ``stale_rate`` (after the world changed, the agent repeated the old true answer).
"""

from __future__ import annotations

import math
import re
from typing import Any

from locogym.core.types import Probe, StepEvent, Task
from locogym.scoring.common import Measures, is_submit

_SPACE = re.compile(r"\s+")


def normalize(value: Any) -> Any:
    """A hashable canonical form of an answer, so that equal answers compare equal."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        return round(number, 9) if math.isfinite(number) else str(number)
    if isinstance(value, str):
        text = _SPACE.sub(" ", value).strip().casefold().rstrip(".").strip()
        try:
            return normalize(float(text)) if text else text
        except ValueError:
            return text
    if isinstance(value, dict):
        return tuple(sorted(((str(k), normalize(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple, set)):
        return ("set", tuple(sorted({normalize(v) for v in value}, key=repr)))
    return repr(value)


def agree(a: Any, b: Any) -> bool:
    return normalize(a) == normalize(b)


def probe_answers(task: Task, steps: list[StepEvent]) -> dict[str, Any]:
    """Probe id -> the answer given in the probe's session (the first submit of that session)."""
    by_session: dict[int, Any] = {}
    for step in steps:
        if is_submit(step) and step.session not in by_session:
            by_session[step.session] = step.result.data.get("answer")
    answers: dict[str, Any] = {}
    for probe in task.probes or []:
        answer = by_session.get(probe.session)
        if isinstance(answer, dict) and probe.id in answer and answer[probe.id] is not None:
            answers[probe.id] = answer[probe.id]
    return answers


def _pairs(probes: list[Probe]) -> list[tuple[Probe, Probe]]:
    """Consecutive probes of the same key, in the order they were asked."""
    by_key: dict[str, list[Probe]] = {}
    for probe in sorted(probes, key=lambda p: p.session):  # stable: ties keep the task's order
        by_key.setdefault(probe.key, []).append(probe)
    return [(a, b) for group in by_key.values() for a, b in zip(group, group[1:], strict=False)]


def measure(task: Task, steps: list[StepEvent]) -> Measures:
    probes = list(task.probes or [])
    if not probes:
        return Measures()
    answers = probe_answers(task, steps)
    truthful = sum(1 for p in probes if p.id in answers and agree(answers[p.id], p.answer))
    pairs = _pairs(probes)
    unchanged = [(a, b) for a, b in pairs if not b.changed_since_last]
    changed = [(a, b) for a, b in pairs if b.changed_since_last]
    both = [(a, b) for a, b in unchanged if a.id in answers and b.id in answers]
    same = sum(1 for a, b in both if agree(answers[a.id], answers[b.id]))
    stale = sum(1 for a, b in changed if b.id in answers and agree(answers[b.id], a.answer)
                and not agree(a.answer, b.answer))
    metrics = {
        "consistency.probes": float(len(probes)),
        "consistency.answered_rate": len(answers) / len(probes),
        "consistency.truth_rate": truthful / len(probes),
        "consistency.pairs": float(len(unchanged)),
        "consistency.changed_pairs": float(len(changed)),
    }
    if unchanged:
        metrics["consistency.self_agreement"] = same / len(unchanged)
        metrics["consistency.contradiction_rate"] = (len(both) - same) / len(unchanged)
    if changed:
        metrics["consistency.stale_rate"] = stale / len(changed)
    return Measures(metrics)
