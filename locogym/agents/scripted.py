"""Agents whose episode is a script: a generator that yields tool calls and is sent each observation back.

The model-free baselines (the heuristic policies, ``grep``, ``abstain``) read a task the same way: a session's first
observation starts a script, every later observation goes into it, and when the script ends the agent makes its
last call (a submit). Only what the script does, and what that last call carries, differ between them.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Generator
from typing import Any

from locogym.agents.base import Agent
from locogym.core.types import ToolCall

Step = Generator[ToolCall, str, Any]


class ScriptedAgent(Agent):
    """Runs :meth:`script` per session and ends with :meth:`finish`; subclasses write only those two.

    ``restart_per_session``: a multi-session task's new session starts a new script (the default); families
    without sessions may keep one script for the whole episode.
    """

    restart_per_session = True

    def __init__(self) -> None:
        super().__init__()
        self._script: Step | None = None

    def reset(self, task_info: dict[str, Any]) -> None:
        self._script = None

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        try:
            if self._script is None or (self.restart_per_session and info.get("new_session")):
                self._script = self.script(obs)
                return next(self._script)
            return self._script.send(obs)
        except StopIteration as stop:
            self._script = None
            return self.finish(stop.value)

    @abstractmethod
    def script(self, obs: str) -> Step:
        """The calls of one session, from its first observation."""

    def finish(self, value: Any) -> ToolCall:
        """The last call once the script has ended (``value``: what it returned); a bare submit by default."""
        return ToolCall(name="submit", arguments={})
