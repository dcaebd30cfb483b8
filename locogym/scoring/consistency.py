"""Long-horizon consistency: probe answers against the world's truth, and against the agent's own earlier ones.

A task with ``Task.probes`` asks each probe in its session; the agent answers in that session's submit, whose
answer is a dict keyed by probe id. Probes with the same ``key`` ask about the same fact; ``changed_since_last``
says whether the world changed that fact since the previous probe with the key.

Answers are compared after normalisation: strings case-folded with whitespace collapsed and a trailing period
dropped, numbers by value to nine decimals (``"42"`` equals ``42.0``), booleans never equal to numbers, lists as
sets (answers here are sets of paths, callers, ids), dicts key by key.

Metrics (``consistency.*``, only for tasks with probes): ``probes``, ``answered_rate``, ``truth_rate`` (answers
that agree with the truth at the time asked, over all probes: a missing answer does not agree), ``pairs``
(consecutive probes of a key across which the world did not change), and over those pairs
``self_agreement`` (both answered, same answer) and ``contradiction_rate`` (both answered, different answers);
``changed_pairs`` (pairs across which the world changed), ``after_change`` (probes whose truth differs from an
earlier truth of their key) and over those ``stale_rate`` (the answer equals any earlier truth of the key that
has since changed — not only the last one).

A family whose grader parses answers its own way (JSON text, ``./path:1``, ``pkg/mod.py::f``, comma-joined
lists) annotates each session's submit with the canonical answers and truths its grader uses (see
:func:`read_probes`), so that consistency agrees with the outcome to the letter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from locogym.core.types import Probe, StepEvent, Task
from locogym.scoring.common import Measures, is_submit

_SPACE = re.compile(r"\s+")


def normalize(value: Any) -> Any:
    """A hashable canonical form of an answer, so that equal answers compare equal.

    A yes or no is tagged: Python holds ``True == 1.0``, but a yes is not a count of one.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        number = float(value)
        return round(number, 9) if math.isfinite(number) else str(number)
    if isinstance(value, str):
        text = _SPACE.sub(" ", value).strip().casefold().rstrip(".").strip()
        try:
            return normalize(float(text))
        except ValueError:  # not a number (the empty text included)
            return text
    if isinstance(value, dict):
        return tuple(sorted(((str(k), normalize(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple, set)):
        return ("set", tuple(sorted({normalize(v) for v in value}, key=repr)))
    return repr(value)


def agree(a: Any, b: Any) -> bool:
    return bool(normalize(a) == normalize(b))


@dataclass
class ProbeReading:
    """Each probe's answer and truth in comparable form, and whether the answer is right."""

    answers: dict[str, Any] = field(default_factory=dict)  # probe id -> canonical answer (answered probes only)
    right: dict[str, bool] = field(default_factory=dict)  # probe id -> the answer agrees with the truth
    truths: dict[str, Any] = field(default_factory=dict)  # probe id -> canonical truth


def _session_submits(steps: list[StepEvent]) -> dict[int, StepEvent]:
    """Each session's first submit: the one that handed in its answers."""
    found: dict[int, StepEvent] = {}
    for step in steps:
        if is_submit(step) and step.session not in found:
            found[step.session] = step
    return found


def read_probes(task: Task, steps: list[StepEvent]) -> ProbeReading:
    """Probe answers through the family's own answer parser where the family gave it, else :func:`normalize`.

    A family annotates each session's submit with ``probe_answers`` (probe id -> ``{"answer": canonical,
    "right": bool}``, as its grader read the answer) and ``probe_truths`` (probe id -> canonical truth). Without
    them the raw submitted dict is compared after :func:`normalize`.
    """
    reading = ProbeReading()
    submits = _session_submits(steps)
    for step in submits.values():
        truths = step.annotations.get("probe_truths")
        if isinstance(truths, dict):
            reading.truths.update({str(k): normalize(v) for k, v in truths.items()})
    for probe in task.probes or []:
        reading.truths.setdefault(probe.id, normalize(probe.answer))
        submit = submits.get(probe.session)
        if submit is None:
            continue
        judged = submit.annotations.get("probe_answers")
        if isinstance(judged, dict):
            item = judged.get(probe.id)
            if isinstance(item, dict) and item.get("answer") is not None:
                reading.answers[probe.id] = normalize(item["answer"])
                reading.right[probe.id] = item.get("right") is True
            continue
        answer = submit.result.data.get("answer")
        if isinstance(answer, dict) and answer.get(probe.id) is not None:
            reading.answers[probe.id] = normalize(answer[probe.id])
            reading.right[probe.id] = reading.answers[probe.id] == reading.truths[probe.id]
    return reading


def probe_answers(task: Task, steps: list[StepEvent]) -> dict[str, Any]:
    """Probe id -> the canonical answer given in the probe's session (its first submit)."""
    return read_probes(task, steps).answers


def _by_key(probes: list[Probe]) -> dict[str, list[Probe]]:
    """Probes of each key in the order they were asked."""
    by_key: dict[str, list[Probe]] = {}
    for probe in sorted(probes, key=lambda p: p.session):  # stable: ties keep the task's order
        by_key.setdefault(probe.key, []).append(probe)
    return by_key


def _pairs(probes: list[Probe]) -> list[tuple[Probe, Probe]]:
    """Consecutive probes of the same key, in the order they were asked."""
    return [(a, b) for group in _by_key(probes).values() for a, b in zip(group, group[1:], strict=False)]


def _staleness(probes: list[Probe], answers: dict[str, Any], truths: dict[str, Any]) -> tuple[int, int]:
    """Probes asked after their key's truth changed, and how many of those repeat a truth that no longer holds."""
    exposed = stale = 0
    for group in _by_key(probes).values():
        for k, probe in enumerate(group):
            outdated = {truths[a.id] for a in group[:k]} - {truths[probe.id]}
            if outdated:
                exposed += 1
                stale += probe.id in answers and answers[probe.id] in outdated
    return exposed, stale


def _pair_metrics(probes: list[Probe], answers: dict[str, Any]) -> dict[str, float]:
    """Counts of consecutive same-key pairs, and over the pairs the world left alone, agreement and contradiction
    (a pair with an unanswered probe is neither)."""
    pairs = _pairs(probes)
    unchanged = [(a, b) for a, b in pairs if not b.changed_since_last]
    metrics = {"consistency.pairs": float(len(unchanged)),
               "consistency.changed_pairs": float(len(pairs) - len(unchanged))}
    if unchanged:
        both = [(a, b) for a, b in unchanged if a.id in answers and b.id in answers]
        same = sum(1 for a, b in both if answers[a.id] == answers[b.id])
        metrics["consistency.self_agreement"] = same / len(unchanged)
        metrics["consistency.contradiction_rate"] = (len(both) - same) / len(unchanged)
    return metrics


def measure(task: Task, steps: list[StepEvent]) -> Measures:
    probes = list(task.probes or [])
    if not probes:
        return Measures()
    reading = read_probes(task, steps)
    truthful = sum(1 for p in probes if reading.right.get(p.id, False))
    metrics = {
        "consistency.probes": float(len(probes)),
        "consistency.answered_rate": len(reading.answers) / len(probes),
        "consistency.truth_rate": truthful / len(probes),
        **_pair_metrics(probes, reading.answers),
    }
    exposed, stale = _staleness(probes, reading.answers, reading.truths)
    if exposed:
        metrics["consistency.after_change"] = float(exposed)
        metrics["consistency.stale_rate"] = stale / exposed
    return Measures(metrics)
