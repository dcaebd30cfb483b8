"""Patch and review on the Docker sandbox: validation and grading run the tests inside containers."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.docker
def test_reward_hacking_scores_zero_on_docker(docker_engine: None, tmp_path) -> None:
    """The same grading in containers: the allowlist, the sealed channel and the differential oracle."""
    from locogym.testing import ScriptedAgent
    from tests.patch import adversaries
    from tests.patch.test_patch_integrity import check

    env = gym.make("LoCo-RepoPatch-v0", sandbox="docker", cache_dir=str(tmp_path))
    options = {"length": "4k"}
    try:
        oracle = locogym.run_episode(env, locogym.make_agent("oracle"), seed=0, options=options)
        assert oracle.score is not None and oracle.score.success == 1.0, oracle.score
        assert oracle.score.metrics["integrity.defects_checked"] >= 1.0
        task = oracle.task
        for attack in ("atexit_rewrite", "os_exit_at_import", "conftest_all_pass", "runner_monkeypatch"):
            score = locogym.run_episode(env, ScriptedAgent(adversaries.ATTACKS[attack](task)), seed=0,
                                        options=options).score
            assert score is not None
            check(attack, score)
        failures = env.unwrapped.last_injection.failures
        cases = [c for nodeid in task.gold["fail_to_pass"] for c in adversaries.quoted_cases(failures[nodeid])]
        table = locogym.run_episode(env, ScriptedAgent(adversaries.special_case(task, cases)), seed=0,
                                    options=options).score
        assert table is not None and table.outcome == "wrong" and table.success == 0.0, table
    finally:
        env.close()
