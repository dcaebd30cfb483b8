"""The act loop of every model agent: native tools, queued parallel calls, results with call ids, text replies."""

from __future__ import annotations

from typing import Any

import pytest

from locogym.core.types import ToolCall, ToolSpec
from locogym.envs.actions import parse_action
from locogym.testing import PROTOCOLS, Call, Reply, ScriptedServer, Usage, agent_for

SPECS = [
    ToolSpec(name="read_file", description="Read a file.",
             parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    ToolSpec(name="submit", description="Submit.", parameters={"type": "object", "properties": {"answer": {}}}),
]
INFO: dict[str, Any] = {"tools": [s.model_dump() for s in SPECS], "new_session": False}


def _call(action: Any) -> ToolCall:
    parsed = parse_action(action)
    assert isinstance(parsed, ToolCall), parsed
    return parsed


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tools_are_sent_in_the_native_shape(protocol: str) -> None:
    with ScriptedServer([Reply.call("submit", {"answer": 1})]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        agent.act("Find it.", INFO)
    body = server.requests[0].body
    expected = {"openai-chat": [s.to_openai() for s in SPECS], "openai-compatible": [s.to_openai() for s in SPECS],
                "openai-responses": [s.to_openai_responses() for s in SPECS],
                "anthropic": [s.to_anthropic() for s in SPECS]}[protocol]
    assert body["tools"] == expected
    assert server.requests[0].path == {"openai-responses": "/v1/responses", "anthropic": "/v1/messages"}.get(
        protocol, "/v1/chat/completions")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_parallel_calls_are_handed_out_one_per_step_and_answered_in_order(protocol: str) -> None:
    first = Reply.parallel(Call("read_file", {"path": "a"}), Call("read_file", {"path": "b"}),
                           Call("read_file", {"path": "c"}), usage=Usage(100, 20))
    with ScriptedServer([first, Reply.call("submit", {"answer": "x"}, usage=Usage(200, 5))]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        actions = [agent.act("Find it.", INFO)]
        usages = [agent.last_usage]
        for obs in ("content of a", "content of b", "content of c"):
            actions.append(agent.act(obs, INFO))
            usages.append(agent.last_usage)
            if len(actions) < 4:
                assert len(server.requests) == 1  # queued calls need no request
    calls = [_call(a) for a in actions]
    assert [(c.name, c.arguments) for c in calls] == [("read_file", {"path": p}) for p in "abc"] + [
        ("submit", {"answer": "x"})]
    second = server.requests[1]
    assert second.tool_results() == [(calls[i].id, f"content of {p}") for i, p in enumerate("abc")]
    assert [u.input if u else None for u in usages] == [100, None, None, 200]
    if protocol == "anthropic":  # all results of a turn travel in one user message
        assert second.body["messages"][-1]["role"] == "user"
        assert len(second.body["messages"][-1]["content"]) == 3


@pytest.mark.parametrize("protocol", ["openai-chat", "openai-responses"])
def test_malformed_arguments_reach_the_env_as_invalid_and_the_error_goes_back(protocol: str) -> None:
    with ScriptedServer([Reply.call("read_file", "{path: oops"), Reply.call("submit", {})]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        action = agent.act("Find it.", INFO)
        parsed = parse_action(action)
        assert not isinstance(parsed, ToolCall) and "not valid JSON" in parsed.message
        agent.act(f"[error: parse] {parsed.message}", INFO)
    (call_id, text), = server.requests[1].tool_results()
    assert call_id.startswith("call_") and "not valid JSON" in text


def test_anthropic_marks_error_results() -> None:
    with ScriptedServer([Reply.call("read_file", {"path": "zz"}), Reply.call("submit", {})]) as server:
        agent = agent_for(server, "anthropic")
        agent.reset(INFO)
        agent.act("Find it.", INFO)
        agent.act("[error: not_found] No such file: zz", INFO)
    block = server.requests[1].body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result" and block["is_error"] is True


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_text_reply_is_nudged_once_then_submitted(protocol: str) -> None:
    with ScriptedServer([Reply.say("I think it is 42."), Reply.say("It is 42.")]) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        action = agent.act("What is it?", INFO)
    assert action == ToolCall(name="submit", arguments={"answer": "It is 42."})
    assert "no tool call" in server.requests[1].text()
    assert [e["handled"] for e in agent.events if e["kind"] == "text_reply"] == ["nudge", "submit"]
    assert agent.last_usage is not None and agent.last_usage.input == 20  # both requests behind this action


def test_text_reply_submit_mode_submits_at_once_and_the_result_returns_as_user_text() -> None:
    with ScriptedServer([Reply.say("42"), Reply.call("submit", {"answer": "42"})]) as server:
        agent = agent_for(server, "openai-chat", text_reply="submit")
        agent.reset(INFO)
        assert agent.act("What?", INFO) == ToolCall(name="submit", arguments={"answer": "42"})
        agent.act("Answer submitted.", INFO)
    last = server.requests[1].body["messages"][-1]
    assert last == {"role": "user", "content": "Answer submitted."}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_new_session_resets_the_history(protocol: str) -> None:
    script = [Reply.call("read_file", {"path": "a"}), Reply.call("submit", {"answer": 1}),
              Reply.call("submit", {"answer": 2})]
    with ScriptedServer(script) as server:
        agent = agent_for(server, protocol)
        agent.reset(INFO)
        agent.act("Session 0 prompt", INFO)
        agent.act("file a", INFO)
        agent.act("Session 1 prompt", {**INFO, "new_session": True})
    third = server.requests[2]
    assert "Session 1 prompt" in third.text()
    assert "Session 0 prompt" not in third.text() and third.tool_results() == []


def test_settings_and_name() -> None:
    with ScriptedServer() as server:
        agent = agent_for(server, "openai-chat", model="gpt-4o", temperature=0.0, seed=7, max_tokens=512,
                          context="drop_tool_outputs:8k")
        compat = agent_for(server, "openai-compatible", model="llama3")
        other = agent_for(server, "openai-chat", model="gpt-4o", system_prompt="Be brief.")
        base_url = server.openai_base_url
    assert agent.name == "openai/gpt-4o" and compat.name == "openai-compatible/llama3"
    settings = agent.settings
    assert {k: settings[k] for k in ("provider", "model", "temperature", "seed", "max_tokens", "api")} == {
        "provider": "openai", "model": "gpt-4o", "temperature": 0.0, "seed": 7, "max_tokens": 512, "api": "chat"}
    assert settings["context"] == {"strategy": "drop_tool_outputs", "max_tokens": 8192, "keep_last": 1}
    assert len(settings["system_prompt_hash"]) == 16
    assert other.settings["system_prompt_hash"] != settings["system_prompt_hash"]
    assert compat.settings["base_url"] == base_url


@pytest.mark.parametrize("protocol", ["openai-chat", "openai-compatible"])
def test_request_carries_temperature_seed_and_max_tokens(protocol: str) -> None:
    with ScriptedServer([Reply.call("submit", {})]) as server:
        agent = agent_for(server, protocol, temperature=0.25, seed=3, max_tokens=77)
        agent.reset(INFO)
        agent.act("Go.", INFO)
    body = server.requests[0].body
    limit_key = "max_tokens" if protocol == "openai-compatible" else "max_completion_tokens"
    assert (body["temperature"], body["seed"], body[limit_key]) == (0.25, 3, 77)
    assert body["messages"][0]["role"] == "system"


@pytest.mark.parametrize(("protocol", "extra"), [("openai-compatible", {"top_k": 5, "repetition_penalty": 1.1}),
                                                  ("anthropic", {"output_config": {"effort": "low"}})])
def test_extra_params_reach_the_wire_even_when_the_sdk_does_not_name_them(protocol: str, extra: dict) -> None:
    with ScriptedServer([Reply.call("submit", {})]) as server:
        agent = agent_for(server, protocol, extra_params=extra)
        agent.reset(INFO)
        agent.act("Go.", INFO)
    body = server.requests[0].body
    assert {k: body[k] for k in extra} == extra
    assert agent.settings["extra_params"] == extra
