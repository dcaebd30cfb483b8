"""Patch and review on the Docker sandbox: validation and grading run the tests inside containers."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym


@pytest.mark.docker
@pytest.mark.parametrize("env_id", ["LoCo-RepoPatch-v0", "LoCo-RepoReview-v0"])
def test_oracle_and_noop_on_docker(env_id: str, docker_engine: None, tmp_path) -> None:
    env = gym.make(env_id, sandbox="docker", cache_dir=str(tmp_path))
    try:
        oracle = locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, options={"length": "4k"})
        assert oracle.sandbox == "docker"
        assert oracle.score is not None and oracle.score.success == 1.0, oracle.score
        noop = locogym.run_episode(env, locogym.make_agent("noop"), seed=3, options={"length": "4k"})
        assert noop.score is not None and noop.score.success == 0.0
    finally:
        env.close()
