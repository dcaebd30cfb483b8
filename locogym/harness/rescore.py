"""``locogym score RUN_DIR``: re-score every recorded trajectory and check it gives the recorded numbers.

The scoring package's :func:`~locogym.scoring.rescore` keeps the family's recorded outcome and recomputes every
behaviour metric from the steps alone; a run recorded by this release must come back identical. A difference
means the trajectory and ``episodes.jsonl`` disagree (a damaged file, or a scorer that is not deterministic).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locogym.core.errors import LocoError
from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.report.data import load_run


@dataclass
class RescoreCheck:
    checked: int = 0
    skipped: int = 0  # done episodes whose trajectory file is missing
    problems: list[str] = field(default_factory=list)
    by_agent: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[str, EpisodeScore] = field(default_factory=dict)  # key -> the re-computed score


def rescore_run(run_dir: str | Path, tolerance: float = 1e-9) -> RescoreCheck:
    """Re-score the run's finished episodes; list every episode whose numbers differ from the recorded ones."""
    from locogym.scoring import rescore

    run = load_run(run_dir)
    check = RescoreCheck()
    sums: dict[str, dict[str, Any]] = defaultdict(lambda: {"episodes": 0, "recorded": 0.0, "rescored": 0.0,
                                                           "differing": 0})
    for result in run.done:
        path = run.path / result.trajectory_path if result.trajectory_path else None
        if path is None or not path.exists():
            check.skipped += 1
            continue
        try:
            new = rescore(path)
        except LocoError as exc:
            check.problems.append(f"{result.key} ({result.agent}, {result.env}): {exc}")
            continue
        check.checked += 1
        check.scores[result.key] = new
        row = sums[result.agent]
        row["episodes"] += 1
        assert result.score is not None
        row["recorded"] += result.score.success
        row["rescored"] += new.success
        differences = compare(result, new, tolerance)
        if differences:
            row["differing"] += 1
            check.problems.append(f"{result.key} ({result.agent}, {result.env}): " + "; ".join(differences[:5]))
    for agent, row in sums.items():
        n = max(1, row["episodes"])
        check.by_agent[agent] = {**row, "recorded": row["recorded"] / n, "rescored": row["rescored"] / n}
    return check


def compare(result: EpisodeResult, new: EpisodeScore, tolerance: float) -> list[str]:
    """Human-readable differences between the recorded score and the re-computed one."""
    old = result.score
    assert old is not None
    out = []
    if not math.isclose(old.success, new.success, abs_tol=tolerance):
        out.append(f"success {old.success} → {new.success}")
    if old.outcome != new.outcome:
        out.append(f"outcome {old.outcome!r} → {new.outcome!r}")
    for key in sorted(set(old.metrics) | set(new.metrics)):
        a, b = old.metrics.get(key), new.metrics.get(key)
        if a is None or b is None or not math.isclose(a, b, abs_tol=tolerance):
            out.append(f"{key} {a} → {b}")
    for key in sorted(set(old.labels) | set(new.labels)):
        if old.labels.get(key) != new.labels.get(key):
            out.append(f"label {key} {old.labels.get(key)!r} → {new.labels.get(key)!r}")
    return out
