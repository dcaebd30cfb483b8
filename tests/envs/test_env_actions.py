"""Every accepted action shape, and clear errors for everything else."""

from __future__ import annotations

import orjson
import pytest

from locogym.core.types import ToolCall
from locogym.envs.actions import ActionError, parse_action

EXPECTED = ToolCall(name="read_file", arguments={"path": "a.py"})


def _same(parsed: object, call_id: str | None = None) -> None:
    assert isinstance(parsed, ToolCall), parsed
    assert (parsed.name, parsed.arguments, parsed.id) == (EXPECTED.name, EXPECTED.arguments, call_id)


def test_toolcall_and_plain_dict() -> None:
    _same(parse_action(EXPECTED))
    _same(parse_action({"name": "read_file", "arguments": {"path": "a.py"}}))
    _same(parse_action({"name": "read_file", "arguments": '{"path": "a.py"}'}))


def test_openai_chat_tool_call_dict_and_sdk_object() -> None:
    from openai.types.chat import ChatCompletionMessageToolCall

    raw = {"id": "call_1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}}
    _same(parse_action(raw), "call_1")
    _same(parse_action(ChatCompletionMessageToolCall.model_validate(raw)), "call_1")


def test_openai_responses_function_call() -> None:
    from openai.types.responses import ResponseFunctionToolCall

    raw = {"type": "function_call", "call_id": "fc_1", "name": "read_file", "arguments": '{"path": "a.py"}'}
    _same(parse_action(raw), "fc_1")
    _same(parse_action(ResponseFunctionToolCall.model_validate(raw)), "fc_1")


def test_anthropic_tool_use_block() -> None:
    from anthropic.types import ToolUseBlock

    raw = {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "a.py"}}
    _same(parse_action(raw), "toolu_1")
    _same(parse_action(ToolUseBlock.model_validate(raw)), "toolu_1")


def test_json_strings_bare_fenced_and_bytes() -> None:
    text = '{"name": "read_file", "arguments": {"path": "a.py"}}'
    _same(parse_action(text))
    _same(parse_action(f"I will read it.\n```json\n{text}\n```\nthen answer."))
    _same(parse_action(text.encode()))
    _same(parse_action(orjson.dumps(text).decode()))  # encoded twice, as some models do
    _same(parse_action([{"name": "read_file", "arguments": {"path": "a.py"}}]))


@pytest.mark.parametrize(("action", "needle"), [
    ("just some prose", "plain text"),
    ('{"name": "read_file", "arguments": ', "not valid JSON"),
    ({"arguments": {}}, "no tool name"),
    ({"name": "", "arguments": {}}, "non-empty string"),
    ({"name": "x", "arguments": [1, 2]}, "must be a JSON object"),
    ({"name": "x", "arguments": "{not json"}, "not valid JSON"),
    ([{"name": "a"}, {"name": "b"}], "one per step"),
    ([], "empty list"),
    (42, "type int"),
    ({"name": "x", "argumnets": {}}, "Unexpected keys"),
    ('"' * 3 + "x", "not valid JSON"),
    ("\"just a string\"", "plain text"),
])
def test_bad_actions_explain_the_expected_shape(action: object, needle: str) -> None:
    parsed = parse_action(action)
    assert isinstance(parsed, ActionError)
    assert needle in parsed.message
