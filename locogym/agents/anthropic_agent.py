"""Anthropic models through the Messages API, with native ``tool_use`` / ``tool_result`` blocks.

The history is a list of Anthropic messages. All results of one assistant turn go back in one user message, as
``tool_result`` blocks with their ``tool_use_id`` (marked ``is_error`` when the env reported an error), which is
what the API requires after a turn with several tool calls. Adjacent user messages are merged when a request is
built, so nudges and results can be recorded separately yet always alternate roles on the wire.

Prompt caching (``prompt_cache=True``, the default): every request marks the stable prefix with
``cache_control`` breakpoints — the end of the system prompt (which caches the tool definitions before it), the
end of the previous request's history and the end of this one's — so each turn reads the history it shares with
the turn before from Anthropic's prompt cache (billed at the cache-read rate) instead of paying for it again.
The history itself is never changed: the marks are added to copies when the request is built.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import anthropic
import orjson
from anthropic.resources.messages import Messages

from locogym.agents.cache import public_endpoint
from locogym.agents.context import SUMMARY_HEADER, Dialect, Item
from locogym.agents.model_agent import (
    SUMMARY_SYSTEM,
    ModelAgent,
    Turn,
    bad_response,
    post_json,
    sdk_accepts,
    usage_int,
)
from locogym.core.errors import ConfigError
from locogym.core.providers import REQUIRED_KEYS
from locogym.core.types import ModelUsage

ANTHROPIC_URL = "https://api.anthropic.com"
EPHEMERAL = {"type": "ephemeral"}
BREAKPOINT_TOKENS = 24  # what one cache_control mark (and a text block made to carry it) adds to a request


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _block_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(b.get("text", "")) for b in _blocks(content) if b.get("type") == "text")


class AnthropicDialect(Dialect):
    """Messages with content blocks: ``text``, ``tool_use``, ``tool_result``, ``thinking``."""

    def is_model_item(self, item: Item) -> bool:
        return item.get("role") == "assistant"

    def tool_outputs(self, item: Item) -> list[tuple[int, str | None, str]]:
        if item.get("role") != "user":
            return []
        return [(slot, b.get("tool_use_id"), _block_text(b.get("content")))
                for slot, b in enumerate(_blocks(item.get("content"))) if b.get("type") == "tool_result"]

    def replace_tool_output(self, item: Item, slot: int, text: str) -> Item:
        blocks = list(_blocks(item.get("content")))
        blocks[slot] = {**blocks[slot], "content": text}
        return {**item, "content": blocks}

    def calls(self, item: Item) -> list[tuple[str, str, str]]:
        return [(str(b.get("id")), str(b.get("name")), orjson.dumps(b.get("input")).decode())
                for b in _blocks(item.get("content")) if b.get("type") == "tool_use"]

    def render(self, item: Item) -> str:
        parts = []
        for block in _blocks(item.get("content")):
            kind = block.get("type")
            if kind == "text":
                parts.append(f"[{item.get('role')}] {block.get('text', '')}")
            elif kind == "tool_result":
                parts.append(f"[tool result {block.get('tool_use_id')}]\n{_block_text(block.get('content'))}")
        parts += [f"[call] {name}({args})" for _, name, args in self.calls(item)]
        return "\n".join(parts)

    def with_summary(self, head: list[Item], summary: str) -> list[Item]:
        *rest, last = head
        blocks = [*_blocks(last.get("content")), {"type": "text", "text": f"{SUMMARY_HEADER}\n{summary}"}]
        return [*rest, {**last, "content": blocks}]


def mark_cache_breakpoints(messages: list[Item]) -> list[Item]:
    """Copies of ``messages`` with ``cache_control`` on the last block of the last message and of the last user
    message before the newest assistant turn (where the previous request ended)."""
    if not messages:
        return messages
    marked = list(messages)
    targets = {len(marked) - 1}
    for index in range(len(marked) - 2, -1, -1):
        if marked[index].get("role") == "user" and index + 1 < len(marked) \
                and marked[index + 1].get("role") == "assistant":
            targets.add(index)
            break
    for index in targets:
        blocks = copy.deepcopy(_blocks(marked[index].get("content")))
        if not blocks:
            continue
        blocks[-1]["cache_control"] = dict(EPHEMERAL)
        marked[index] = {**marked[index], "content": blocks}
    return marked


def merge_roles(messages: list[Item]) -> list[Item]:
    """Merge adjacent messages of the same role into one (content blocks concatenated)."""
    merged: list[Item] = []
    for message in messages:
        if merged and merged[-1].get("role") == message.get("role"):
            merged[-1] = {**merged[-1], "content": _blocks(merged[-1].get("content")) + _blocks(message.get("content"))}
        else:
            merged.append(message)
    return merged


class AnthropicAgent(ModelAgent):
    """A Claude model. Anthropic takes no seed; it is recorded in the settings all the same.

    Messages API versions without sampling parameters (the installed SDK's ``messages.create`` lists no
    ``temperature``) refuse ``temperature=``: a ConfigError says so at construction rather than a 400 later.
    """

    provider: ClassVar[str] = "anthropic"
    key_env: ClassVar[str | None] = REQUIRED_KEYS["anthropic"]

    def __init__(self, model: str, *, prompt_cache: bool = True, **kwargs: Any) -> None:
        self.prompt_cache = prompt_cache
        super().__init__(model, **kwargs)
        if self.temperature is not None and not sdk_accepts(Messages.create, "temperature"):
            raise ConfigError(f"The installed Anthropic Messages API takes no temperature (anthropic "
                              f"{anthropic.__version__}).",
                              fix="Leave temperature unset for anthropic/ models; steer them with "
                                  "extra_params={'output_config': {'effort': 'low'}} instead.")
        self._dialect = AnthropicDialect()

    @property
    def settings(self) -> dict[str, Any]:
        return {**super().settings, "prompt_cache": self.prompt_cache}

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def endpoint(self) -> str:
        return public_endpoint((self.base_url or ANTHROPIC_URL).rstrip("/") + "/v1/messages")

    def make_client(self, api_key: str) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key=api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0)

    def build_request(self, messages: list[Item]) -> dict[str, Any]:
        history = merge_roles(messages)
        body: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens,
                                "messages": mark_cache_breakpoints(history) if self.prompt_cache else history}
        if self.system_prompt:
            body["system"] = ([{"type": "text", "text": self.system_prompt, "cache_control": dict(EPHEMERAL)}]
                              if self.prompt_cache else self.system_prompt)
        if self._specs:
            body["tools"] = [s.to_anthropic() for s in self._specs]
            if self.prompt_cache and not self.system_prompt:
                body["tools"][-1] = {**body["tools"][-1], "cache_control": dict(EPHEMERAL)}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def _fixed_tokens(self) -> int:
        """Besides system prompt and tools, the two history breakpoints: a mark and, on a plain-text message, the
        block that carries it."""
        marks = 2 * BREAKPOINT_TOKENS if self.prompt_cache else 0
        return super()._fixed_tokens() + marks

    def build_summary_request(self, prompt: str) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "system": SUMMARY_SYSTEM,
                                "messages": [{"role": "user", "content": prompt}]}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def send(self, client: anthropic.Anthropic, body: dict[str, Any]) -> dict[str, Any]:
        return post_json(client, "/v1/messages", body, self.name)

    def parse(self, response: dict[str, Any]) -> Turn:
        content = response.get("content")
        if not isinstance(content, list):
            raise bad_response(self.name, "a content list")
        blocks = [b for b in content if isinstance(b, dict)]
        calls = []
        for block in blocks:
            if block.get("type") == "tool_use":
                native = {"type": "tool_use", "id": block.get("id"), "name": block.get("name"),
                          "input": block.get("input")}
                calls.append((str(block.get("id")), str(block.get("name")), native))
        text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        usage = response.get("usage") or {}
        cache_read = usage_int(usage, "cache_read_input_tokens")
        cache_write = usage_int(usage, "cache_creation_input_tokens")
        return Turn(items=[{"role": "assistant", "content": blocks}], calls=calls, text=text, usage=ModelUsage(
            input=usage_int(usage, "input_tokens") + cache_read + cache_write, output=usage_int(usage, "output_tokens"),
            cache_read=cache_read, cache_write=cache_write,
            reasoning=usage_int(usage, "output_tokens_details", "thinking_tokens")))

    def user_item(self, text: str) -> Item:
        return {"role": "user", "content": text}

    def result_items(self, results: list[tuple[str | None, str, str]]) -> list[Item]:
        blocks: list[dict[str, Any]] = []
        for call_id, _name, output in results:
            if call_id is None:
                blocks.append({"type": "text", "text": output})
            else:
                block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": output}
                if output.startswith("[error: "):
                    block["is_error"] = True
                blocks.append(block)
        return [{"role": "user", "content": blocks}] if blocks else []
