"""What check_family does not cover: info fields, render, vector envs under the async backend.

Gymnasium's check_env and cross-process determinism run for every family in test_check_family.py.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from tests.fixture_family import FIXTURE_ID, register

register()
ALL_IDS = list(locogym.env_ids())
assert FIXTURE_ID in ALL_IDS
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _sandbox(env_id: str) -> str:
    # Families whose tasks run a project's tests need a sandbox that executes commands.
    return "local" if locogym.envs.env_class(env_id).executes_commands else "fake"


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ALL_IDS)
def test_reset_info_carries_the_contract_fields(env_id: str) -> None:
    env = gym.make(env_id, sandbox=_sandbox(env_id))
    try:
        obs, info = env.reset(seed=7)
        assert isinstance(obs, str) and obs
        for key in ("tools", "task_id", "length_tokens", "budget", "content_hash"):
            assert key in info, key
        assert any(t["name"] == "submit" for t in info["tools"])
        env.close()
        env.close()  # idempotent
    finally:
        env.close()


def test_render_ansi_returns_the_transcript() -> None:
    env = gym.make(FIXTURE_ID, render_mode="ansi")
    env.reset(seed=1)
    env.step({"name": "list_files", "arguments": {}})
    text = env.render()
    assert "list_files" in text and "notes/00.txt" in text
    env.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_envs(mode: str) -> None:
    kwargs = {"shared_memory": False} if mode == "async" else {}
    envs = gym.make_vec(FIXTURE_ID, num_envs=4, vectorization_mode=mode, vector_kwargs=kwargs)
    try:
        obs, infos = envs.reset(seed=[1, 2, 3, 4])
        assert len(obs) == 4 and all(isinstance(o, str) for o in obs)
        actions = tuple('{"name": "list_files", "arguments": {}}' for _ in range(4))
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        assert all("notes/00.txt" in o for o in obs)
        submit = tuple('{"name": "submit", "arguments": {"answer": "x"}}' for _ in range(4))
        _, rewards, terminated, _, _ = envs.step(submit)
        assert list(terminated) == [True] * 4 and list(rewards) == [0.0] * 4
        sampled = envs.action_space.sample()
        envs.step(sampled)
    finally:
        envs.close()
