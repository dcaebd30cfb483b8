"""Whole episodes on the fixture family with every provider, through ``locogym.run_episode``."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.agents import make_agent
from locogym.agents.anthropic_agent import AnthropicAgent
from locogym.agents.openai_agent import OpenAIAgent, OpenAICompatibleAgent
from locogym.core.errors import ConfigError
from locogym.harness.recorder import read_trajectory
from locogym.testing import PROTOCOLS, TEST_KEY, ScriptedServer, agent_for
from tests.agents.agents_support import fixture_script, solver
from tests.fixture_family import FIXTURE_ID, register

register()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_solves_the_fixture_with_parallel_reads(protocol: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ScriptedServer(fixture_script(), api_key=TEST_KEY) as server:
        sampling = {} if protocol == "anthropic" else {"temperature": 0.0}  # the Messages API has none
        agent = agent_for(server, protocol, seed=1, **sampling)
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=11, trajectory_path=tmp_path / "t.jsonl")
    assert traj.termination == "submitted"
    assert traj.score is not None and traj.score.success == 1.0
    names = [s.call.name for s in traj.steps if s.call]
    assert names == ["list_files"] + ["read_file"] * 6 + ["submit"]
    assert len({s.call.id for s in traj.steps if s.call}) == 8  # every call kept its provider id
    assert traj.agent == agent.name and traj.agent_settings == agent.settings
    assert traj.agent_settings["temperature"] == sampling.get("temperature") and traj.agent_settings["seed"] == 1
    on_disk = read_trajectory(tmp_path / "t.jsonl")
    assert on_disk.usage == traj.usage and on_disk.termination == "submitted"
    native_key = {"anthropic": "input", "openai-responses": "call_id"}.get(protocol, "function")
    assert native_key in traj.steps[1].action_raw  # the action was handed over in the provider's shape


def test_two_sessions_each_start_from_their_own_prompt() -> None:
    script = fixture_script() + [solver, solver]
    with ScriptedServer(script, api_key=TEST_KEY) as server:
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent_for(server, "openai-responses"), seed=2,
                                   options={"sessions": 2})
        session_1_first = next(r for r in server.requests if "Session 1:" in r.text())
    assert traj.termination == "submitted" and traj.score is not None and traj.score.success == 1.0
    assert "Session 0:" not in session_1_first.text()
    assert [e["kind"] for e in traj.events].count("session_start") == 1


def test_make_agent_builds_each_provider_with_the_full_name() -> None:
    openai_agent = make_agent("openai/gpt-4o", api_key="k", cache=False)
    responses = make_agent("openai/gpt-4o", api_key="k", cache=False, api="responses")
    compat = make_agent("openai-compatible/qwen2.5", base_url="http://localhost:8000/v1", cache=False)
    claude = make_agent("anthropic/claude-sonnet-4-20250514", api_key="k", cache=False)
    assert isinstance(openai_agent, OpenAIAgent) and openai_agent.name == "openai/gpt-4o"
    assert responses.settings["api"] == "responses"  # type: ignore[attr-defined]
    assert isinstance(compat, OpenAICompatibleAgent) and compat.name == "openai-compatible/qwen2.5"
    assert isinstance(claude, AnthropicAgent) and claude.name == "anthropic/claude-sonnet-4-20250514"


@pytest.mark.parametrize(("spec", "kwargs", "message"), [
    ("openai-compatible/llama3", {}, "needs the server's address"),
    ("openai/gpt-4o", {"api": "assistants"}, "not an OpenAI API"),
    ("openai/gpt-4o", {"text_reply": "ignore"}, "text_reply"),
    ("anthropic/claude-sonnet-4", {"context": "summarize"}, "needs a token limit"),
    ("anthropic/claude-sonnet-4", {"temperature": 0.0}, "takes no temperature"),
])
def test_bad_settings_are_config_errors_with_a_fix(spec: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        make_agent(spec, cache=False, **kwargs)
    assert info.value.fix


def test_a_cached_rerun_needs_no_key_at_all(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with ScriptedServer(fixture_script(), api_key=TEST_KEY) as server:
        locogym.run_episode(gym.make(FIXTURE_ID), agent_for(server, "openai-chat", cache=tmp_path), seed=4)
        replay = agent_for(server, "openai-chat", cache=tmp_path, api_key=None)
        traj = locogym.run_episode(gym.make(FIXTURE_ID), replay, seed=4)
    assert traj.termination == "submitted" and replay.cache_hits == 3
