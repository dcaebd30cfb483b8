"""Trials of a model agent are real attempts: each trial gets its own seed, and the response cache (on by default)
never serves one trial the answers of another, for providers that take a seed and for those that do not."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from locogym.agents import make_agent
from locogym.harness.runner import run_episode
from locogym.harness.schedule import AgentEntry, build_config, plan, trial_agent
from locogym.testing import ScriptedServer
from tests.agents.agents_support import solver
from tests.fixture_family import FIXTURE_ID, register


@pytest.mark.parametrize("protocol", ["openai-compatible", "anthropic"])
def test_k_trials_send_k_times_the_requests_with_the_cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               protocol: str) -> None:
    register()
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path / "cache"))  # the default cache, in a fresh folder
    env = gym.make(FIXTURE_ID, sandbox="fake")
    with ScriptedServer(fallback=solver) as server:
        if protocol == "anthropic":
            entry = AgentEntry(spec="anthropic/m", settings={"base_url": server.anthropic_base_url, "api_key": "k"})
        else:
            entry = AgentEntry(spec="openai-compatible/m", settings={"base_url": server.openai_base_url})
        sent, seeds = [], []
        for trial in range(3):
            settings = trial_agent(entry, trial).settings
            seeds.append(settings.get("seed"))
            before = len(server.requests)
            traj = run_episode(env, make_agent(entry.spec, **settings), seed=0, options={"length": "1k"})
            assert traj.score is not None and traj.score.success == 1.0
            sent.append(len(server.requests) - before)
        again = len(server.requests)
        run_episode(env, make_agent(entry.spec, **trial_agent(entry, 1).settings), seed=0, options={"length": "1k"})
        assert len(server.requests) == again  # the same trial played again is what the cache is for
    env.close()
    assert sent[0] > 0 and sent == [sent[0]] * 3  # every trial asked the model itself
    assert len(set(seeds)) == 3
    if protocol == "openai-compatible":  # a provider that takes a seed receives each trial's own
        assert len({r.body.get("seed") for r in server.requests}) == 3


def test_a_tournament_plans_a_seed_per_trial_for_model_agents() -> None:
    cfg = build_config({"agents": [{"spec": "openai-compatible/m", "base_url": "http://127.0.0.1:9/v1"}],
                        "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": 1, "trials": 3,
                        "imports": ["tests.fixture_family"], "sandbox": "fake"})
    jobs = plan(cfg)
    assert sorted(j.agent_settings.get("seed") for j in jobs if j.trial) == [1, 2]
