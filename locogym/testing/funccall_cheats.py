"""Agents that guess "unavailable" on LoCo-FuncCall-v0 from what the prompt shows, for graders' tests and benches.

Each reads a feature off the request (a budget cap, a time slot, a template's wording) and, where it is present,
plays the ``abstain`` baseline (the deciding search, then "unavailable"); elsewhere it plays the ``heuristic`` or
gives up at once. When no feature of the prompt predicts infeasibility, none of them beats its parts: the
guessed tasks earn at most the infeasible share, as ``abstain`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from locogym.agents import Agent, make_agent

Feature = Callable[[str], bool]
FEATURES: dict[str, Feature] = {
    "budget_cap": lambda prompt: re.search(r"at most \d+ EUR|must not exceed \d+ EUR", prompt) is not None,
    "time_slot": lambda prompt: re.search(r"between .+? and .+?(?: local time|and still)", prompt) is not None,
    "booking": lambda prompt: "do not book" not in prompt,
    "reservation": lambda prompt: "reservation" in prompt,
    "trip": lambda prompt: "flies" in prompt or "Plan a trip" in prompt,
}


class GuessingAgent(Agent):
    """Abstains where ``feature`` holds for the prompt, plays ``otherwise`` (an agent name) everywhere else."""

    def __init__(self, feature: str, otherwise: str = "heuristic") -> None:
        super().__init__()
        self.feature, self.otherwise = feature, otherwise
        self.name = f"guess_{feature}+{otherwise}"
        self._inner: Agent | None = None
        self._task_info: dict[str, Any] = {}

    def reset(self, task_info: dict[str, Any]) -> None:
        self._task_info, self._inner = task_info, None

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        if self._inner is None:
            self._inner = make_agent("abstain" if FEATURES[self.feature](obs) else self.otherwise)
            self._inner.reset(self._task_info)
        return self._inner.act(obs, info)


__all__ = ["FEATURES", "GuessingAgent"]
