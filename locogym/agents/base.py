"""The agent protocol: ``reset(task_info)``, ``act(obs, info) -> action``, and ``usage``.

An agent sees what a model would see: the observation text and ``info`` (tools, budgets, session). Only a
*privileged* agent (the oracle) is also handed the :class:`~locogym.core.types.Task` in ``task_info["task"]``.
On ``info["new_session"]`` an agent drops its context; files in the workspace and the notes tool persist.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from locogym.core.errors import LocoError
from locogym.core.types import ModelUsage


class BudgetExceeded(LocoError):
    """Raised by an agent whose token or cost budget ran out; the runner ends the episode with ``truncated``."""


class ContextOverflow(LocoError):
    """The provider refused a request because the prompt does not fit the model's context window.

    This is the model's result at that length, not an infrastructure failure: the runner ends the episode with
    termination ``context_overflow``, which is scored 0 and never retried.
    """


class Agent(ABC):
    """Base class of agents. ``last_usage`` is the model usage behind the most recent action (or None)."""

    name: str = "agent"
    privileged: ClassVar[bool] = False

    def __init__(self) -> None:
        self.usage = ModelUsage()
        self.last_usage: ModelUsage | None = None
        self.events: list[dict[str, Any]] = []  # agent-side events (context compactions), drained by the runner

    @property
    def settings(self) -> dict[str, Any]:
        """What determines the agent's behaviour; part of the episode key and recorded in the trajectory."""
        return {}

    @abstractmethod
    def reset(self, task_info: dict[str, Any]) -> None:
        """Start a new episode. ``task_info`` is the env's reset ``info`` (plus ``task`` for privileged agents)."""

    @abstractmethod
    def act(self, obs: str, info: dict[str, Any]) -> Any:
        """Return the next action (a ToolCall or any shape the env accepts)."""
