"""Running one episode: an agent against an env, every step recorded as it happens."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym

from locogym.agents.base import Agent, BudgetExceeded, ContextOverflow
from locogym.agents.spend import SpendCapReached
from locogym.core.errors import ConfigError, ProviderError
from locogym.core.salt import seal_key
from locogym.core.types import ModelUsage, Trajectory, stable_hash
from locogym.envs.base import EpisodeListener, EpisodeMetadata, LocoEnv
from locogym.harness.provenance import default_episode_key
from locogym.harness.recorder import TrajectoryWriter


def reserve_path(path: Path) -> Path:
    """``path``, or when a file of that name exists, the first free ``NAME__runN.jsonl`` beside it; the name is
    created empty before it is returned, so two runs started together never pick the same one.

    Raises:
        OSError: the folder cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for number in range(1, 1_000_000):
        candidate = path if number == 1 else path.with_name(f"{path.stem}__run{number}{path.suffix}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return candidate
    raise OSError(f"No free trajectory name next to {path}; clear the folder.")


def trajectory_file_name(env_id: str, agent_name: str, agent_settings: dict[str, Any], seed: int | None,
                         options: dict[str, Any] | None) -> str:
    """A file name unique per (env, task, length, seed, agent settings), readable at a glance: runs at another
    length, task or setting never overwrite each other's trajectory."""
    options = options or {}
    parts = [env_id, agent_name, f"task-{options.get('task') or 'default'}",
             f"len-{options.get('length') or 'default'}", f"seed{seed}"]
    rest = {k: v for k, v in options.items() if k not in ("task", "length")}
    digest = stable_hash({"settings": agent_settings, "options": rest}, 8)
    safe = "__".join("".join(c if c.isalnum() or c in "-_.+" else "_" for c in str(p)) for p in parts)
    return f"{safe}__{digest}.jsonl"


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
    played. The header records ``episode_key`` (derived from the env, scenario and agent when not given) and
    whether the agent was privileged (handed the hidden task); the end line seals the file. An agent that runs
    out of budget ends the episode with ``truncated`` (``max_cost``; a run's spending cap adds a ``spend_cap``
    event, so the harness knows the episode was stopped, not played out); a prompt the provider says does not fit
    the model's window ends it with ``context_overflow``, scored 0 as the model's result at that length; a
    provider failure ends it with termination ``error`` and is never scored as the model's answer. Each of these
    is written to the trajectory as an event, and the tokens spent on requests that produced no action are added
    to the episode's usage.
    """
    base = unwrap(env)
    privileged = bool(agent.privileged)
    attached: list[EpisodeListener] = list(listeners or [])
    writer = None
    if trajectory_path is not None:
        writer = TrajectoryWriter(trajectory_path, header={"episode_key": episode_key, "agent_privileged": privileged},
                                  key=seal_key(base.salt_key))
        attached.append(writer)
    detach = base.attach(metadata=EpisodeMetadata(agent=agent.name, agent_settings=agent.settings,
                                                  episode_key=episode_key, privileged=privileged),
                         listeners=attached)
    try:
        obs, info = env.reset(seed=seed, options=options)
        assert base.trajectory is not None
        base.trajectory.episode_key = episode_key or default_episode_key(base.trajectory)
        task_info = dict(info)
        if privileged:
            task_info["task"] = base.task
        agent.reset(task_info)
        while True:
            try:
                action = agent.act(obs, info)
            except BudgetExceeded as exc:
                _record_agent_events(base, agent)
                kind = "spend_cap" if isinstance(exc, SpendCapReached) else "budget"
                _record_event(base, {"kind": kind, "message": exc.message})
                base.end_episode("max_cost")
                break
            except ContextOverflow as exc:
                _record_agent_events(base, agent)
                _record_event(base, {"kind": "context_overflow", "message": exc.message})
                base.end_episode("context_overflow")
                break
            except ProviderError as exc:
                _record_agent_events(base, agent)
                _record_event(base, {"kind": "provider_error", "error": type(exc).__name__, "message": exc.message,
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
        if writer is not None:
            base.trajectory.seal = writer.seal
        return base.trajectory
    finally:
        detach()
        for listener in attached:
            close = getattr(listener, "close", None)
            if callable(close):
                close()


def _record_agent_events(base: LocoEnv, agent: Agent) -> None:
    """Move agent-side events (context compactions, model requests) into the trajectory and the listeners.

    A ``model_usage`` event (tokens spent on requests that produced no action) is also added to the episode's
    usage, so every total includes what an episode that ended in an error spent.
    """
    assert base.trajectory is not None
    while agent.events:
        event = agent.events.pop(0)
        if event.get("kind") == "model_usage":
            base.trajectory.usage = base.trajectory.usage + ModelUsage.model_validate(event["usage"])
        _record_event(base, event)


def _record_event(base: LocoEnv, event: dict[str, Any]) -> None:
    """Record ``event``, stamped with the index of the step it precedes, through the env (trajectory and
    listeners)."""
    assert base.trajectory is not None
    base.record_event({**event, "step": len(base.trajectory.steps)})
