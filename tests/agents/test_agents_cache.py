"""The response cache: keyed by the exact request, on disk, so a re-run makes no request at all."""

from __future__ import annotations

import gymnasium as gym
import orjson
import pytest

import locogym
from locogym.agents.cache import ResponseCache, request_key
from locogym.core.errors import ProviderError
from locogym.core.types import ToolSpec
from locogym.testing import PROTOCOLS, TEST_KEY, Raw, Reply, ScriptedServer, agent_for
from tests.agents.agents_support import fixture_script
from tests.fixture_family import FIXTURE_ID, register

register()


def _actions(traj) -> list:  # type: ignore[no-untyped-def]
    return [s.call.model_dump() if s.call else None for s in traj.steps]


def test_rerun_is_served_from_disk_with_identical_trajectory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for protocol in PROTOCOLS:
        cache_dir = tmp_path / protocol
        with ScriptedServer(fixture_script(), api_key=TEST_KEY) as server:
            first = locogym.run_episode(gym.make(FIXTURE_ID), agent_for(server, protocol, cache=cache_dir), seed=9)
            port = server._httpd.server_address[1]  # type: ignore[union-attr]
        # the same endpoint again, with an empty script: any request would fail
        with ScriptedServer([], api_key=TEST_KEY, port=port) as empty:
            agent = agent_for(empty, protocol, cache=cache_dir)
            again = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=9)
            assert empty.requests == []
        assert again.termination == "submitted" and again.score == first.score
        assert _actions(again) == _actions(first)
        # the trajectory reports the tokens the model used, cached or not; nothing was spent the second time
        assert again.usage.model_copy(update={"cost_usd": 0.0}) == first.usage.model_copy(update={"cost_usd": 0.0})
        assert again.usage.cost_usd == 0.0
        assert agent.cache_hits == 3
        requests = [e for e in again.events if e["kind"] == "model_request"]
        assert len(requests) == 3 and all(e["cache_hit"] for e in requests)


def test_another_endpoint_never_answers_from_the_cache(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A smoke test against one server, then the real run against another: the real run's requests all reach the
    real endpoint, and its trajectory says none was a cache hit."""
    for protocol in PROTOCOLS:
        cache_dir = tmp_path / protocol
        with ScriptedServer(fixture_script(), api_key=TEST_KEY) as smoke:
            locogym.run_episode(gym.make(FIXTURE_ID), agent_for(smoke, protocol, cache=cache_dir), seed=9)
        with ScriptedServer(fixture_script(), api_key=TEST_KEY) as real:
            agent = agent_for(real, protocol, cache=cache_dir)
            traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=9)
            assert len(real.requests) == 3, protocol
        assert agent.cache_hits == 0 and traj.termination == "submitted"
        assert [e["cache_hit"] for e in traj.events if e["kind"] == "model_request"] == [False] * 3


def test_a_response_that_does_not_parse_is_not_stored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = ResponseCache(tmp_path)
    info = {"tools": [ToolSpec(name="submit", description="d", parameters={"type": "object"}).model_dump()]}
    with ScriptedServer([Raw(200, b'{"id": "x", "object": "chat.completion"}'), Reply.call("submit", {})]) as server:
        agent = agent_for(server, "openai-chat", cache=cache)
        agent.reset(info)
        with pytest.raises(ProviderError, match="choices"):
            agent.act("Go.", info)
        assert list(tmp_path.rglob("*.json")) == []  # nothing stored: the retry can recover
        agent.reset(info)
        action = agent.act("Go.", info)
        assert action["function"]["name"] == "submit"
        assert len(server.requests) == 2


def test_a_different_seed_or_setting_is_a_different_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = ResponseCache(tmp_path)
    info = {"tools": [ToolSpec(name="submit", description="d", parameters={"type": "object"}).model_dump()]}
    with ScriptedServer([Reply.call("submit", {})] * 3) as server:
        for temperature in (0.0, 0.0, 0.5):
            agent = agent_for(server, "openai-chat", cache=cache, temperature=temperature)
            agent.reset(info)
            agent.act("Go.", info)
        assert len(server.requests) == 2  # the repeated setting was a hit
    assert (cache.hits, cache.misses) == (1, 2)


def test_key_depends_on_scope_and_every_body_field() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    plain = request_key("openai:messages", body)
    assert request_key("openai:messages", dict(reversed(list(body.items())))) == plain  # canonical JSON
    assert request_key("openai-compatible:messages", body) != plain
    assert request_key("openai:messages", {**body, "seed": 1}) != plain
    assert request_key("openai:messages", {**body, "model": "m2"}) != plain


def test_torn_or_foreign_entries_are_misses_and_get_rewritten(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = ResponseCache(tmp_path)
    key = "ab" + "0" * 62
    path = tmp_path / "ab" / f"{key}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"format": 1, "respo')
    assert cache.get(key) is None
    path.write_bytes(orjson.dumps({"format": 99, "response": {}}))
    assert cache.get(key) is None
    cache.put(key, {"ok": True})
    assert cache.get(key) == {"ok": True}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind
