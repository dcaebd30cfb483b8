"""Scripted episodes for the conformance suite: play chosen tool calls on a real environment, read the score.

Each test scripts an agent whose right behaviour values are known (a cascade of known length, a premature stop, a
redundant call) and asserts the exact metrics and labels the scorer gives. The script reads the task (gold
titles, oracle plan, probes) the way a cheating agent would, so every case is built on the real generator.
"""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym

import locogym  # noqa: F401 - registers the environments
from locogym.core.types import EpisodeScore, StepEvent, Task, ToolCall
from locogym.envs.base import LocoEnv


class Episode:
    """One environment episode driven call by call."""

    def __init__(self, env_id: str, seed: int = 0, options: dict[str, Any] | None = None, **make_kwargs: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the local sandbox warns that it does not isolate
            self.env = gym.make(env_id, **make_kwargs)
        base = self.env.unwrapped
        assert isinstance(base, LocoEnv)
        self.base = base
        self.obs, self.info = self.env.reset(seed=seed, options=options or {})
        self.done = False

    @property
    def task(self) -> Task:
        assert self.base.task is not None
        return self.base.task

    def call(self, name: str, **arguments: Any) -> StepEvent:
        """Play one tool call; returns its recorded step."""
        return self.act(ToolCall(name=name, arguments=arguments))

    def act(self, action: Any) -> StepEvent:
        assert not self.done, "the episode has ended"
        self.obs, _, terminated, truncated, self.info = self.env.step(action)
        self.done = terminated or truncated
        assert self.base.trajectory is not None
        return self.base.trajectory.steps[-1]

    def replay(self, calls: list[ToolCall]) -> list[StepEvent]:
        return [self.act(c) for c in calls]

    def plan(self, session: int | None = None) -> list[ToolCall]:
        """The oracle's calls (of one session for a multi-session task)."""
        if self.task.sessions:
            return list(self.task.sessions[self.base._session if session is None else session].oracle_plan)
        return list(self.task.oracle_plan)

    @property
    def score(self) -> EpisodeScore:
        assert self.done and self.base.trajectory is not None and self.base.trajectory.score is not None
        return self.base.trajectory.score

    @property
    def metrics(self) -> dict[str, float]:
        return self.score.metrics

    @property
    def labels(self) -> dict[str, str]:
        return self.score.labels

    def close(self) -> None:
        self.env.close()

    def __enter__(self) -> Episode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def behaviour(score: EpisodeScore, namespace: str) -> dict[str, float]:
    """The metrics of one behaviour namespace."""
    return {k: v for k, v in score.metrics.items() if k.startswith(namespace + ".")}
