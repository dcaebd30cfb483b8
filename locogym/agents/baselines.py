"""Baselines that set every leaderboard's floor and ceiling, with no model behind them.

* ``noop`` submits at once with no answer: every metric's floor.
* ``random`` samples the env's action space (valid and malformed calls alike) until it happens to submit.
* ``oracle`` replays the task's ``oracle_plan`` (per session for multi-session tasks): the ceiling.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

import numpy as np

from locogym.agents.base import Agent
from locogym.core.fuzz import sample_action
from locogym.core.types import Task, ToolCall, ToolSpec


class NoopAgent(Agent):
    name = "noop"

    def reset(self, task_info: dict[str, Any]) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        return ToolCall(name="submit", arguments={})


class RandomAgent(Agent):
    """Samples the action space; seeded from the task id and its own seed, so runs repeat exactly."""

    name = "random"

    def __init__(self, seed: int = 0, invalid_rate: float = 0.3) -> None:
        super().__init__()
        self.seed = seed
        self.invalid_rate = invalid_rate
        self._specs: list[ToolSpec] = []
        self._rng: np.random.Generator | None = None

    @property
    def settings(self) -> dict[str, Any]:
        return {"seed": self.seed, "invalid_rate": self.invalid_rate}

    def reset(self, task_info: dict[str, Any]) -> None:
        self._specs = [ToolSpec.model_validate(t) for t in task_info["tools"]]
        digest = hashlib.sha256(f"{task_info.get('content_hash', '')}:{self.seed}".encode()).digest()
        self._rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))

    def act(self, obs: str, info: dict[str, Any]) -> str:
        assert self._rng is not None, "reset() first"
        return sample_action(self._specs, self._rng, self.invalid_rate)


class OracleAgent(Agent):
    """Replays the shortest known solution. Scores 1.0 on every generated task, by construction of the tasks."""

    name = "oracle"
    privileged: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self._plans: list[list[ToolCall]] = []
        self._session = 0
        self._cursor = 0

    def reset(self, task_info: dict[str, Any]) -> None:
        task: Task = task_info["task"]
        self._plans = [s.oracle_plan for s in task.sessions] if task.sessions else [task.oracle_plan]
        self._session = 0
        self._cursor = 0

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        session = int(info.get("session", 0))
        if session != self._session:
            self._session, self._cursor = session, 0
        plan = self._plans[session] if session < len(self._plans) else []
        if self._cursor >= len(plan):
            return ToolCall(name="submit", arguments={})
        call = plan[self._cursor]
        self._cursor += 1
        return call.model_copy(deep=True)
