"""Observation and action spaces.

Observations are free Unicode text. The action space is a built-in fuzzer: ``sample()`` returns a JSON string of
a random tool call drawn from the env's tool schemas — mostly valid, sometimes malformed in the ways real models
get calls wrong — so that ``env.step(env.action_space.sample())`` exercises the error paths too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from gymnasium.spaces import Space

from locogym.core.types import ToolCall, ToolSpec

MAX_OBS_CHARS = 1 << 26


def _random_text(rng: np.random.Generator, max_len: int, ascii_only: bool = False) -> str:
    n = int(rng.integers(0, max_len + 1))
    if ascii_only:
        return "".join(chr(int(c)) for c in rng.integers(32, 127, n))
    codes = rng.integers(1, 0x2FFF, n)
    return "".join(chr(int(c)) for c in codes if not 0xD800 <= c <= 0xDFFF)


class UnicodeText(Space[str]):
    """Any Python string up to ``max_length`` characters (Gymnasium's ``Text`` only allows a fixed charset)."""

    def __init__(self, max_length: int = MAX_OBS_CHARS, seed: int | np.random.Generator | None = None) -> None:
        self.max_length = max_length
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        return _random_text(self.np_random, 64)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnicodeText) and other.max_length == self.max_length


class _SchemaSampler:
    """Draws values for a JSON Schema (as pydantic emits it), valid or deliberately wrong."""

    def __init__(self, rng: np.random.Generator, defs: dict[str, Any]) -> None:
        self.rng = rng
        self.defs = defs

    def value(self, schema: dict[str, Any], depth: int = 0) -> Any:
        rng = self.rng
        if "$ref" in schema:
            return self.value(self.defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), depth + 1)
        if "enum" in schema:
            return schema["enum"][int(rng.integers(len(schema["enum"])))]
        if "const" in schema:
            return schema["const"]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
                return self.value(options[int(rng.integers(len(options)))], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = kind[int(rng.integers(len(kind)))]
        if depth > 4:
            return None
        if kind == "string":
            return _random_text(rng, 24, ascii_only=bool(rng.random() < 0.8))
        if kind == "integer":
            low, high = schema.get("minimum", -5), schema.get("maximum", 200)
            return int(rng.integers(int(low), int(high) + 1))
        if kind == "number":
            return float(np.round(rng.uniform(schema.get("minimum", -10), schema.get("maximum", 1000)), 3))
        if kind == "boolean":
            return bool(rng.random() < 0.5)
        if kind == "array":
            items = schema.get("items", {})
            return [self.value(items, depth + 1) for _ in range(int(rng.integers(0, 4)))]
        if kind == "object" or "properties" in schema:
            return self.obj(schema, depth + 1)
        return self.junk(depth + 1)

    def obj(self, schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return {k: self.value(v, depth) for k, v in props.items() if k in required or self.rng.random() < 0.5}

    def junk(self, depth: int = 0) -> Any:
        pick = int(self.rng.integers(6))
        if pick == 0 or depth > 3:
            return None
        if pick == 1:
            return int(self.rng.integers(-(2**40), 2**40))
        if pick == 2:
            return _random_text(self.rng, 40)
        if pick == 3:
            return [self.junk(depth + 1) for _ in range(int(self.rng.integers(0, 3)))]
        if pick == 4:
            return {_random_text(self.rng, 6, True): self.junk(depth + 1) for _ in range(int(self.rng.integers(0, 3)))}
        return float(self.rng.normal())


class ToolCallSpace(Space[Any]):
    """Tool calls for a fixed tool set. ``sample()`` gives a JSON string; ``invalid_rate`` of them are broken."""

    def __init__(self, specs: list[ToolSpec], invalid_rate: float = 0.3,
                 seed: int | np.random.Generator | None = None) -> None:
        self.specs = list(specs)
        self.invalid_rate = invalid_rate
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, (str, bytes, dict, list, ToolCall))

    def sample_call(self) -> ToolCall:
        """A random call that validates against its tool's schema."""
        rng = self.np_random
        spec = self.specs[int(rng.integers(len(self.specs)))]
        sampler = _SchemaSampler(rng, spec.parameters.get("$defs", {}))
        return ToolCall(name=spec.name, arguments=sampler.obj(spec.parameters))

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        rng = self.np_random
        if rng.random() >= self.invalid_rate:
            return orjson.dumps(self.sample_call().model_dump(exclude_none=True)).decode()
        sampler = _SchemaSampler(rng, {})
        broken = int(rng.integers(6))
        if broken == 0:  # truncated JSON
            text = orjson.dumps(self.sample_call().model_dump()).decode()
            return text[: int(rng.integers(0, max(1, len(text))))]
        if broken == 1:  # a tool that does not exist
            return orjson.dumps({"name": _random_text(rng, 12, True) or "x", "arguments": {}}).decode()
        if broken == 2:  # wrong argument types
            call = self.sample_call()
            return orjson.dumps({"name": call.name, "arguments": {k: sampler.junk() for k in call.arguments} or
                                 {"unexpected": sampler.junk()}}).decode()
        if broken == 3:  # arguments as a string that is not JSON
            return orjson.dumps({"name": self.sample_call().name, "arguments": _random_text(rng, 20)}).decode()
        if broken == 4:  # prose instead of a call
            return _random_text(rng, 80)
        return orjson.dumps(sampler.junk()).decode()  # any JSON value at all

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"ToolCallSpace({[s.name for s in self.specs]})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolCallSpace) and other.specs == self.specs
