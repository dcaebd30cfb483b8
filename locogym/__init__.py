"""locogym: an agentic long-context evaluation gym.

    import gymnasium as gym, locogym
    env = gym.make("LoCo-Repo-v0", sandbox="auto")
    agent = locogym.make_agent("oracle")
    traj = locogym.run_episode(env, agent, seed=0, options={"length": "32k"})
    traj.score.success, traj.score.metrics
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import locogym.envs.registry  # noqa: F401 - registers the built-in environments with Gymnasium, by name

if TYPE_CHECKING:
    from locogym.agents import Agent, make_agent
    from locogym.core.errors import (
        ConfigError,
        DataError,
        LocoError,
        ProviderError,
        SandboxError,
        SandboxTimeout,
        SandboxUnavailable,
    )
    from locogym.core.types import (
        EpisodeScore,
        ErrorKind,
        Evidence,
        ModelUsage,
        ScenarioConfig,
        StepEvent,
        Task,
        ToolCall,
        ToolResult,
        ToolSpec,
        Trajectory,
    )
    from locogym.envs import LocoEnv, env_ids, register_family
    from locogym.harness.recorder import read_trajectory
    from locogym.harness.replay import replay
    from locogym.harness.runner import run_episode
    from locogym.sandboxes.base import Sandbox, make_sandbox

# Each public name and the module that defines it. They load on first use: ``import locogym`` (which every
# ``locogym.*`` import runs first, the command line included) then costs Gymnasium and the registry only, so a
# command that fails early, such as one missing an API key, says so at once.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["Agent", "make_agent"], "locogym.agents"),
    **dict.fromkeys(["ConfigError", "DataError", "LocoError", "ProviderError", "SandboxError", "SandboxTimeout",
                     "SandboxUnavailable"], "locogym.core.errors"),
    **dict.fromkeys(["EpisodeScore", "ErrorKind", "Evidence", "ModelUsage", "ScenarioConfig", "StepEvent", "Task",
                     "ToolCall", "ToolResult", "ToolSpec", "Trajectory"], "locogym.core.types"),
    **dict.fromkeys(["LocoEnv", "env_ids", "register_family"], "locogym.envs"),
    "read_trajectory": "locogym.harness.recorder",
    "replay": "locogym.harness.replay",
    "run_episode": "locogym.harness.runner",
    **dict.fromkeys(["Sandbox", "make_sandbox"], "locogym.sandboxes.base"),
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from locogym.core.version import package_version

        return package_version()
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Agent", "ConfigError", "DataError", "EpisodeScore", "ErrorKind", "Evidence", "LocoEnv",
    "LocoError", "ModelUsage", "ProviderError", "Sandbox", "SandboxError", "SandboxTimeout", "SandboxUnavailable",
    "ScenarioConfig", "StepEvent", "Task", "ToolCall", "ToolResult", "ToolSpec", "Trajectory", "__version__",
    "env_ids", "make_agent", "make_sandbox", "read_trajectory", "register_family", "replay", "run_episode",
]
