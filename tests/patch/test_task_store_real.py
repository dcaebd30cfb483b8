"""The task store on a real project: ``locogym tasks build`` validates a seed of six once; a fresh env then resets
from the store, gets the very task that was built, and the oracle scores 1 and the noop 0 on it."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import pytest
from typer.testing import CliRunner

import locogym
from locogym.cli.app import app

SIX = Path(__file__).parent / "data" / "six-1.16.0.tar.gz"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_seed_of_six_built_into_the_store_is_what_a_fresh_reset_plays(tmp_path: Path) -> None:
    if not SIX.is_file():
        pytest.skip(f"the source archive {SIX.name} is not in tests/patch/data")
    store = tmp_path / "store"
    built = CliRunner().invoke(app, ["tasks", "build", "LoCo-RepoReview-v0", "--source", str(SIX), "--seeds", "1",
                                     "--length", "4k", "--jobs", "1", "--store", str(store), "--sandbox", "local",
                                     "--env-arg", f"cache_dir={tmp_path / 'runs'}", "--json"])
    assert built.exit_code == 0, built.output
    [result] = [json.loads(line) for line in built.output.splitlines() if line.startswith("{")]
    assert result["status"] == "built", result
    for agent, expected in (("oracle", 1.0), ("noop", 0.0)):
        env = gym.make("LoCo-RepoReview-v0", sandbox="local", source=str(SIX), task_store=str(store),
                       cache_dir=str(tmp_path / "no-runs"))
        try:
            trajectory = locogym.run_episode(env, locogym.make_agent(agent), seed=0, options={"length": "4k"})
            assert env.unwrapped.last_task_origin == "store"
        finally:
            env.close()
        assert trajectory.task is not None and trajectory.task.content_hash == result["content_hash"]
        assert trajectory.score is not None and trajectory.score.success == expected
    assert not (tmp_path / "no-runs").exists()  # the resets ran no test of the project
