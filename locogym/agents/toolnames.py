"""Tool names every provider accepts, mapped back to the env's names on the calls a model returns.

OpenAI and Anthropic refuse tool names outside ``^[a-zA-Z0-9_-]{1,64}$``, but an env may expose names such as
``Get_Hotel_Reviews(Tips)`` (ComplexFuncBench has them). :class:`ToolNames` gives each such name a wire name
that stays readable (other characters become ``_``) and is unique (a short hash of the original is appended when
the readable form would collide or is too long); valid names are sent unchanged. The map is rebuilt from the
env's specs at every reset, and the history keeps the wire names, so the model always sees one consistent set.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from locogym.core.types import ToolCall, ToolSpec

VALID_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_OTHER = re.compile(r"[^a-zA-Z0-9_-]")


def _hashed(name: str, readable: str) -> str:
    return f"{readable[:55]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


class ToolNames:
    """A reversible map between the env's tool names and names valid for every provider."""

    def __init__(self, names: list[str]) -> None:
        self._wire: dict[str, str] = {n: n for n in names if VALID_NAME.match(n)}
        taken = set(self._wire)
        for name in names:
            if name in self._wire:
                continue
            readable = _OTHER.sub("_", name) or "tool"
            wire = readable if len(readable) <= 64 and readable not in taken else _hashed(name, readable)
            self._wire[name] = wire
            taken.add(wire)
        self._local = {wire: name for name, wire in self._wire.items()}

    def wire(self, name: str) -> str:
        return self._wire.get(name, name)

    def local(self, wire_name: str) -> str:
        """The env's name of a name the model used (a name the map does not know is returned as it is)."""
        return self._local.get(wire_name, wire_name)

    def wire_specs(self, specs: list[ToolSpec]) -> list[ToolSpec]:
        return [s if self.wire(s.name) == s.name else s.model_copy(update={"name": self.wire(s.name)}) for s in specs]

    def restore(self, action: Any) -> Any:
        """The action with the env's tool name: a ToolCall, an OpenAI chat or Responses call, an Anthropic
        tool_use block (each as a dict); anything else is returned unchanged."""
        if isinstance(action, ToolCall):
            return action.model_copy(update={"name": self.local(action.name)})
        if not isinstance(action, dict):
            return action
        function = action.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return {**action, "function": {**function, "name": self.local(function["name"])}}
        if isinstance(action.get("name"), str):
            return {**action, "name": self.local(action["name"])}
        return action
