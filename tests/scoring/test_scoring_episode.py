"""score_episode and rescore on real episodes of the fixture family, through the recorder and back."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from locogym.agents.baselines import NoopAgent, OracleAgent, RandomAgent
from locogym.core.errors import DataError
from locogym.core.types import EpisodeScore
from locogym.harness.recorder import read_trajectory
from locogym.harness.runner import run_episode
from locogym.scoring import is_behaviour_key, rescore, score_episode
from tests.fixture_family import FIXTURE_ID, register
from tests.scoring.scoring_builders import make_task, make_traj, step, submit

register()


@pytest.mark.parametrize("agent", [NoopAgent, OracleAgent, lambda: RandomAgent(seed=5)])
@pytest.mark.parametrize("sessions", [1, 3])
def test_rescore_of_a_recorded_file_gives_the_same_numbers(tmp_path: Path, agent, sessions: int) -> None:
    env = gym.make(FIXTURE_ID, max_steps=12)
    path = tmp_path / "t.jsonl"
    played = run_episode(env, agent(), seed=4, options={"sessions": sessions}, trajectory_path=path)
    env.close()
    assert played.score is not None
    assert rescore(path) == played.score
    assert rescore(read_trajectory(path)) == played.score


def test_rescore_keeps_the_outcome_and_recomputes_the_behaviour() -> None:
    task = make_task(["e1"])
    traj = make_traj(task, [step(evidence=("e1",)), submit("a")])
    traj.score = EpisodeScore(success=1.0, outcome="correct", metrics={"f1": 0.9, "stop.t_star": 99.0,
                                                                       "stop.retired_metric": 1.0},
                              labels={"difficulty": "hard", "stop": "never"})
    fresh = rescore(traj)
    assert (fresh.success, fresh.outcome) == (1.0, "correct")
    assert fresh.metrics["f1"] == 0.9 and fresh.labels["difficulty"] == "hard"
    assert fresh.metrics["stop.t_star"] == 0 and fresh.labels["stop"] == "timely"
    assert "stop.retired_metric" not in fresh.metrics
    assert traj.score.metrics["stop.t_star"] == 99.0  # the trajectory itself is untouched


def test_rescore_refuses_what_it_cannot_score(tmp_path: Path) -> None:
    traj = make_traj(make_task(), [step()], termination="running")
    with pytest.raises(DataError, match="no recorded score"):
        rescore(traj)
    traj.score = EpisodeScore(success=0.0, outcome="no_answer")
    traj.task = None
    with pytest.raises(DataError, match="no task"):
        rescore(traj)
    with pytest.raises(DataError, match="No such trajectory"):
        rescore(tmp_path / "missing.jsonl")


def test_family_metrics_must_stay_out_of_behaviour_namespaces() -> None:
    traj = make_traj(make_task(), [submit("a")])
    with pytest.raises(ValueError, match="reserved behaviour names"):
        score_episode(traj, EpisodeScore(success=1.0, outcome="correct", metrics={"efficiency.mine": 1.0}))
    score = score_episode(traj, EpisodeScore(success=1.0, outcome="correct", metrics={"stopwatch": 2.0}))
    assert score.metrics["stopwatch"] == 2.0  # a prefix that only looks alike is the family's


def test_every_behaviour_metric_is_namespaced() -> None:
    score = score_episode(make_traj(make_task(["e1"]), [submit("a")]), EpisodeScore(success=0.0, outcome="wrong"))
    assert score.metrics and all(is_behaviour_key(k) for k in score.metrics)
    assert set(score.labels) == {"cascade", "stop", "stop.cross", "efficiency"}
