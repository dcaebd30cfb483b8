"""Thousands of random and malformed actions: no exception escapes, every one is recorded with an ErrorKind."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locogym.core.types import ErrorKind, dumps
from tests.fixture_family import FIXTURE_ID, register

register()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
tool_names = st.sampled_from(["read_file", "list_files", "submit", "nope", "", "read_file\x00"]) | st.text(max_size=30)
call_dicts = st.fixed_dictionaries({"name": tool_names, "arguments": json_values | st.text(max_size=40)})
actions = st.one_of(
    json_values,
    call_dicts,
    call_dicts.map(lambda d: json.dumps(d, default=str)),
    st.binary(max_size=200),
    st.text(max_size=300),
    st.builds(lambda c, n: c * n, st.sampled_from(["{", "[", '"', "a", "\u00e9"]), st.integers(10_000, 2_000_000)),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 5000)),
    st.builds(lambda n: {"name": "read_file", "arguments": {"path": "a/" * n}}, st.integers(1, 3000)),
)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(actions)
def test_no_action_escapes(action: object) -> None:
    env = _ENV
    if env.unwrapped._done:  # type: ignore[attr-defined]
        env.reset(seed=0)
    before = len(env.unwrapped.trajectory.steps)  # type: ignore[attr-defined]
    obs, reward, terminated, truncated, info = env.step(action)
    assert isinstance(obs, str)
    steps = env.unwrapped.trajectory.steps  # type: ignore[attr-defined]
    assert len(steps) == before + 1
    step = steps[-1]
    dumps(step)  # the raw action is always recordable
    if step.call is None:
        assert step.result.error is ErrorKind.parse
    if step.result.error is not None:
        assert obs.startswith(f"[error: {step.result.error.value}]")
    if terminated or truncated:
        env.reset(seed=0)


_ENV = gym.make(FIXTURE_ID, max_steps=10_000)
_ENV.reset(seed=0)
