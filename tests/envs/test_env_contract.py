"""The Gymnasium contract on every registered id, plus the test-only fixture family."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import locogym
from tests.fixture_family import FIXTURE_ID, register

register()
ALL_IDS = [*locogym.ENV_IDS, FIXTURE_ID]
ROOT = Path(__file__).resolve().parents[2]
# Families whose tasks are validated by running a project's tests need a sandbox that executes commands.
EXECUTING = {"LoCo-RepoPatch-v0", "LoCo-RepoReview-v0"}
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _sandbox(env_id: str) -> str:
    return "local" if env_id in EXECUTING else "fake"


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_check_env_passes(env_id: str) -> None:
    env = gym.make(env_id, sandbox=_sandbox(env_id))
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


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


_PROBE = """
import sys, json, hashlib, gymnasium as gym, locogym
sys.path.insert(0, {root!r})
from tests.fixture_family import register; register()
import warnings; warnings.simplefilter("ignore")
env = gym.make({env_id!r}, sandbox={sandbox!r})
obs, info = env.reset(seed=11)
print(json.dumps({{"hash": info["content_hash"], "obs": hashlib.sha256(obs.encode()).hexdigest()}}))
env.close()
"""


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_same_seed_same_task_across_processes(env_id: str) -> None:
    env = gym.make(env_id, sandbox=_sandbox(env_id))
    try:
        obs, info = env.reset(seed=11)
        obs_again, info_again = env.reset(seed=11)
        assert info["content_hash"] == info_again["content_hash"] and obs == obs_again
        _, info_other = env.reset(seed=12)
        assert info_other["content_hash"] != info["content_hash"]
    finally:
        env.close()
    import hashlib

    out = subprocess.run([sys.executable, "-c", _PROBE.format(root=str(ROOT), env_id=env_id, sandbox=_sandbox(env_id))], capture_output=True,
                         text=True, check=True, env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    remote = json.loads(out.stdout.strip().splitlines()[-1])
    assert remote == {"hash": info["content_hash"], "obs": hashlib.sha256(obs.encode()).hexdigest()}


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
