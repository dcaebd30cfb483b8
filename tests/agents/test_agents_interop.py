"""OpenAI-compatible servers as they really behave: llama-cpp-python, llama.cpp's llama-server, vLLM, Ollama."""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.testing import ScriptedServer, agent_for
from locogym.testing.quirks import SERVERS, emulate
from tests.agents.agents_support import solver
from tests.fixture_family import FIXTURE_ID, register

register()


def _play(server_name: str, window: int | None = None, length: int = 1024, **agent_kwargs: object):  # type: ignore[no-untyped-def]
    with ScriptedServer(fallback=emulate(server_name, solver, window=window)) as server:
        agent = agent_for(server, "openai-compatible", **agent_kwargs)
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=3, options={"length": length})
        return traj, list(server.requests)


@pytest.mark.parametrize("server_name", sorted(SERVERS))
def test_every_server_solves_the_fixture(server_name: str) -> None:
    traj, requests = _play(server_name)
    assert traj.termination == "submitted" and traj.score is not None and traj.score.success == 1.0, traj.events
    assert len(requests) == 2  # six parallel reads, then submit: no retries, no nudges
    for request in requests:
        assert request.body["tool_choice"] == "auto"
        assert all(m.get("content") is not None for m in request.body["messages"] if m["role"] == "assistant")
    # ids the agent had to make up (Ollama sends none) pair every result with its call
    results = requests[-1].tool_results()
    assert len(results) == 6 and all(call_id and call_id != "None" for call_id, _ in results)


def test_llama_cpp_python_needs_tool_choice_to_call_tools() -> None:
    """Without tool_choice the server ignores the tools: the model writes its call as prose and the episode ends
    with that text as a (wrong) answer. This is why tool_choice is sent by default."""
    traj, requests = _play("llama-cpp-python", tool_choice=False)
    assert all("tool_choice" not in r.body for r in requests)
    assert traj.score is not None and traj.score.success == 0.0
    assert [e["handled"] for e in traj.events if e["kind"] == "text_reply"] == ["nudge", "submit"]


@pytest.mark.parametrize("server_name", ["llama-cpp-python", "llama-server", "vllm"])
def test_a_prompt_past_the_window_is_a_context_overflow_in_every_server_s_words(server_name: str) -> None:
    traj, requests = _play(server_name, window=3000, length=32768, max_tokens=256)
    assert traj.termination == "context_overflow", traj.events
    assert traj.score is not None and (traj.score.success, traj.score.outcome) == (0.0, "context_overflow")
    overflow = [e for e in traj.events if e["kind"] == "context_overflow"]
    assert len(overflow) == 1 and overflow[0]["step"] == 6  # at the request that carries the six results
    assert len(requests) == 2  # refused once, never retried


def test_vllm_counts_max_tokens_in_the_window_and_a_known_window_sizes_it() -> None:
    """vLLM refuses prompt + max_tokens over the window even when the prompt alone fits. Told the window, the
    agent asks for what is left, and the episode goes through."""
    refused, _ = _play("vllm", window=8000, length=16384, max_tokens=4096)
    assert refused.termination == "context_overflow"
    sized, requests = _play("vllm", window=8000, length=16384, max_tokens=4096, context_window=8000)
    assert sized.termination == "submitted" and sized.score is not None and sized.score.success == 1.0
    assert requests[0].body["max_tokens"] == 4096 and requests[-1].body["max_tokens"] < 4096


def test_ollama_cuts_long_prompts_silently() -> None:
    """Ollama never refuses: past num_ctx the oldest messages are gone, and nothing says so. The episode still
    ends, scored on what the model did; a context_window with a context strategy keeps the prompt whole."""
    traj, _ = _play("ollama", window=1200, length=32768)
    assert traj.termination != "context_overflow"
