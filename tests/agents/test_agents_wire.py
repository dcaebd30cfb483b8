"""The scripted server speaks each wire protocol well enough for the real SDKs to read every field."""

from __future__ import annotations

import anthropic
import openai
import orjson
import pytest

from locogym.testing import TEST_KEY, Call, Delay, HttpError, Raw, Reply, ScriptedServer, Usage

USAGE = Usage(input=120, output=40, cache_read=30, cache_write=20, reasoning=9)


def _openai(server: ScriptedServer, **kw: object) -> openai.OpenAI:
    return openai.OpenAI(api_key=TEST_KEY, base_url=server.openai_base_url, max_retries=0, **kw)  # type: ignore[arg-type]


def _anthropic(server: ScriptedServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=TEST_KEY, base_url=server.anthropic_base_url, max_retries=0)


CHAT_MSG = [{"role": "user", "content": "hi"}]


def test_chat_parallel_calls_and_usage_fields() -> None:
    reply = Reply.parallel(Call("read", {"path": "a"}), Call("read", "{not json"), usage=USAGE, text="thinking")
    with ScriptedServer([reply], api_key=TEST_KEY) as server:
        out = _openai(server).chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
    message = out.choices[0].message
    assert message.content == "thinking"
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        ("call_0001", "read", '{"path":"a"}'), ("call_0002", "read", "{not json")]
    assert out.choices[0].finish_reason == "tool_calls"
    usage = out.usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (120, 40)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 30
    assert usage.completion_tokens_details is not None and usage.completion_tokens_details.reasoning_tokens == 9


def test_responses_items_and_usage_fields() -> None:
    with ScriptedServer([Reply.parallel(Call("a"), Call("b", {"x": 1}), usage=USAGE, text="ok")]) as server:
        out = _openai(server).responses.create(model="m", input="hi")
    kinds = [item.type for item in out.output]
    assert kinds == ["message", "function_call", "function_call"]
    calls = [item for item in out.output if item.type == "function_call"]
    assert [(c.name, c.arguments) for c in calls] == [("a", "{}"), ("b", '{"x":1}')]
    assert all(c.call_id.startswith("call_") for c in calls)
    assert out.usage is not None
    assert (out.usage.input_tokens, out.usage.output_tokens) == (120, 40)
    assert out.usage.input_tokens_details.cached_tokens == 30
    assert out.usage.output_tokens_details.reasoning_tokens == 9


def test_anthropic_blocks_and_usage_fields() -> None:
    with ScriptedServer([Reply.parallel(Call("a", {"q": 1}), Call("b"), usage=USAGE)], api_key=TEST_KEY) as server:
        out = _anthropic(server).messages.create(model="m", max_tokens=10, messages=CHAT_MSG)  # type: ignore[arg-type]
    assert [b.type for b in out.content] == ["tool_use", "tool_use"]
    assert out.content[0].input == {"q": 1}  # type: ignore[union-attr]
    assert out.stop_reason == "tool_use"
    # Anthropic reports input without the cached parts.
    assert (out.usage.input_tokens, out.usage.cache_read_input_tokens,
            out.usage.cache_creation_input_tokens) == (70, 30, 20)
    assert out.usage.output_tokens == 40


def test_rate_limit_carries_retry_after_and_error_envelope() -> None:
    with ScriptedServer([HttpError.rate_limit(retry_after=2.5)]) as server:
        with pytest.raises(openai.RateLimitError) as info:
            _openai(server).chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
    assert info.value.response.headers["retry-after"] == "2.5"
    assert "Rate limit" in info.value.message


def test_anthropic_server_error_shape() -> None:
    with ScriptedServer([HttpError.server(529)]) as server:
        with pytest.raises(anthropic.APIStatusError) as info:
            _anthropic(server).messages.create(model="m", max_tokens=5, messages=CHAT_MSG)  # type: ignore[arg-type]
    assert info.value.status_code == 529


def test_wrong_key_is_refused_and_credentials_are_masked_in_records() -> None:
    with ScriptedServer([Reply.say("never sent")], api_key="right-key") as server:
        with pytest.raises(openai.AuthenticationError):
            _openai(server).chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
        assert server.remaining == 1  # the script item was not consumed
    record = server.requests[0]
    assert not record.authorized and record.headers["authorization"] == "<masked>"
    assert TEST_KEY not in orjson.dumps(record.headers).decode()


def test_streaming_and_exhausted_script_are_refused_as_bad_requests() -> None:
    with ScriptedServer([]) as server:
        client = _openai(server)
        with pytest.raises(openai.BadRequestError, match="Script exhausted"):
            client.chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
        with pytest.raises(openai.BadRequestError, match="does not stream"):
            client.chat.completions.create(model="m", messages=CHAT_MSG, stream=True)  # type: ignore[arg-type]


def test_delay_makes_a_client_time_out_then_the_next_reply_is_served() -> None:
    with ScriptedServer([Delay(2.0, Reply.say("late")), Reply.say("on time")]) as server:
        client = _openai(server, timeout=0.2)
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
        out = client.chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
    assert out.choices[0].message.content == "on time"


def test_responder_sees_tool_results_of_every_protocol() -> None:
    seen: list[list[tuple[str, str]]] = []

    def responder(request):  # type: ignore[no-untyped-def]
        seen.append(request.tool_results())
        return Reply.say("done")

    with ScriptedServer([responder, responder, responder]) as server:
        _openai(server).chat.completions.create(model="m", messages=[  # type: ignore[arg-type]
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "chat result"}])
        _openai(server).responses.create(model="m", input=[  # type: ignore[arg-type]
            {"type": "function_call", "call_id": "c2", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c2", "output": "responses result"}])
        _anthropic(server).messages.create(model="m", max_tokens=5, messages=[  # type: ignore[arg-type]
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "c3", "name": "f", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c3", "content": "anthropic result"}]}])
    assert seen == [[("c1", "chat result")], [("c2", "responses result")], [("c3", "anthropic result")]]


def test_raw_body_reaches_the_client_verbatim() -> None:
    with ScriptedServer([Raw(200, b'{"unexpected": true}')]) as server:
        out = _openai(server).chat.completions.with_raw_response.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
    assert out.http_response.content == b'{"unexpected": true}'


def test_a_failing_responder_is_a_clear_400_and_is_kept() -> None:
    def broken(request):  # type: ignore[no-untyped-def]
        return {}["missing"]

    with ScriptedServer([broken]) as server:
        with pytest.raises(openai.BadRequestError, match="responder raised KeyError"):
            _openai(server).chat.completions.create(model="m", messages=CHAT_MSG)  # type: ignore[arg-type]
    assert [type(e) for e in server.errors] == [KeyError]
