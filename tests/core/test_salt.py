"""Secret seeds: with a salt the same seed makes another task, ids name no seed, and the salt is never recorded."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.core.salt import resolve_salt, salt_hash, salted_seed
from locogym.core.types import dumps

FAMILIES = [("LoCo-WikiHop-v0", {}), ("LoCo-FuncCall-v0", {}), ("LoCo-Repo-v0", {"sandbox": "fake"})]


@pytest.mark.parametrize(("env_id", "kwargs"), FAMILIES)
def test_a_salt_changes_every_family_task_and_hides_the_seed(env_id: str, kwargs: dict[str, str]) -> None:
    plain, salted, resalted = (gym.make(env_id, **kwargs, seed_salt=s) for s in ("", "pepper", "pepper"))
    try:
        _, info_plain = plain.reset(seed=7)
        obs, info_salted = salted.reset(seed=7)
        _, info_again = resalted.reset(seed=7)
        assert info_salted["content_hash"] != info_plain["content_hash"]
        assert info_salted["content_hash"] == info_again["content_hash"]  # the salt's holder regenerates it
        # no part of the id is the seed (an opaque hex part contains the digit 7 more often than not)
        assert "7" not in info_salted["task_id"].split("-")
        shown = dumps({k: v for k, v in info_salted.items() if k != "tools"}).decode() + obs
        assert "pepper" not in shown and str(salted_seed("pepper", 7)) not in shown
        header = salted.unwrapped.trajectory  # type: ignore[attr-defined]
        assert header.salt_hash == salt_hash("pepper") and header.scenario.seed == 7
        assert "pepper" not in header.model_dump_json()
    finally:
        for env in (plain, salted, resalted):
            env.close()


def test_the_salt_comes_from_the_environment_variable_and_empty_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_SEED_SALT", "from-env")
    assert resolve_salt() == "from-env" and resolve_salt("flag") == "flag" and resolve_salt("") is None
    monkeypatch.delenv("LOCOGYM_SEED_SALT")
    assert resolve_salt() is None and salt_hash(None) is None


def test_a_salted_trajectory_file_never_holds_the_salt(tmp_path: Path) -> None:
    env = gym.make("LoCo-WikiHop-v0", seed_salt="pepper")
    path = tmp_path / "t.jsonl"
    traj = locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, trajectory_path=path)
    env.close()
    assert traj.score is not None and traj.score.success == 1.0  # the oracle still solves the salted task
    assert "pepper" not in path.read_text() and traj.seal and traj.agent_privileged and traj.episode_key
