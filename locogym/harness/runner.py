"""Running one episode: an agent against an env, every step recorded as it happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym

from locogym.agents.base import Agent, BudgetExceeded
from locogym.core.errors import ConfigError, ProviderError
from locogym.core.types import Trajectory
from locogym.envs.base import EpisodeListener, EpisodeMetadata, LocoEnv
from locogym.harness.recorder import TrajectoryWriter


def unwrap(env: gym.Env[Any, Any]) -> LocoEnv:
    base = env.unwrapped
    if not isinstance(base, LocoEnv):
        raise ConfigError(f"{type(base).__name__} is not a locogym environment.",
                          fix='Create it with gym.make("LoCo-...-v0") after `import locogym`.')
    return base


def run_episode(env: gym.Env[Any, Any], agent: Agent, seed: int | None = None,
                options: dict[str, Any] | None = None, trajectory_path: str | Path | None = None,
                episode_key: str = "", listeners: list[EpisodeListener] | None = None) -> Trajectory:
    """Play one episode and return its trajectory (scored).

    With ``trajectory_path`` every step is appended to that file as it happens, so a crash loses nothing already
    played. An agent that runs out of budget ends the episode with ``truncated`` (``max_cost``); a provider
    failure ends it with termination ``error`` and is never scored as the model's answer.
    """
    base = unwrap(env)
    attached: list[EpisodeListener] = list(listeners or [])
    if trajectory_path is not None:
        attached.append(TrajectoryWriter(trajectory_path))
    detach = base.attach(metadata=EpisodeMetadata(agent=agent.name, agent_settings=agent.settings,
                                                  episode_key=episode_key), listeners=attached)
    try:
        obs, info = env.reset(seed=seed, options=options)
        task_info = dict(info)
        if agent.privileged:
            task_info["task"] = base.task
        agent.reset(task_info)
        while True:
            try:
                action = agent.act(obs, info)
            except BudgetExceeded as exc:
                _record_agent_events(base, agent)
                base.record_event({"kind": "budget", "message": exc.message})
                base.end_episode("max_cost")
                break
            except ProviderError as exc:
                _record_agent_events(base, agent)
                base.record_event({"kind": "provider_error", "error": type(exc).__name__, "message": exc.message,
                                   "fix": exc.fix})
                base.end_episode("error")
                break
            _record_agent_events(base, agent)
            base.report_usage(agent.last_usage)
            agent.last_usage = None
            obs, _reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        assert base.trajectory is not None
        return base.trajectory
    finally:
        detach()
        for listener in attached:
            close = getattr(listener, "close", None)
            if callable(close):
                close()


def _record_agent_events(base: LocoEnv, agent: Agent) -> None:
    """Move agent-side events (context compactions) into the trajectory and the listeners."""
    assert base.trajectory is not None
    while agent.events:
        event = agent.events.pop(0)
        base.record_event({**event, "step": len(base.trajectory.steps)})
