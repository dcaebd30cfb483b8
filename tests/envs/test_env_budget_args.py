"""Budget arguments of gym.make: a limit that is zero, negative or not a number is a ConfigError at construction."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

from locogym.core.errors import ConfigError
from tests.fixture_family import FIXTURE_ID, register

register()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"max_steps": 0}, "max_steps=0 must be a positive integer. Fix: Pass e.g. max_steps="),
    ({"max_steps": -3}, "max_steps=-3 must be a positive integer"),
    ({"max_steps": True}, "max_steps=True must be a positive integer"),
    ({"max_context_tokens": 1.5}, "max_context_tokens=1.5 must be a positive integer"),
    ({"max_wall_time_s": 0}, "max_wall_time_s=0 must be a positive number"),
    ({"max_wall_time_s": "10"}, "max_wall_time_s='10' must be a positive number"),
])
def test_bad_budgets_are_refused(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        gym.make(FIXTURE_ID, sandbox="fake", **kwargs)
    assert words in str(caught.value)


def test_good_budgets_and_no_limit_are_kept() -> None:
    env = gym.make(FIXTURE_ID, sandbox="fake", max_steps=5, max_context_tokens=None, max_wall_time_s=2.5)
    try:
        assert env.unwrapped.budget.as_dict() == {"max_steps": 5, "max_context_tokens": None,  # type: ignore[attr-defined]
                                                  "max_wall_time_s": 2.5}
    finally:
        env.close()


@pytest.mark.parametrize("env_id", ["LoCo-FuncCall-v0", "LoCo-WikiHop-v0", FIXTURE_ID])
def test_a_misspelt_sandbox_is_refused_even_where_none_is_used(env_id: str) -> None:
    import locogym  # noqa: F401 - registers the environments

    with pytest.raises(ConfigError, match="Unknown sandbox backend 'dokcer'. Fix: Use one of: docker, bwrap"):
        gym.make(env_id, sandbox="dokcer")
