"""Cheating agents for graders' tests: each plays an honest agent's calls, then games the answer.

A grader that credits them more than the honest agent measures something other than the task; tests and benches
use them to show it does not.
"""

from __future__ import annotations

from typing import Any

from locogym.agents import Agent, make_agent
from locogym.core.types import ToolCall


class DumpingAgent(Agent):
    """Plays ``inner``'s calls, then submits every observation it saw, pasted together, instead of its answer."""

    name = "dump"

    def __init__(self, inner: str = "heuristic") -> None:
        super().__init__()
        self.inner = make_agent(inner)
        self.name = f"{inner}+dump"
        self.seen: list[str] = []

    def reset(self, task_info: dict[str, Any]) -> None:
        self.inner.reset(task_info)
        self.seen = []

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        self.seen.append(obs)
        action = self.inner.act(obs, info)
        if getattr(action, "name", None) == "submit":
            return ToolCall(name="submit", arguments={"answer": "\n".join(self.seen)})
        return action


__all__ = ["DumpingAgent"]
