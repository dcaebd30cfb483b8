"""The model-free ``heuristic`` agent: the rule-based policy each family names in ``info["heuristic_policy"]``.

A family declares its policy as ``"module:Class"`` (an :class:`~locogym.agents.base.Agent` that searches and reads
by rules; the built-in ones are ``repo``, ``review``, ``wiki`` and ``funccall`` here). The heuristic is the
baseline a model must beat to show it uses the context.
"""

from __future__ import annotations

import importlib
from typing import Any

from locogym.agents.base import Agent
from locogym.core.errors import ConfigError


class HeuristicAgent(Agent):
    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self._policy: Agent | None = None

    def reset(self, task_info: dict[str, Any]) -> None:
        self._policy = load_policy(task_info.get("heuristic_policy"), str(task_info.get("env_id", "")))
        self._policy.reset(task_info)

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        assert self._policy is not None, "reset() first"
        return self._policy.act(obs, info)


def load_policy(spec: Any, env_id: str) -> Agent:
    """Build the policy an env names as ``"module:Class"``.

    Raises:
        ConfigError: the env names no policy, or the name cannot be imported or is not an Agent.
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise ConfigError(f"{env_id or 'This env'} declares no heuristic policy.",
                          fix='Set heuristic_policy = "module:Class" on the env class (an Agent subclass).')
    module_name, _, attr = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"The heuristic policy {spec!r} of {env_id} cannot be loaded: {exc}.",
                          fix="Point heuristic_policy at an importable Agent subclass.") from None
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise ConfigError(f"The heuristic policy {spec!r} of {env_id} is not an Agent subclass.",
                          fix="Subclass locogym.Agent and implement reset and act.")
    return cls()
