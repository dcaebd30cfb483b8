"""Per-episode scoring: the family's outcome first, then behaviour metrics computed from recorded events."""

from __future__ import annotations

from locogym.core.types import EpisodeScore, Trajectory


def score_episode(trajectory: Trajectory, outcome: EpisodeScore) -> EpisodeScore:
    """Combine the family's outcome with metrics computed from the trajectory's events alone."""
    steps = trajectory.steps
    invalid = sum(1 for s in steps if s.result.error is not None)
    metrics = {
        **outcome.metrics,
        "steps": float(len(steps)),
        "invalid_calls": float(invalid),
        "obs_tokens": float(sum(s.obs_tokens for s in steps)),
    }
    return outcome.model_copy(update={"metrics": metrics, "labels": dict(outcome.labels)})
