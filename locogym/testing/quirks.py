"""How real OpenAI-compatible servers differ from OpenAI, as responders for the scripted server.

``emulate("llama-cpp-python", respond, window=4096)`` wraps a script responder so that the scripted server
answers the way that server does: the same reply shapes, the same refusals, the same error bodies. Tests use it
to check that an agent works against each server without installing any of them. What each emulates:

* ``llama-cpp-python`` (its ``llama_cpp.server``): answers 500 with a plain-text body to an assistant message
  whose ``content`` is null; ignores ``tools`` unless ``tool_choice`` is sent (the model then answers in
  text); a prompt past the window is a 400 ``context_length_exceeded`` in OpenAI's words.
* ``llama-server`` (llama.cpp): tool calls with random ids and ``content: null``; a prompt past the window is a
  400 of type ``exceed_context_size_error`` ("the request exceeds the available context size").
* ``vllm``: tool call ids ``chatcmpl-tool-…``; the prompt *plus* ``max_tokens`` must fit the window, else a 400
  "This model's maximum context length is N tokens. However, you requested M tokens ...".
* ``ollama`` (its ``/v1`` endpoint): tool calls without ids and with an ``index``; a prompt past the window
  (``num_ctx``) is silently cut from the front, never refused, so the model answers without its opening prompt.

Prompt sizes are counted with the gym's tokenizer over the request, as the context strategies count them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from locogym.testing.script import Raw, Reply, ScriptItem
from locogym.testing.wire import RecordedRequest, Renderer


@dataclass(frozen=True)
class ServerQuirks:
    """What one server does differently (see the module docstring)."""

    name: str
    null_content_fails: bool = False
    tools_need_tool_choice: bool = False
    call_id_prefix: str | None = "call_"  # None: calls carry no id
    tool_call_content: str | None = ""  # what "content" holds in a reply that only calls tools
    window_counts_output: bool = False
    overflow: Callable[[int, int, int], ScriptItem] | None = None  # (prompt, max_tokens, window) -> refusal


def _openai_overflow(prompt: int, max_tokens: int, window: int) -> ScriptItem:
    return Raw(400, orjson.dumps({"error": {
        "message": f"This model's maximum context length is {window} tokens. However, you requested "
                   f"{prompt + max_tokens} tokens ({prompt} in the messages, {max_tokens} in the completion). "
                   "Please reduce the length of the messages or completion.",
        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}))


def _llama_server_overflow(prompt: int, _max_tokens: int, window: int) -> ScriptItem:
    return Raw(400, orjson.dumps({"error": {
        "code": 400, "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error", "n_prompt_tokens": prompt, "n_ctx": window}}))


def _vllm_overflow(prompt: int, max_tokens: int, window: int) -> ScriptItem:
    return Raw(400, orjson.dumps({"object": "error", "type": "BadRequestError", "param": None, "code": 400,
                                  "message": f"This model's maximum context length is {window} tokens. However, "
                                             f"you requested {prompt + max_tokens} tokens ({prompt} in the "
                                             f"messages, {max_tokens} in the completion). Please reduce the "
                                             "length of the messages or completion."}))


SERVERS: dict[str, ServerQuirks] = {
    "llama-cpp-python": ServerQuirks("llama-cpp-python", null_content_fails=True, tools_need_tool_choice=True,
                                     overflow=_openai_overflow),
    "llama-server": ServerQuirks("llama-server", call_id_prefix="", tool_call_content=None,
                                 overflow=_llama_server_overflow),
    "vllm": ServerQuirks("vllm", call_id_prefix="chatcmpl-tool-", tool_call_content=None, window_counts_output=True,
                         overflow=_vllm_overflow),
    "ollama": ServerQuirks("ollama", call_id_prefix=None, tool_call_content=""),
}


def emulate(server: str, respond: Callable[[RecordedRequest], ScriptItem], window: int | None = None
            ) -> Callable[[RecordedRequest], ScriptItem]:
    """A responder for OpenAI chat requests that answers like ``server`` (a key of :data:`SERVERS`).

    ``respond`` is the script (it sees the request as the server would pass it on); ``window`` the model's
    context in tokens (None: unlimited).
    """
    from locogym.agents.context import request_tokens

    quirks = SERVERS[server]
    renderer = Renderer()
    ids = itertools.count(1)

    def answer(request: RecordedRequest) -> ScriptItem:
        messages = request.body.get("messages") or []
        if quirks.null_content_fails and any(m.get("role") == "assistant" and m.get("content") is None
                                             for m in messages):
            return Raw(500, b"Internal Server Error", "text/plain; charset=utf-8")
        max_tokens = int(request.body.get("max_tokens") or request.body.get("max_completion_tokens") or 0)
        if window is not None:
            prompt = request_tokens(request.body, "messages")
            needed = prompt + (max_tokens if quirks.window_counts_output else 0)
            if needed > window:
                if quirks.overflow is not None:
                    return quirks.overflow(prompt, max_tokens, window)
                request = _cut_from_front(request, prompt - window)
        seen = request
        if quirks.tools_need_tool_choice and "tool_choice" not in request.body:
            seen = RecordedRequest(request.protocol, request.path,
                                   {k: v for k, v in request.body.items() if k != "tools"}, request.headers)
        item = respond(seen)
        if not isinstance(item, Reply):
            return item
        if quirks.tools_need_tool_choice and "tool_choice" not in request.body and item.calls:
            # the server did not constrain the model to its tools: it writes the call as prose
            item = Reply.say("I will call " + ", ".join(c.name for c in item.calls) + ".", usage=item.usage)
        body = renderer.reply("openai-chat", request, item)
        message = body["choices"][0]["message"]
        message.pop("refusal", None)
        for index, call in enumerate(message.get("tool_calls") or []):
            if quirks.call_id_prefix is None:
                call.pop("id", None)
                call["index"] = index
            else:
                call["id"] = f"{quirks.call_id_prefix}{next(ids):08x}"
        if message.get("tool_calls") and item.text is None:
            message["content"] = quirks.tool_call_content
        return Raw(200, orjson.dumps(body))

    return answer


def _cut_from_front(request: RecordedRequest, excess: int) -> RecordedRequest:
    """The request with its oldest messages dropped until about ``excess`` tokens are gone (Ollama's num_ctx)."""
    from locogym.agents.context import item_tokens

    messages = list(request.body.get("messages") or [])
    while messages and excess > 0:
        excess -= item_tokens(messages.pop(0))
    body: dict[str, Any] = {**request.body, "messages": messages}
    return RecordedRequest(request.protocol, request.path, body, request.headers)
