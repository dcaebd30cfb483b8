"""LoCo-Repo-v0 on the real backends: the generated project's tests pass inside the sandbox, tools and session
commits go through it, and the oracle still scores 1.0."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent


def _exercise(backend: str) -> None:
    env = gym.make("LoCo-Repo-v0", sandbox=backend)
    try:
        oracle = locogym.run_episode(env, make_agent("oracle"), seed=3, options={"length": "8k",
                                                                                 "task": "multisession"})
        assert oracle.score.success == 1.0
        assert locogym.run_episode(env, make_agent("noop"), seed=3, options={"length": "8k"}).score.success == 0.0
        env.reset(seed=4, options={"length": "8k"})
        obs, *_ = env.step({"name": "run", "arguments": {"cmd": "ls pyproject.toml && echo made-by-run > new.py"}})
        assert obs.startswith("exit code 0") and "pyproject.toml" in obs
        obs, *_ = env.step({"name": "read_file", "arguments": {"path": "new.py"}})
        assert "made-by-run" in obs
        obs, *_ = env.step({"name": "grep", "arguments": {"pattern": "^def ", "path_glob": "tests/*.py"}})
        assert obs.count("\n") > 5
    finally:
        env.close()


@pytest.mark.filterwarnings("ignore:sandbox='local' runs commands")  # it warns that it does not isolate
def test_local_backend() -> None:
    _exercise("local")


@pytest.mark.bwrap
def test_bwrap_backend(bwrap_available: None) -> None:
    _exercise("bwrap")


@pytest.mark.slow
@pytest.mark.docker
def test_docker_backend_runs_the_project_suite(docker_engine: None) -> None:
    _exercise("docker")
    env = gym.make("LoCo-Repo-v0", sandbox="docker")
    try:
        env.reset(seed=9, options={"length": "16k"})
        obs, *_ = env.step({"name": "run", "arguments": {"cmd": "python3 -m pytest -q -p no:cacheprovider | tail -1"}})
        assert obs.startswith("exit code 0") and " passed" in obs, obs
    finally:
        env.close()
