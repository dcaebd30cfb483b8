"""Every family runs under Gymnasium's async vector env (worker processes, no shared memory), as the README says."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FAMILIES: list[tuple[str, dict[str, Any]]] = [
    ("LoCo-FuncCall-v0", {}),
    ("LoCo-WikiHop-v0", {}),
    ("LoCo-Repo-v0", {"sandbox": "fake"}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("env_id", "kwargs"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_async_vector_env_resets_steps_and_ends(env_id: str, kwargs: dict[str, Any]) -> None:
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="async", vector_kwargs={"shared_memory": False},
                        **kwargs)
    try:
        obs, infos = envs.reset(seed=[0, 1], options={"length": "8k"})
        assert len(obs) == 2 and all(isinstance(o, str) and o for o in obs)
        assert infos["env_id"][0] == env_id and infos["content_hash"][0] != infos["content_hash"][1]
        again, _ = envs.reset(seed=[0, 1], options={"length": "8k"})
        assert list(again) == list(obs)  # worker processes generate the same tasks for the same seeds
        obs, rewards, terminated, truncated, _ = envs.step(('{"name": "nope", "arguments": {}}',) * 2)
        assert all("unknown_tool" in o for o in obs) and not any(terminated) and not any(truncated)
        _, rewards, terminated, _, _ = envs.step(({"name": "submit", "arguments": {}},) * 2)
        assert list(terminated) == [True, True] and list(rewards) == [0.0, 0.0]
    finally:
        envs.close()
