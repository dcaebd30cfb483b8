"""locogym: an agentic long-context evaluation gym.

    import gymnasium as gym, locogym
    env = gym.make("LoCo-Repo-v0", sandbox="auto")
    agent = locogym.make_agent("oracle")
    traj = locogym.run_episode(env, agent, seed=0, options={"length": "32k"})
    traj.score.success, traj.score.metrics
"""

from __future__ import annotations

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
from locogym.core.version import package_version
from locogym.envs import LocoEnv, env_ids, register_family
from locogym.harness.recorder import read_trajectory
from locogym.harness.replay import replay
from locogym.harness.runner import run_episode
from locogym.sandboxes.base import Sandbox, make_sandbox

__version__ = package_version()

__all__ = [
    "Agent", "ConfigError", "DataError", "EpisodeScore", "ErrorKind", "Evidence", "LocoEnv",
    "LocoError", "ModelUsage", "ProviderError", "Sandbox", "SandboxError", "SandboxTimeout", "SandboxUnavailable",
    "ScenarioConfig", "StepEvent", "Task", "ToolCall", "ToolResult", "ToolSpec", "Trajectory", "__version__",
    "env_ids", "make_agent", "make_sandbox", "read_trajectory", "register_family", "replay", "run_episode",
]
