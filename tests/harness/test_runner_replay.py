from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym

import locogym
from locogym.agents.base import Agent, BudgetExceeded
from locogym.core.errors import ProviderError
from locogym.core.types import ModelUsage, ToolCall
from locogym.harness.replay import replay
from tests.fixture_family import FIXTURE_ID, register

register()


def test_oracle_ceiling_noop_floor_on_the_fixture() -> None:
    env = gym.make(FIXTURE_ID)
    for seed in range(10):
        assert locogym.run_episode(env, locogym.make_agent("oracle"), seed=seed).score.success == 1.0  # type: ignore[union-attr]
        assert locogym.run_episode(env, locogym.make_agent("noop"), seed=seed).score.success == 0.0  # type: ignore[union-attr]


def test_multisession_oracle_follows_each_session() -> None:
    env = gym.make(FIXTURE_ID)
    traj = locogym.run_episode(env, locogym.make_agent("oracle"), seed=1, options={"sessions": 3})
    assert traj.score is not None and traj.score.success == 1.0
    assert [s.session for s in traj.steps] == [0, 0, 1, 1, 2, 2]


def test_random_agent_is_reproducible_and_bounded() -> None:
    env = gym.make(FIXTURE_ID, max_steps=25)
    a = locogym.run_episode(env, locogym.make_agent("random", seed=4), seed=2)
    b = locogym.run_episode(env, locogym.make_agent("random", seed=4), seed=2)
    assert [s.action_raw for s in a.steps] == [s.action_raw for s in b.steps]
    assert len(a.steps) <= 25 and a.termination in {"submitted", "max_steps"}


class Scripted(Agent):
    name = "scripted"

    def __init__(self, fail: Exception | None) -> None:
        super().__init__()
        self.fail = fail
        self.calls = 0

    def reset(self, task_info: dict[str, Any]) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        self.calls += 1
        if self.calls == 3 and self.fail is not None:
            raise self.fail
        self.last_usage = ModelUsage(input=100, output=10, cost_usd=0.01)
        self.usage = self.usage + self.last_usage
        return ToolCall(name="list_files")


def test_usage_is_attached_to_steps_and_summed() -> None:
    env = gym.make(FIXTURE_ID, max_steps=4)
    traj = locogym.run_episode(env, Scripted(None), seed=0)
    assert traj.termination == "max_steps"
    assert all(s.usage == ModelUsage(input=100, output=10, cost_usd=0.01) for s in traj.steps)
    assert traj.usage.input == 400 and abs(traj.usage.cost_usd - 0.04) < 1e-9


def test_provider_failure_ends_with_error_not_an_answer() -> None:
    traj = locogym.run_episode(gym.make(FIXTURE_ID), Scripted(ProviderError("server down")), seed=0)
    assert traj.termination == "error"
    assert not any(s.call and s.call.name == "submit" for s in traj.steps)
    assert any(e.get("kind") == "provider_error" for e in traj.events)


def test_budget_exhaustion_truncates() -> None:
    traj = locogym.run_episode(gym.make(FIXTURE_ID), Scripted(BudgetExceeded("cost over $1")), seed=0)
    assert traj.termination == "max_cost" and len(traj.steps) == 2


def test_replay_matches_and_detects_changes(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    locogym.run_episode(gym.make(FIXTURE_ID), locogym.make_agent("random", seed=1), seed=9, trajectory_path=path)
    report = replay(path)
    assert report.ok, report.mismatches
    lines = path.read_text().splitlines()
    import orjson

    step = orjson.loads(lines[1])
    step["result"]["output"] = "something else"
    lines[1] = orjson.dumps(step).decode()
    path.write_text("\n".join(lines) + "\n")
    assert replay(path).mismatches[0]["step"] == 0
