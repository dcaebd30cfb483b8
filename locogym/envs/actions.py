"""Reading an agent's action as a :class:`ToolCall`, whatever shape it came in.

Accepted: a ``ToolCall``; a dict ``{"name", "arguments"}``; an OpenAI chat tool call (``{"type": "function",
"function": {"name", "arguments": "<json>"}}``); an OpenAI Responses ``function_call`` item; an Anthropic
``tool_use`` block; SDK objects of those shapes; a JSON string of any of them, bare, inside a code fence or encoded
twice; bytes of such a string. Anything else gives an :class:`ActionError` whose message says what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from locogym.core.types import ToolCall, to_jsonable

EXPECTED_SHAPE = (
    'Send one tool call per step, e.g. {"name": "read_file", "arguments": {"path": "src/app.py"}} '
    "(OpenAI tool_calls and Anthropic tool_use blocks are accepted too)."
)
MAX_ACTION_CHARS = 1_000_000
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ActionError:
    """Why an action could not be used; ``message`` is shown to the agent."""

    message: str


def _from_mapping(data: dict[str, Any]) -> ToolCall | ActionError:
    kind = data.get("type")
    if isinstance(data.get("function"), dict):  # OpenAI chat completions tool call
        fn = data["function"]
        return _build(fn.get("name"), fn.get("arguments", {}), data.get("id"))
    if kind == "tool_use" or "input" in data:  # Anthropic tool_use block
        return _build(data.get("name"), data.get("input", {}), data.get("id"))
    if kind == "function_call":  # OpenAI Responses API item
        return _build(data.get("name"), data.get("arguments", {}), data.get("call_id") or data.get("id"))
    if "name" in data:
        extra = set(data) - {"name", "arguments", "id", "type"}
        if extra:
            return ActionError(f"Unexpected keys {sorted(extra)[:5]} in the tool call. {EXPECTED_SHAPE}")
        return _build(data.get("name"), data.get("arguments", {}), data.get("id"))
    if isinstance(data.get("tool_calls"), list):  # a whole assistant message
        return _from_list(data["tool_calls"])
    return ActionError(f"The action has no tool name. {EXPECTED_SHAPE}")


def _build(name: Any, arguments: Any, call_id: Any) -> ToolCall | ActionError:
    if not isinstance(name, str) or not name:
        return ActionError(f"The tool name must be a non-empty string, got {type(name).__name__}. {EXPECTED_SHAPE}")
    if len(name) > 200:
        return ActionError(f"The tool name is {len(name)} characters long; tool names are short. {EXPECTED_SHAPE}")
    if arguments is None:
        arguments = {}
    if isinstance(arguments, (str, bytes)):
        text = arguments.decode("utf-8", "replace") if isinstance(arguments, bytes) else arguments
        if not text.strip():
            arguments = {}
        else:
            try:
                arguments = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                return ActionError(f"The arguments of {name!r} are not valid JSON ({exc}). "
                                   "Arguments must be a JSON object.")
    if not isinstance(arguments, dict):
        return ActionError(f"The arguments of {name!r} must be a JSON object, got {type(arguments).__name__}.")
    if call_id is not None and not isinstance(call_id, str):
        call_id = str(call_id)[:200]
    # Keep every call recordable as JSON: integers beyond 64 bits become strings, nesting is cut at 32 levels.
    return ToolCall(name=name, arguments=to_jsonable(arguments), id=call_id)


def _from_list(items: list[Any]) -> ToolCall | ActionError:
    if len(items) == 1:
        return parse_action(items[0])
    if not items:
        return ActionError(f"The action is an empty list. {EXPECTED_SHAPE}")
    return ActionError(f"The action holds {len(items)} tool calls; send them one per step. {EXPECTED_SHAPE}")


def _from_text(text: str, depth: int) -> ToolCall | ActionError:
    if len(text) > MAX_ACTION_CHARS:
        return ActionError(f"The action is {len(text):,} characters long (limit {MAX_ACTION_CHARS:,}). "
                           f"{EXPECTED_SHAPE}")
    stripped = text.strip()
    candidates = [stripped] if stripped.startswith(("{", "[", '"')) else []
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    if not candidates:
        return ActionError(f"The action is plain text, not a tool call. {EXPECTED_SHAPE}")
    last_error = ""
    for candidate in candidates:
        try:
            data = orjson.loads(candidate)
        except orjson.JSONDecodeError as exc:
            last_error = str(exc)
            continue
        return parse_action(data, _depth=depth + 1)
    return ActionError(f"The action is not valid JSON ({last_error}). {EXPECTED_SHAPE}")


def parse_action(action: Any, _depth: int = 0) -> ToolCall | ActionError:
    """Turn ``action`` into a :class:`ToolCall`, or say why it can't be. Never raises."""
    try:
        if _depth > 4:
            return ActionError(f"The action is nested too deeply. {EXPECTED_SHAPE}")
        if isinstance(action, ToolCall):
            return action
        if isinstance(action, bytes):
            return _from_text(action.decode("utf-8", "replace"), _depth)
        if isinstance(action, str):
            return _from_text(action, _depth)
        if isinstance(action, dict):
            return _from_mapping(action)
        if isinstance(action, (list, tuple)):
            return _from_list(list(action))
        dump = getattr(action, "model_dump", None)  # OpenAI / Anthropic SDK objects are pydantic models
        if callable(dump):
            data = dump()
            if isinstance(data, dict):
                return _from_mapping(data)
        if hasattr(action, "name") and (hasattr(action, "input") or hasattr(action, "arguments")):
            return _build(action.name, getattr(action, "input", None) or getattr(action, "arguments", None),
                          getattr(action, "id", None))
        return ActionError(f"Cannot read an action of type {type(action).__name__}. {EXPECTED_SHAPE}")
    except RecursionError:
        return ActionError(f"The action is nested too deeply. {EXPECTED_SHAPE}")
    except Exception as exc:  # noqa: BLE001 - agent input must never crash the env
        return ActionError(f"Cannot read the action ({type(exc).__name__}: {str(exc)[:200]}). {EXPECTED_SHAPE}")
