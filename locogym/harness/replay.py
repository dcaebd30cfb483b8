"""Replaying a recorded episode: the same task, the same actions, and a check that every observation matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from locogym.core.errors import ConfigError, ReplayMismatch
from locogym.core.types import Trajectory
from locogym.harness.recorder import read_trajectory


@dataclass
class ReplayReport:
    steps: int
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    content_hash_matches: bool = True
    success_recorded: float | None = None
    success_replayed: float | None = None

    @property
    def ok(self) -> bool:
        return self.content_hash_matches and not self.mismatches


def replay(trajectory: Trajectory | str | Path, sandbox: str | None = None, strict: bool = False) -> ReplayReport:
    """Re-run the recorded actions on a fresh env and compare observations step by step.

    The env is made with the recorded scenario's family parameters; ``sandbox`` overrides the backend.
    With ``strict`` a mismatch raises :class:`ReplayMismatch` instead of being listed.
    """
    import locogym.envs  # noqa: F401 - registers the environments

    traj = trajectory if isinstance(trajectory, Trajectory) else read_trajectory(trajectory)
    config = traj.scenario
    try:
        entry_point = gym.spec(traj.env_id).entry_point
        env_class = (gym.envs.registration.load_env_creator(entry_point) if isinstance(entry_point, str)
                     else entry_point)
    except gym.error.Error as exc:
        raise ConfigError(f"Cannot find {traj.env_id!r} to replay: {exc}",
                          fix="Install the locogym version that recorded it.") from exc
    reset_option_names: frozenset[str] = getattr(env_class, "option_names", frozenset())
    kwargs: dict[str, Any] = {k: v for k, v in config.params.items() if k not in reset_option_names}
    if sandbox is not None or traj.sandbox is not None:
        kwargs["sandbox"] = sandbox or traj.sandbox
    env = gym.make(traj.env_id, **kwargs)
    report = ReplayReport(steps=len(traj.steps), success_recorded=traj.score.success if traj.score else None)
    try:
        options = {"length": config.length, "difficulty": config.difficulty,
                   **{k: v for k, v in config.params.items() if k in reset_option_names}}
        if config.task is not None:
            options["task"] = config.task
        _obs, info = env.reset(seed=config.seed, options=options)
        recorded_hash = traj.task.content_hash if traj.task else None
        report.content_hash_matches = recorded_hash is None or info["content_hash"] == recorded_hash
        for step in traj.steps:
            obs, reward, terminated, truncated, info = env.step(step.action_raw if step.call is None else step.call)
            recorded = step.result.output
            replayed = env.unwrapped.trajectory.steps[-1].result.output  # type: ignore[attr-defined]
            if replayed != recorded:
                mismatch = {"step": step.index, "recorded": recorded[:500], "replayed": replayed[:500]}
                if strict:
                    raise ReplayMismatch(f"Step {step.index}: the observation differs from the recording.",
                                         fix="The environment or its data changed since the recording.")
                report.mismatches.append(mismatch)
            if terminated or truncated:
                report.success_replayed = float(reward)
                break
    finally:
        env.close()
    return report
