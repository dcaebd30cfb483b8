"""Helpers for the LoCo-FuncCall-v0 tests: play scripted calls and read the step verdicts."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import orjson

import locogym  # noqa: F401 - registers the environments
from locogym.core.tokens import parse_length
from locogym.core.types import ScenarioConfig, ToolCall, Trajectory
from locogym.envs.funccall import FuncCallEnv
from locogym.scenarios.funccall.generator import core_config, first_draws

ENV_ID = "LoCo-FuncCall-v0"


def make(**kwargs: Any) -> FuncCallEnv:
    env = gym.make(ENV_ID, **kwargs).unwrapped
    assert isinstance(env, FuncCallEnv)
    return env


def play(env: FuncCallEnv, calls: list[Any]) -> Trajectory:
    """Send the actions in order (stopping when the episode ends) and return the scored trajectory."""
    for action in calls:
        _obs, _reward, terminated, truncated, _info = env.step(action)
        if terminated or truncated:
            break
    assert env.trajectory is not None
    if env.trajectory.score is None:
        env.end_episode("max_steps")
    return env.trajectory


def seed_for(env: FuncCallEnv, template: str, infeasible: bool = False, length: str = "4k") -> int:
    """The first seed whose task uses ``template`` with the given feasibility (infeasible requests are rare: the
    core's first draws, which cost nothing, pick the candidates; the task generated confirms each)."""
    for seed in range(2000):
        config = ScenarioConfig(family="funccall", seed=seed, length=parse_length(length), task=template)
        if first_draws(core_config(config))[2] != infeasible:
            continue
        env.reset(seed=seed, options={"length": length, "task": template})
        assert env.task is not None
        if env.task.gold["infeasible"] == infeasible:
            return seed
    raise AssertionError(f"no {template} task with infeasible={infeasible} in 2000 seeds")


def plan(env: FuncCallEnv) -> list[ToolCall]:
    assert env.task is not None
    return [c.model_copy(deep=True) for c in env.task.oracle_plan]


def last_body(env: FuncCallEnv) -> Any:
    """The JSON body of the last step's observation (a tool's response, or the submit's verdict)."""
    return orjson.loads(env.trajectory.steps[-1].result.output)
