"""A reset that raises (bad options) leaves the env asking for a new reset, through gym.make's wrappers too."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments
from locogym.core.errors import ConfigError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CHEAP: list[tuple[str, dict[str, Any]]] = [
    ("LoCo-FuncCall-v0", {}),
    ("LoCo-WikiHop-v0", {}),
    ("LoCo-Repo-v0", {"sandbox": "fake"}),
]
SUBMIT = {"name": "submit", "arguments": {}}


@pytest.mark.parametrize(("env_id", "kwargs"), CHEAP, ids=[c[0] for c in CHEAP])
def test_a_failed_first_reset_then_a_good_one_steps_normally(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym.make(env_id, **kwargs)
    try:
        with pytest.raises(ConfigError, match="bogus"):
            env.reset(options={"bogus": 1})
        with pytest.raises(gym.error.ResetNeeded, match="reset"):
            env.step(SUBMIT)
        env.reset(seed=0)
        _, reward, terminated, truncated, _ = env.step(SUBMIT)  # Gymnasium's passive checker made this a TypeError
        assert terminated and not truncated and reward == 0.0
    finally:
        env.close()


@pytest.mark.parametrize(("env_id", "kwargs"), CHEAP, ids=[c[0] for c in CHEAP])
def test_a_failed_reset_forgets_the_previous_episode(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym.make(env_id, **kwargs)
    try:
        env.reset(seed=0)
        with pytest.raises(ConfigError, match="12q"):
            env.reset(seed=1, options={"length": "12q"})
        with pytest.raises(gym.error.ResetNeeded, match="reset"):
            env.step(SUBMIT)
    finally:
        env.close()


def test_options_that_are_not_a_dict_are_a_config_error() -> None:
    env = gym.make("LoCo-WikiHop-v0")
    try:
        with pytest.raises(ConfigError, match=r"must be a dict.*options=\{"):
            env.reset(options="32k")  # type: ignore[arg-type]
    finally:
        env.close()


@pytest.mark.parametrize(("env_id", "kwargs"), CHEAP, ids=[c[0] for c in CHEAP])
def test_a_closed_env_refuses_reset_and_step(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    env.close()
    env.close()  # closing twice is harmless
    with pytest.raises(gym.error.ClosedEnvironmentError, match="make a new env"):
        env.step(SUBMIT)
    with pytest.raises(gym.error.ClosedEnvironmentError, match="make a new env"):
        env.reset(seed=0)
