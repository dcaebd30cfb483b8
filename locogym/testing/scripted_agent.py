"""An agent that plays a fixed list of actions, then submits with no answer: the model-free scripted agent.

Handy for testing an environment's grading and scoring on a chosen path without any model behind it::

    traj = locogym.run_episode(env, ScriptedAgent([ToolCall(name="read_file", arguments={"path": "a.py"})]))
"""

from __future__ import annotations

from typing import Any

from locogym.agents.base import Agent
from locogym.core.types import ToolCall


class ScriptedAgent(Agent):
    """Returns ``actions`` one per step (any shape the env accepts); after the last, ``submit`` with no answer."""

    name = "scripted"

    def __init__(self, actions: list[Any]) -> None:
        super().__init__()
        self.actions = list(actions)

    def reset(self, task_info: dict[str, Any]) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        return self.actions.pop(0) if self.actions else ToolCall(name="submit", arguments={})
