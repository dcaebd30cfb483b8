"""Per-episode scoring: the family's outcome first, then four behaviours computed from recorded events alone.

:func:`score_episode` is what every environment calls when an episode ends; :func:`rescore` recomputes the
behaviour part of a recorded episode with this release's rules while keeping the outcome the family recorded.
Both read only the trajectory (its task, steps, termination) — never the live environment — and treat every
family the same way. The metrics are documented in :mod:`~locogym.scoring.cascade`,
:mod:`~locogym.scoring.stopping`, :mod:`~locogym.scoring.efficiency` and :mod:`~locogym.scoring.consistency`;
cross-episode statistics are in :mod:`~locogym.scoring.aggregate`.
"""

from __future__ import annotations

from pathlib import Path

from locogym.core.errors import DataError
from locogym.core.trajectory_file import read_trajectory
from locogym.core.types import EpisodeScore, Trajectory
from locogym.scoring import cascade, consistency, efficiency, stopping
from locogym.scoring.common import BEHAVIOURS, PASS_THRESHOLD, Measures, is_behaviour_key, split_outcome


def behaviour(trajectory: Trajectory, success: float) -> Measures:
    """The four behaviours of one episode, given the family's success value."""
    task = trajectory.task
    if task is None:
        raise DataError("The trajectory carries no task, so its behaviour cannot be scored.", field="task",
                        fix="Score trajectories written by locogym's recorder (its header holds the task).")
    steps = trajectory.steps
    submitted = trajectory.termination == "submitted"
    stop = stopping.measure(task, steps, submitted, success)
    return (cascade.measure(task, steps, submitted, success)
            .merge(stop)
            .merge(efficiency.measure(task, steps, success, stop.labels["stop"]))
            .merge(consistency.measure(task, steps)))


def score_episode(trajectory: Trajectory, outcome: EpisodeScore) -> EpisodeScore:
    """Combine the family's outcome with behaviour metrics computed from the trajectory's events alone.

    ``outcome`` is the family's verdict (``success``, ``outcome`` label and any family metrics). Its metric and
    label names must stay out of the behaviour namespaces (``cascade``, ``stop``, ``efficiency``,
    ``consistency``) so that :func:`rescore` can tell the two apart later.

    Raises:
        ValueError: the family used a behaviour namespace for one of its own metrics or labels.
        DataError: the trajectory has no task, or the task's ``meta["stop_slack"]`` is not a whole number.
    """
    clashes = sorted(k for k in (*outcome.metrics, *outcome.labels) if is_behaviour_key(k))
    if clashes:
        raise ValueError(f"The family's outcome uses reserved behaviour names {clashes}; rename them "
                         f"(the namespaces {', '.join(BEHAVIOURS)} belong to locogym.scoring).")
    if trajectory.termination == "context_overflow":  # the model could not take the prompt: its result, 0
        outcome = outcome.model_copy(update={"success": 0.0, "outcome": "context_overflow"})
    measured = behaviour(trajectory, outcome.success)
    return outcome.model_copy(update={"metrics": {**outcome.metrics, **measured.metrics},
                                      "labels": {**outcome.labels, **measured.labels}})


def rescore(trajectory: Trajectory | str | Path) -> EpisodeScore:
    """Re-score a recorded episode: keep the family's recorded outcome, recompute every behaviour metric.

    ``trajectory`` is a :class:`~locogym.core.types.Trajectory` or the path of a trajectory file written by the
    recorder (``RUN_DIR/trajectories/*.jsonl``). The outcome part of the recorded score (``success``, the
    ``outcome`` label and the family's own metrics and labels) is kept exactly as recorded, because the
    family's oracle (hidden tests, the booking world) is not part of the trajectory. Everything in the behaviour
    namespaces is dropped and recomputed from the recorded steps with this release's rules, so re-scoring a run
    recorded by the same release gives the same numbers, and a later release can re-score an old run.

    Returns the new :class:`~locogym.core.types.EpisodeScore`; the trajectory is not modified.

    Raises:
        DataError: the file cannot be read, the episode never ended (no recorded score: nothing to keep — re-run
            it), or the trajectory has no task.
    """
    if not isinstance(trajectory, Trajectory):
        trajectory = read_trajectory(trajectory)
    recorded = trajectory.score
    if recorded is None:
        raise DataError(f"Episode {trajectory.episode_key or '(no key)'} has no recorded score "
                        f"(termination {trajectory.termination!r}): it never ended, so there is no outcome to keep.",
                        field="score", fix="Run the episode again (a tournament resumes unfinished episodes).")
    outcome = EpisodeScore(success=recorded.success, outcome=recorded.outcome,
                           metrics=split_outcome(recorded.metrics), labels=split_outcome(recorded.labels))
    return score_episode(trajectory, outcome)


__all__ = ["BEHAVIOURS", "PASS_THRESHOLD", "behaviour", "is_behaviour_key", "rescore", "score_episode"]
