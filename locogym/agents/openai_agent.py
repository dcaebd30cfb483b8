"""OpenAI models (chat completions or the Responses API) and any OpenAI-compatible server.

``make_agent("openai/gpt-4o")`` uses chat completions; ``make_agent("openai/gpt-4o", api="responses")`` the
Responses API. ``make_agent("openai-compatible/llama3", base_url="http://localhost:8000/v1")`` talks to vLLM,
llama.cpp's server, Ollama or anything else that serves ``/v1/chat/completions`` (chat completions only, since
that is what those servers implement). The history is kept as chat messages or Responses input items, tools
are sent as native function tools from the env's ToolSpecs, and every call the model makes is handed to the env
in its native shape (``{"id", "type": "function", "function": {...}}`` or a ``function_call`` item), so a call
with malformed JSON arguments reaches the env as such and is recorded as an invalid call.

Interop with local servers: an assistant turn that only calls tools is echoed back with ``"content": ""``
(llama-cpp-python's server answers 500 to ``null``), and ``tool_choice`` is sent whenever tools are offered
(``"auto"`` by default; llama-cpp-python ignores ``tools`` without it). ``tool_choice=`` on the agent overrides
it: ``"required"``, ``"none"``, a function choice, or ``False`` to leave the field out.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, ClassVar, Literal

import openai

from locogym.agents.cache import public_endpoint
from locogym.agents.context import SUMMARY_HEADER, Dialect, Item
from locogym.agents.model_agent import SUMMARY_SYSTEM, ModelAgent, Turn, bad_response, post_json, usage_int
from locogym.core.errors import ConfigError
from locogym.core.providers import REQUIRED_KEYS
from locogym.core.types import ModelUsage

OPENAI_URL = "https://api.openai.com/v1"


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class ChatDialect(Dialect):
    """Chat completions messages: ``assistant`` (with ``tool_calls``), ``tool``, ``user``."""

    def is_model_item(self, item: Item) -> bool:
        return item.get("role") == "assistant"

    def tool_outputs(self, item: Item) -> list[tuple[int, str | None, str]]:
        if item.get("role") != "tool":
            return []
        return [(0, item.get("tool_call_id"), _content_text(item.get("content")))]

    def replace_tool_output(self, item: Item, slot: int, text: str) -> Item:
        return {**item, "content": text}

    def calls(self, item: Item) -> list[tuple[str, str, str]]:
        return [(str(c.get("id")), str(c.get("function", {}).get("name")), str(c.get("function", {}).get("arguments")))
                for c in item.get("tool_calls") or []]

    def render(self, item: Item) -> str:
        role = item.get("role", "?")
        if role == "tool":
            return f"[tool result {item.get('tool_call_id')}]\n{_content_text(item.get('content'))}"
        text = _content_text(item.get("content"))
        calls = "; ".join(f"{name}({args})" for _, name, args in self.calls(item))
        return f"[{role}] {text}" + (f"\n[calls] {calls}" if calls else "")

    def with_summary(self, head: list[Item], summary: str) -> list[Item]:
        return [*head, {"role": "user", "content": f"{SUMMARY_HEADER}\n{summary}"}]


class ResponsesDialect(Dialect):
    """Responses API input items: messages, ``function_call``, ``function_call_output``, ``reasoning``."""

    def is_model_item(self, item: Item) -> bool:
        return item.get("type") in ("function_call", "reasoning") or item.get("role") == "assistant"

    def tool_outputs(self, item: Item) -> list[tuple[int, str | None, str]]:
        if item.get("type") != "function_call_output":
            return []
        return [(0, item.get("call_id"), _content_text(item.get("output")))]

    def replace_tool_output(self, item: Item, slot: int, text: str) -> Item:
        return {**item, "output": text}

    def calls(self, item: Item) -> list[tuple[str, str, str]]:
        if item.get("type") != "function_call":
            return []
        return [(str(item.get("call_id")), str(item.get("name")), str(item.get("arguments")))]

    def render(self, item: Item) -> str:
        if item.get("type") == "function_call_output":
            return f"[tool result {item.get('call_id')}]\n{_content_text(item.get('output'))}"
        if item.get("type") == "function_call":
            return f"[call] {item.get('name')}({item.get('arguments')})"
        if item.get("type") == "reasoning":
            return ""
        return f"[{item.get('role', '?')}] {_content_text(item.get('content'))}"

    def with_summary(self, head: list[Item], summary: str) -> list[Item]:
        return [*head, {"role": "user", "content": f"{SUMMARY_HEADER}\n{summary}"}]


class OpenAIAgent(ModelAgent):
    """An OpenAI model. ``api="chat"`` (default) or ``"responses"``; other options: see :class:`ModelAgent`.

    The seed is sent with chat completions (the Responses API takes none) and recorded either way.
    """

    provider: ClassVar[str] = "openai"
    key_env: ClassVar[str | None] = REQUIRED_KEYS["openai"]

    def __init__(self, model: str, *, api: Literal["chat", "responses"] = "chat",
                 tool_choice: str | dict[str, Any] | bool = "auto", **kwargs: Any) -> None:
        if api not in ("chat", "responses"):
            raise ConfigError(f"api={api!r} is not an OpenAI API.", fix='Use api="chat" or api="responses".')
        if tool_choice is True or not isinstance(tool_choice, (str, dict, bool)):
            raise ConfigError(f"tool_choice={tool_choice!r} is not a choice.",
                              fix='Use "auto", "required", "none", {"type": "function", ...} or false.')
        self.api = api
        self.tool_choice = tool_choice
        super().__init__(model, **kwargs)
        self._dialect: Dialect = ChatDialect() if api == "chat" else ResponsesDialect()
        self.messages_key = "messages" if api == "chat" else "input"  # type: ignore[misc]
        self._call_ids = itertools.count(1)

    @property
    def settings(self) -> dict[str, Any]:
        return {**super().settings, "api": self.api, "tool_choice": self.tool_choice}

    @property
    def max_tokens_field(self) -> str:
        return "max_output_tokens" if self.api == "responses" else self._max_tokens_param()

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def endpoint(self) -> str:
        base = self.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL
        return public_endpoint(base.rstrip("/") + ("/chat/completions" if self.api == "chat" else "/responses"))

    def make_client(self, api_key: str) -> openai.OpenAI:
        return openai.OpenAI(api_key=api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0)

    # ------------------------------------------------------------------ requests
    def _max_tokens_param(self) -> str:
        return "max_completion_tokens"

    def build_request(self, messages: list[Item]) -> dict[str, Any]:
        if self.api == "responses":
            body: dict[str, Any] = {"model": self.model, "instructions": self.system_prompt, "input": messages,
                                    "max_output_tokens": self.max_tokens}
            if self._specs:
                body["tools"] = [s.to_openai_responses() for s in self._specs]
                if self.tool_choice is not False:
                    body["tool_choice"] = self.tool_choice
        else:
            system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
            body = {"model": self.model, "messages": system + messages, self._max_tokens_param(): self.max_tokens}
            if self._specs:
                body["tools"] = [s.to_openai() for s in self._specs]
                if self.tool_choice is not False:
                    body["tool_choice"] = self.tool_choice
            if self.seed is not None:
                body["seed"] = self.seed
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def build_summary_request(self, prompt: str) -> dict[str, Any]:
        if self.api == "responses":
            body: dict[str, Any] = {"model": self.model, "instructions": SUMMARY_SYSTEM,
                                    "input": [{"role": "user", "content": prompt}],
                                    "max_output_tokens": self.max_tokens}
        else:
            body = {"model": self.model, "messages": [{"role": "system", "content": SUMMARY_SYSTEM},
                                                      {"role": "user", "content": prompt}],
                    self._max_tokens_param(): self.max_tokens}
            if self.seed is not None:
                body["seed"] = self.seed
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def send(self, client: openai.OpenAI, body: dict[str, Any]) -> dict[str, Any]:
        return post_json(client, "/responses" if self.api == "responses" else "/chat/completions", body, self.name)

    # ------------------------------------------------------------------ responses
    def parse(self, response: dict[str, Any]) -> Turn:
        return self._parse_responses(response) if self.api == "responses" else self._parse_chat(response)

    def _new_call_id(self) -> str:
        return f"call_lg{next(self._call_ids):05d}"

    def _parse_chat(self, response: dict[str, Any]) -> Turn:
        choices = response.get("choices")
        if not (isinstance(choices, list) and choices and isinstance(choices[0], dict)
                and isinstance(choices[0].get("message"), dict)):
            raise bad_response(self.name, "choices[0].message")
        message = choices[0]["message"]
        text = _content_text(message.get("content"))
        calls, native = [], []
        for raw in message.get("tool_calls") or []:
            fn = raw.get("function") or {}
            call_id = raw.get("id") or self._new_call_id()  # some local servers omit ids
            arguments = fn.get("arguments")
            native_call = {"id": call_id, "type": "function",
                           "function": {"name": fn.get("name"), "arguments": "" if arguments is None else arguments}}
            native.append(native_call)
            calls.append((call_id, str(fn.get("name")), native_call))
        content = message.get("content")
        item: Item = {"role": "assistant", "content": "" if content is None else content}
        if native:
            item["tool_calls"] = native
        usage = response.get("usage") or {}
        return Turn(items=[item], calls=calls, text=text, usage=ModelUsage(
            input=usage_int(usage, "prompt_tokens"), output=usage_int(usage, "completion_tokens"),
            cache_read=usage_int(usage, "prompt_tokens_details", "cached_tokens"),
            cache_write=usage_int(usage, "prompt_tokens_details", "cache_write_tokens"),
            reasoning=usage_int(usage, "completion_tokens_details", "reasoning_tokens")))

    def _parse_responses(self, response: dict[str, Any]) -> Turn:
        output = response.get("output")
        if not isinstance(output, list):
            raise bad_response(self.name, "an output list")
        items, calls, texts = [], [], []
        for item in output:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            if kind == "function_call":
                call_id = item.get("call_id") or self._new_call_id()
                item = {**item, "call_id": call_id}
                native = {"type": "function_call", "call_id": call_id, "name": item.get("name"),
                          "arguments": item.get("arguments") or ""}
                calls.append((call_id, str(item.get("name")), native))
            elif kind == "message":
                texts.append(_content_text(item.get("content")))
            items.append(item)
        usage = response.get("usage") or {}
        return Turn(items=items, calls=calls, text="\n".join(t for t in texts if t), usage=ModelUsage(
            input=usage_int(usage, "input_tokens"), output=usage_int(usage, "output_tokens"),
            cache_read=usage_int(usage, "input_tokens_details", "cached_tokens"),
            cache_write=usage_int(usage, "input_tokens_details", "cache_write_tokens"),
            reasoning=usage_int(usage, "output_tokens_details", "reasoning_tokens")))

    # ------------------------------------------------------------------ history items
    def user_item(self, text: str) -> Item:
        return {"role": "user", "content": text}

    def result_items(self, results: list[tuple[str | None, str, str]]) -> list[Item]:
        items: list[Item] = []
        for call_id, _name, output in results:
            if call_id is None:
                items.append(self.user_item(output))
            elif self.api == "responses":
                items.append({"type": "function_call_output", "call_id": call_id, "output": output})
            else:
                items.append({"role": "tool", "tool_call_id": call_id, "content": output})
        return items


class OpenAICompatibleAgent(OpenAIAgent):
    """A model behind any server that speaks OpenAI chat completions: vLLM, llama.cpp server, Ollama, ...

    ``base_url`` is required (e.g. ``http://localhost:8000/v1``; Ollama: ``http://localhost:11434/v1``). A key is
    optional: ``api_key=`` or ``OPENAI_COMPATIBLE_API_KEY``; servers without auth get a placeholder. Costs are 0
    unless the price table has an ``openai-compatible/NAME`` entry.
    """

    provider: ClassVar[str] = "openai-compatible"
    key_env: ClassVar[str | None] = "OPENAI_COMPATIBLE_API_KEY"
    _PLACEHOLDER_KEY = "no-key"

    def __init__(self, model: str, *, base_url: str | None = None, **kwargs: Any) -> None:
        if not base_url:
            raise ConfigError(f"openai-compatible/{model} needs the server's address.",
                              fix="Pass base_url= (on the command line --base-url), e.g. http://localhost:8000/v1.")
        kwargs.setdefault("api", "chat")
        super().__init__(model, base_url=base_url, **kwargs)

    @property
    def settings(self) -> dict[str, Any]:
        return {**super().settings, "base_url": public_endpoint(self.base_url or "")}

    def _key(self) -> str | None:
        return super()._key() or self._PLACEHOLDER_KEY

    def _secrets(self) -> tuple[str | None, ...]:
        key = super()._key()
        return (key if key != self._PLACEHOLDER_KEY else None,)

    def _max_tokens_param(self) -> str:
        return "max_tokens"  # llama.cpp and Ollama read max_tokens; vLLM reads both
