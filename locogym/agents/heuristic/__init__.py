"""The model-free ``heuristic`` agent: one rule-based policy per family, chosen from ``info["family"]``.

Each family module (``repo``, ``review``, ``wiki``, ``funccall``) defines ``Policy``, an :class:`~locogym.agents.base.Agent`
that searches and reads by rules. The heuristic is the baseline a model must beat to show it uses the context.
"""

from __future__ import annotations

import importlib
from typing import Any

from locogym.agents.base import Agent
from locogym.core.errors import ConfigError

_MODULES = {
    "repo": "locogym.agents.heuristic.repo",
    "repo_patch": "locogym.agents.heuristic.repo",
    "repo_review": "locogym.agents.heuristic.review",
    "wiki": "locogym.agents.heuristic.wiki",
    "funccall": "locogym.agents.heuristic.funccall",
}


class HeuristicAgent(Agent):
    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self._policy: Agent | None = None

    def reset(self, task_info: dict[str, Any]) -> None:
        family = task_info.get("family", "")
        if family not in _MODULES:
            raise ConfigError(f"The heuristic agent has no policy for family {family!r}.",
                              fix=f"Families with one: {', '.join(sorted(_MODULES))}.")
        self._policy = importlib.import_module(_MODULES[family]).Policy()
        self._policy.reset(task_info)

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        assert self._policy is not None, "reset() first"
        return self._policy.act(obs, info)
