"""The ``abstain`` baseline: run the searches a request decides on, book nothing, claim "unavailable".

It is the floor of guessing: on a family whose requests are sometimes infeasible it scores exactly their share
(a proven "unavailable" on each, nothing elsewhere), and an agent that does no better has shown nothing. Each
family that has such requests names its policy beside its heuristic one: the class ``Abstain`` in the module of
the env's ``heuristic_policy`` (for LoCo-FuncCall-v0, :class:`locogym.agents.heuristic.funccall.Abstain`).
"""

from __future__ import annotations

from typing import Any

from locogym.agents.base import Agent
from locogym.agents.heuristic import load_policy
from locogym.core.errors import ConfigError

POLICY_CLASS = "Abstain"


def abstain_policy(heuristic_policy: Any, env_id: str) -> str:
    """The ``"module:Abstain"`` spec next to an env's heuristic policy.

    Raises:
        ConfigError: the env names no heuristic policy, so no module to find an abstain policy in.
    """
    if not isinstance(heuristic_policy, str) or ":" not in heuristic_policy:
        raise ConfigError(f"{env_id or 'This env'} declares no heuristic policy, so no abstain policy either.",
                          fix='Set heuristic_policy = "module:Class" and define class Abstain in that module.')
    return f"{heuristic_policy.partition(':')[0]}:{POLICY_CLASS}"


class AbstainAgent(Agent):
    name = "abstain"

    def __init__(self) -> None:
        super().__init__()
        self._policy: Agent | None = None

    def reset(self, task_info: dict[str, Any]) -> None:
        env_id = str(task_info.get("env_id", ""))
        self._policy = load_policy(abstain_policy(task_info.get("heuristic_policy"), env_id), env_id)
        self._policy.reset(task_info)

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        assert self._policy is not None, "reset() first"
        return self._policy.act(obs, info)
