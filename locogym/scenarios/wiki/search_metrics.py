"""How a search agent worked, beyond its final answer: evidence recall, citations, searches, confidence.

These follow the per-answer measures of BrowseComp-Plus, computed from the recorded steps alone:

* ``wiki.evidence_recall`` — the share of gold articles that reached the agent at all: in a haystack it read,
  among a search's results, in the candidates of a shared title, or opened. (``gold_seen_fraction`` counts only
  articles read in full.)
* ``wiki.citation_precision`` — of the distinct articles the answer cites, the share that are gold; only when
  the answer cites something, since citing is optional. Citing every title is cited at its true precision.
* ``wiki.citation_recall`` — the share of gold articles the answer cites (0 when it cites none).
* ``wiki.citations`` — how many distinct articles it cites; ``wiki.searches`` — retrieval calls (``search`` and
  ``refine``) that ran.
* ``wiki.confidence`` and ``wiki.brier`` — the stated confidence that the answer is right and its squared error
  against the outcome (1 for correct, 0 otherwise), when an answer came with a confidence. The mean of
  ``wiki.brier`` over episodes is the Brier score; :mod:`locogym.scoring.calibration` adds the calibration error.
"""

from __future__ import annotations

from typing import Any

from locogym.core.types import Task, Trajectory
from locogym.scenarios.wiki.gold import WikiGold

RETRIEVAL_TOOLS = ("search", "refine")


def gold_shown(task: Task, trajectory: Trajectory) -> set[str]:
    """Gold titles any observation showed the agent (whole, or as a search result or a candidate)."""
    gold = set(task.gold_as(WikiGold).titles)
    shown = set(task.meta.get("haystack", {}).get("gold_positions", {}))
    for step in trajectory.steps:
        if step.result.error is not None:
            continue
        data = step.result.data
        titles: list[Any] = [*data.get("results", []), *data.get("candidates", []), data.get("opened")]
        titles += list(data.get("haystack", {}).get("gold_positions", {}))
        shown.update(t for t in titles if isinstance(t, str))
    return shown & gold


def search_metrics(task: Task, trajectory: Trajectory, correct: bool, answered: bool) -> dict[str, float]:
    """The metrics above for one episode (``answered``: a well-formed answer was submitted)."""
    gold = set(task.gold_as(WikiGold).titles)
    metrics: dict[str, float] = {
        "wiki.evidence_recall": len(gold_shown(task, trajectory)) / len(gold) if gold else 1.0,
        "wiki.searches": float(sum(1 for s in trajectory.steps if s.call is not None
                                   and s.call.name in RETRIEVAL_TOOLS and s.result.error is None)),
    }
    submit = next((s.result.data for s in reversed(trajectory.steps) if s.result.data.get("submitted")), {})
    cited = list(submit.get("cited") or [])
    cited_gold = set(submit.get("cited_gold") or []) & gold
    metrics["wiki.citations"] = float(len(cited))
    metrics["wiki.citation_recall"] = len(cited_gold) / len(gold) if gold else 0.0
    if cited:
        metrics["wiki.citation_precision"] = len(cited_gold) / len(cited)
    confidence = submit.get("confidence")
    if answered and isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
        metrics["wiki.confidence"] = float(confidence)
        metrics["wiki.brier"] = (float(confidence) - (1.0 if correct else 0.0)) ** 2
    return metrics
