"""Retries: backoff with jitter, Retry-After honoured, fail-fast errors, and provider failures never scored."""

from __future__ import annotations

import email.utils
import time

import gymnasium as gym
import pytest

import locogym
from locogym.agents.retry import RetryPolicy, call_with_retries, parse_retry_after
from locogym.core.errors import AuthenticationError, BadRequestError, ConfigError, ProviderError
from locogym.testing import PROTOCOLS, TEST_KEY, Delay, HttpError, Raw, Reply, ScriptedServer, agent_for
from tests.fixture_family import FIXTURE_ID, register

register()
INFO = {"tools": [], "new_session": False}


def _retries(agent) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e for e in agent.events if e["kind"] == "provider_retry"]


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, seed=1)
    for attempt, full in enumerate([1.0, 2.0, 4.0, 8.0, 8.0]):
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(full / 2 <= w <= full for w in waits)
        assert max(waits) - min(waits) > full / 4  # jittered, not constant


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (parse_retry_after({"retry-after": future}) or 0) <= 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_rate_limit_waits_exactly_retry_after_then_succeeds(protocol: str) -> None:
    script = [HttpError.rate_limit(retry_after=0.05), HttpError.server(503), Reply.call("submit", {})]
    with ScriptedServer(script) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        action = agent.act("Go.", INFO)
    assert action is not None and len(server.requests) == 3
    retries = _retries(agent)
    assert [(r["reason"], r["status"]) for r in retries] == [("rate_limit", 429), ("server_error", 503)]
    assert retries[0]["wait_s"] == 0.05  # the header, not the backoff
    assert 0.001 <= retries[1]["wait_s"] <= 0.002  # backoff of retry 2: between half and all of 2 x base


def test_timeout_is_retried() -> None:
    with ScriptedServer([Delay(2.0, Reply.say("late")), Reply.call("submit", {})]) as server:
        agent = agent_for(server, "openai-chat", timeout=0.2)
        agent.reset(INFO)
        agent.act("Go.", INFO)
    assert [r["reason"] for r in _retries(agent)] == ["timeout"]


@pytest.mark.parametrize("protocol", ["openai-chat", "anthropic"])
def test_auth_and_bad_request_fail_fast_with_a_clear_message(protocol: str) -> None:
    with ScriptedServer([Reply.say("unused")], api_key="another-key") as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        with pytest.raises(AuthenticationError, match="401.*Fix: Check the API key"):
            agent.act("Go.", INFO)
        assert len(server.requests) == 1
    with ScriptedServer([HttpError(400, "max_tokens is too large")]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        with pytest.raises(BadRequestError, match="400: max_tokens is too large"):
            agent.act("Go.", INFO)
        assert len(server.requests) == 1


def test_missing_key_is_an_authentication_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with ScriptedServer() as server:
        agent = agent_for(server, "anthropic", api_key=None)
        agent.reset(INFO)
        with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
            agent.act("Go.", INFO)
        assert server.requests == []


def test_retries_run_out_into_provider_error() -> None:
    with ScriptedServer(fallback=HttpError.server(503)) as server:  # an overloaded server: transient, retried
        agent = agent_for(server, "openai-chat", retry=RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.002))
        agent.reset(INFO)
        with pytest.raises(ProviderError, match="gave up after 4 attempts"):
            agent.act("Go.", INFO)
    assert len(server.requests) == 4


def test_retry_after_beyond_the_limit_fails_at_once() -> None:
    with ScriptedServer([HttpError.rate_limit(retry_after=3600)]) as server:
        agent = agent_for(server, "anthropic", retry=RetryPolicy(max_retry_after=60))
        agent.reset(INFO)
        with pytest.raises(ProviderError, match="asks to wait 3600s"):
            agent.act("Go.", INFO)
    assert len(server.requests) == 1


def test_non_provider_exceptions_are_not_swallowed() -> None:
    calls = []

    def boom() -> None:
        calls.append(1)
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        call_with_retries(boom, provider="x", policy=RetryPolicy(), sleep=lambda s: None)
    assert calls == [1]


@pytest.mark.parametrize("protocol", ["openai-responses", "anthropic"])
def test_provider_failure_ends_the_episode_as_error_not_as_an_answer(protocol: str) -> None:
    script = [Reply.call("list_files", {})]
    with ScriptedServer(script, fallback=HttpError.server(502), api_key=TEST_KEY) as server:
        agent = agent_for(server, protocol, retry=RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002))
        traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=3)
    assert traj.termination == "error"
    assert [s.call.name for s in traj.steps if s.call] == ["list_files"]  # nothing submitted on the model's behalf
    assert not any(s.result.data.get("submitted") for s in traj.steps)
    kinds = [e["kind"] for e in traj.events]
    assert kinds.count("provider_retry") == 2 and kinds[-1] == "provider_error"
    # not graded: the episode is errored (infrastructure), never the model's failure
    assert traj.score is not None and traj.score.outcome == "errored" and "502" in traj.score.labels["errored"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("body", [b"<html>502 from a proxy</html>", b"[1, 2]", b'{"unrelated": true}'])
def test_a_200_that_is_not_a_model_response_is_a_provider_error(protocol: str, body: bytes) -> None:
    with ScriptedServer([Raw(200, body, "text/html" if body.startswith(b"<") else "application/json")]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        with pytest.raises(ProviderError, match="sent a response without") as info:
            agent.act("Go.", INFO)
    assert "base_url" in (info.value.fix or "")


def test_retry_policy_from_a_config_mapping() -> None:
    with ScriptedServer([HttpError.server(500), Reply.call("submit", {})]) as server:
        agent = agent_for(server, "openai-chat", retry={"max_retries": 1, "base_delay": 0.001, "max_delay": 0.001})
        agent.reset(INFO)
        agent.act("Go.", INFO)
        assert agent.retry.max_retries == 1 and len(server.requests) == 2
        with pytest.raises(ConfigError, match="Unknown retry setting"):
            agent_for(server, "openai-chat", retry={"retries": 3})


def test_the_same_500_body_is_retried_only_twice() -> None:
    """llama-cpp-python's server answers 500 to a request it cannot take, the same way every time: retrying that
    six times only loses a minute per episode."""
    with ScriptedServer(fallback=HttpError(500, "Internal Server Error: 'NoneType' object is not iterable")) as server:
        agent = agent_for(server, "openai-compatible")
        agent.reset(INFO)
        with pytest.raises(ProviderError, match="the same answer 3 times in a row"):
            agent.act("Go.", INFO)
    assert len(server.requests) == 3


def test_different_500_bodies_keep_the_full_retry_allowance() -> None:
    script = [HttpError(500, f"worker {i} crashed") for i in range(4)] + [Reply.call("submit", {"answer": "x"})]
    with ScriptedServer(script) as server:
        agent = agent_for(server, "openai-chat")
        agent.reset(INFO)
        assert agent.act("Go.", INFO)["function"]["name"] == "submit"
    assert len(server.requests) == 5
