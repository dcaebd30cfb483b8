"""The three wire protocols a scripted server speaks: rendering replies and reading requests.

Only what the SDKs read is produced, in the field names and nesting the providers document: OpenAI chat
completions (``POST /v1/chat/completions``), OpenAI Responses (``POST /v1/responses``) and Anthropic messages
(``POST /v1/messages``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from locogym.testing.script import Call, HttpError, Reply, Usage

Protocol = Literal["openai-chat", "openai-responses", "anthropic"]
PATHS: dict[str, Protocol] = {
    "/v1/chat/completions": "openai-chat",
    "/v1/responses": "openai-responses",
    "/v1/messages": "anthropic",
}


@dataclass
class RecordedRequest:
    """A request the server received. Credential headers are masked; ``authorized`` says if the key matched."""

    protocol: Protocol
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    authorized: bool = True

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def tool_names(self) -> list[str]:
        names = []
        for tool in self.body.get("tools") or []:
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            names.append(str(fn.get("name")))
        return names

    def tool_results(self) -> list[tuple[str, str]]:
        """Every ``(call id, output text)`` the client sent back, oldest first, whatever the protocol."""
        results: list[tuple[str, str]] = []
        if self.protocol == "openai-chat":
            for message in self.body.get("messages", []):
                if message.get("role") == "tool":
                    results.append((str(message.get("tool_call_id")), _text(message.get("content"))))
        elif self.protocol == "openai-responses":
            items = self.body.get("input")
            for item in items if isinstance(items, list) else []:
                if item.get("type") == "function_call_output":
                    results.append((str(item.get("call_id")), _text(item.get("output"))))
        else:
            for message in self.body.get("messages", []):
                content = message.get("content")
                for block in content if isinstance(content, list) else []:
                    if block.get("type") == "tool_result":
                        results.append((str(block.get("tool_use_id")), _text(block.get("content"))))
        return results

    def text(self) -> str:
        """All text of the request (system, messages, tool results) joined: for simple substring checks."""
        return orjson.dumps(self.body).decode()


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _arguments_json(call: Call) -> str:
    return call.arguments if isinstance(call.arguments, str) else orjson.dumps(call.arguments).decode()


class Renderer:
    """Turns script items into response bodies; numbers ids deterministically, so reruns send equal requests."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):04d}"

    def reply(self, protocol: Protocol, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        if protocol == "openai-chat":
            return self._chat(request, reply)
        if protocol == "openai-responses":
            return self._responses(request, reply)
        return self._anthropic(request, reply)

    def _chat(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        calls = [{"id": c.id or self._id("call"), "type": "function",
                  "function": {"name": c.name, "arguments": _arguments_json(c)}} for c in reply.calls]
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        if calls:
            message["tool_calls"] = calls
        finish = reply.stop or ("tool_calls" if calls else "stop")
        u = reply.usage
        return {"id": self._id("chatcmpl"), "object": "chat.completion", "created": 0, "model": request.model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {"prompt_tokens": u.input, "completion_tokens": u.output,
                          "total_tokens": u.input + u.output,
                          "prompt_tokens_details": {"cached_tokens": u.cache_read,
                                                    "cache_write_tokens": u.cache_write},
                          "completion_tokens_details": {"reasoning_tokens": u.reasoning}}}

    def _responses(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        output: list[dict[str, Any]] = []
        if reply.text is not None:
            output.append({"type": "message", "id": self._id("msg"), "status": "completed", "role": "assistant",
                           "content": [{"type": "output_text", "text": reply.text, "annotations": []}]})
        for c in reply.calls:
            output.append({"type": "function_call", "id": self._id("fc"), "call_id": c.id or self._id("call"),
                           "name": c.name, "arguments": _arguments_json(c), "status": "completed"})
        u = reply.usage
        return {"id": self._id("resp"), "object": "response", "created_at": 0,
                "status": "incomplete" if reply.stop == "length" else "completed",
                "incomplete_details": {"reason": "max_output_tokens"} if reply.stop == "length" else None,
                "model": request.model, "output": output, "parallel_tool_calls": True, "tool_choice": "auto",
                "tools": [], "error": None, "instructions": None, "metadata": {}, "temperature": None,
                "top_p": None,
                "usage": {"input_tokens": u.input,
                          "input_tokens_details": {"cached_tokens": u.cache_read,
                                                   "cache_write_tokens": u.cache_write},
                          "output_tokens": u.output, "output_tokens_details": {"reasoning_tokens": u.reasoning},
                          "total_tokens": u.input + u.output}}

    def _anthropic(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if reply.text is not None:
            content.append({"type": "text", "text": reply.text})
        for c in reply.calls:
            arguments: Any = c.arguments
            if isinstance(arguments, str):  # Anthropic sends parsed input; a malformed one arrives as a string
                try:
                    arguments = orjson.loads(arguments)
                except orjson.JSONDecodeError:
                    pass
            content.append({"type": "tool_use", "id": c.id or self._id("toolu"), "name": c.name, "input": arguments})
        stop = {"length": "max_tokens"}.get(reply.stop or "", reply.stop) or ("tool_use" if reply.calls else "end_turn")
        u = reply.usage
        return {"id": self._id("msg"), "type": "message", "role": "assistant", "model": request.model,
                "content": content, "stop_reason": stop, "stop_sequence": None,
                "usage": {"input_tokens": u.input - u.cache_read - u.cache_write, "output_tokens": u.output,
                          "cache_read_input_tokens": u.cache_read,
                          "cache_creation_input_tokens": u.cache_write,
                          "output_tokens_details": {"thinking_tokens": u.reasoning}}}


def error_body(protocol: Protocol, error: HttpError) -> dict[str, Any]:
    """The provider's error envelope for ``error``."""
    kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(error.status, "api_error")
    if protocol == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": error.message}}
    return {"error": {"message": error.message, "type": kind, "param": None, "code": None}}


def usage_total(usages: list[Usage]) -> Usage:
    """Field-wise sum of scripted usages: what a client's totals must equal."""
    return Usage(**{name: sum(getattr(u, name) for u in usages)
                    for name in ("input", "output", "cache_read", "cache_write", "reasoning")})
