"""Context strategies keep the whole request under its limit on a long episode, and say what they did."""

from __future__ import annotations

import itertools
import re

import gymnasium as gym
import pytest

import locogym
from locogym.agents.context import Context, DropToolOutputs, KeepAll, Summarize, make_strategy, request_tokens
from locogym.agents.openai_agent import ChatDialect
from locogym.core.errors import ConfigError
from locogym.testing import PROTOCOLS, RecordedRequest, Reply, ScriptedServer, ScriptItem, Usage, agent_for
from tests.fixture_family import FIXTURE_ID, register

register()
LIMIT = 2500
READS = 30
KEY = {"openai-chat": "messages", "openai-compatible": "messages", "openai-responses": "input",
       "anthropic": "messages"}


def long_reader(reads: int = READS) -> tuple[list[ScriptItem], list[RecordedRequest]]:
    """A model that reads the notes round and round, then submits; summary requests get a fixed summary."""
    counter = itertools.count()
    summaries: list[RecordedRequest] = []

    def respond(request: RecordedRequest) -> ScriptItem:
        if not request.tool_names:  # a summary request carries no tools
            summaries.append(request)
            return Reply.say(f"SUMMARY-{len(summaries)}: read notes 00-05 several times.", usage=Usage(300, 20))
        n = next(counter)
        if n >= reads:
            return Reply.call("submit", {"answer": "alpha-bravo-charlie"}, usage=Usage(50, 5))
        return Reply.call("read_file", {"path": f"notes/{n % 6:02d}.txt"}, usage=Usage(100, 10))

    return [respond] * (reads * 3), summaries


def _episode(protocol: str, **agent_kwargs: object):  # type: ignore[no-untyped-def]
    script, summaries = long_reader()
    with ScriptedServer(script) as server:
        agent = agent_for(server, protocol, **agent_kwargs)
        env = gym.make(FIXTURE_ID, max_steps=200)
        traj = locogym.run_episode(env, agent, seed=2, options={"length": 8192})
        requests = [r for r in server.requests if r.tool_names]
    windows = [request_tokens(r.body, KEY[protocol]) for r in requests]
    return traj, windows, summaries, requests


def test_keep_all_grows_past_the_limit() -> None:
    traj, windows, _, _ = _episode("openai-chat")
    assert traj.termination == "submitted"
    assert max(windows) > 3 * LIMIT  # so the limit below is a real constraint
    assert not [e for e in traj.events if e["kind"] == "compaction"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_drop_tool_outputs_keeps_every_request_under_the_limit(protocol: str) -> None:
    traj, windows, _, requests = _episode(protocol, context="drop_tool_outputs", context_tokens=LIMIT)
    assert traj.termination == "submitted" and len(windows) == READS + 1
    assert max(windows) <= LIMIT
    events = [e for e in traj.events if e["kind"] == "compaction"]
    assert events and all(e["strategy"] == "drop_tool_outputs" for e in events)
    assert all(e["tokens_before"] > LIMIT >= e["tokens_after"] for e in events)
    last = requests[-1]
    stubs = [text for _, text in last.tool_results() if "dropped to save context" in text]
    assert stubs and re.fullmatch(r'\[output of read_file\(\{"path":"notes/0\d\.txt"\}\) dropped to save context: '
                                  r'\d+ tokens\. Call the tool again if you need it\.\]', stubs[0])
    # on an episode this long even the stubs overflow: the oldest turns go, and a note counts their calls
    assert any(e.get("dropped_items") for e in events)
    assert re.search(r"Older turns were removed to save context; they made these calls: read_file x\d+", last.text())
    assert "dropped to save context" not in last.tool_results()[-1][1]  # the newest output stays whole


@pytest.mark.parametrize("protocol", ["openai-chat", "openai-responses", "anthropic"])
def test_summarize_keeps_every_request_under_the_limit(protocol: str) -> None:
    traj, windows, summaries, requests = _episode(protocol, context="summarize", context_tokens=LIMIT)
    assert traj.termination == "submitted"
    assert max(windows) <= LIMIT
    assert summaries, "the strategy never asked the model for a summary"
    assert "SUMMARY-1" not in summaries[0].text() and "SUMMARY-1" in summaries[1].text()  # summaries build up
    assert f"SUMMARY-{len(summaries)}" in requests[-1].text()
    events = [e for e in traj.events if e["kind"] == "compaction"]
    assert len(events) == len(summaries)
    assert all(e["strategy"] == "summarize" and e["tokens_after"] <= LIMIT < e["tokens_before"] for e in events)
    # compaction down to the low-water mark: a summary every few reads, not one per turn once over the limit
    assert all(e["tokens_after"] <= LIMIT // 2 for e in events)
    # the summaries' usage is part of the episode's usage
    assert traj.usage.input == READS * 100 + 50 + 300 * len(summaries)


def test_compaction_events_carry_the_step_they_happened_before() -> None:
    traj, _, _, _ = _episode("openai-chat", context="drop_tool_outputs:2500")
    steps = [e["step"] for e in traj.events if e["kind"] == "compaction"]
    assert steps == sorted(steps) and 0 < steps[0] < len(traj.steps)


def test_multi_session_episode_resets_history_and_summary() -> None:
    script, _ = long_reader(reads=8)
    with ScriptedServer(script) as server:
        agent = agent_for(server, "anthropic", context="summarize:2500")
        locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=4, options={"length": 8192, "sessions": 2})
        first_of_session_1 = next(r for r in server.requests if "Session 1:" in r.text())
    assert "Session 0:" not in first_of_session_1.text() and first_of_session_1.tool_results() == []


def _tool_turn(ctx: Context, call_id: str, output: str) -> None:
    ctx.extend([{"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": "read_file", "arguments": f'{{"n":"{call_id}"}}'}}]},
        {"role": "tool", "tool_call_id": call_id, "content": output}])


def test_drop_stubs_oldest_first_and_summary_folds_whole_turns() -> None:
    ctx = Context(ChatDialect())
    ctx.start([{"role": "user", "content": "task"}])
    for i in range(4):
        _tool_turn(ctx, f"c{i}", f"word{i} " * 300)
    event = DropToolOutputs(max_tokens=ctx.tokens() - 400).compact(ctx, lambda text: "")
    assert event is not None and event["dropped_outputs"] == 1
    assert ctx.turns[1]["content"].startswith('[output of read_file({"n":"c0"}) dropped to save context: 601 tokens')
    assert ctx.turns[3]["content"].startswith("word1")

    asked: list[str] = []
    ctx2 = Context(ChatDialect())
    ctx2.start([{"role": "user", "content": "task"}])
    for i in range(4):
        _tool_turn(ctx2, f"c{i}", f"word{i} " * 300)
    # low_water=1: fold only what the limit needs, so the two newest turns stay
    event = Summarize(max_tokens=1500, keep_turns=2, low_water=1.0).compact(
        ctx2, lambda text: asked.append(text) or "S")
    assert event is not None and event["summarized_items"] == 4
    assert "word0" in asked[0] and "word2" not in asked[0]
    assert [m.get("tool_call_id") for m in ctx2.turns if m["role"] == "tool"] == ["c2", "c3"]
    assert ctx2.messages()[1]["content"].endswith("\nS") and ctx2.turns[0]["role"] == "assistant"


def test_summarize_compacts_down_to_the_low_water_mark() -> None:
    """Two turns of 600 tokens do not fit under half of a 1500 limit: only the newest stays, so the history has
    room to grow by most of the limit before the next summary."""
    ctx = Context(ChatDialect())
    ctx.start([{"role": "user", "content": "task"}])
    for i in range(4):
        _tool_turn(ctx, f"c{i}", f"word{i} " * 300)
    event = Summarize(max_tokens=1500, keep_turns=2).compact(ctx, lambda text: "S")
    assert event is not None and event["summarized_items"] == 6
    assert [m.get("tool_call_id") for m in ctx.turns if m["role"] == "tool"] == ["c3"]
    assert event["tokens_after"] <= 0.5 * 1500


def test_results_the_model_has_not_seen_are_never_stubbed() -> None:
    """A batch of parallel results after the newest model turn is sent whole, even when that leaves the request
    over the limit: the model is asked precisely in order to read them."""
    ctx = Context(ChatDialect())
    ctx.start([{"role": "user", "content": "task"}])
    _tool_turn(ctx, "old", "old " * 300)
    calls = [{"id": f"p{i}", "type": "function", "function": {"name": "read_file", "arguments": "{}"}}
             for i in range(5)]
    ctx.extend([{"role": "assistant", "content": "", "tool_calls": calls}])
    ctx.extend([{"role": "tool", "tool_call_id": f"p{i}", "content": f"fresh{i} " * 200} for i in range(5)])
    for strategy in (DropToolOutputs(max_tokens=600, keep_last=1), Summarize(max_tokens=600, keep_last=1)):
        copy = Context(ChatDialect())
        copy.start(list(ctx.head))
        copy.extend(list(ctx.turns))
        strategy.compact(copy, lambda text: "S")
        fresh = [m["content"] for m in copy.turns if m.get("tool_call_id", "").startswith("p")]
        assert len(fresh) == 5 and all(text.startswith("fresh") for text in fresh), strategy.name


def test_keep_all_never_changes_anything_and_specs_parse() -> None:
    ctx = Context(ChatDialect())
    ctx.start([{"role": "user", "content": "task"}])
    _tool_turn(ctx, "c0", "x " * 5000)
    assert KeepAll().compact(ctx, lambda t: "") is None
    assert isinstance(make_strategy("summarize:64k"), Summarize) and make_strategy("summarize:64k").max_tokens == 65536
    assert make_strategy("drop-tool-outputs", "8k").max_tokens == 8192
    with pytest.raises(ConfigError, match="needs a token limit"):
        make_strategy("summarize")
    with pytest.raises(ConfigError, match="Unknown context strategy"):
        make_strategy("forget_everything:1k")
