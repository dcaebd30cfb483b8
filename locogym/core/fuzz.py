"""Random tool calls drawn from tool schemas: mostly valid, sometimes malformed the ways real models get calls wrong.

Two users sit on different layers: the envs' action space (``env.action_space.sample()``, a built-in fuzzer) and
the ``random`` baseline agent, which may import only ``core``. Both draw from one generator they own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from locogym.core.types import ToolCall, ToolSpec


def random_text(rng: np.random.Generator, max_len: int, ascii_only: bool = False) -> str:
    n = int(rng.integers(0, max_len + 1))
    if ascii_only:
        return "".join(chr(int(c)) for c in rng.integers(32, 127, n))
    codes = rng.integers(1, 0x2FFF, n)
    return "".join(chr(int(c)) for c in codes if not 0xD800 <= c <= 0xDFFF)


class SchemaSampler:
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
            return random_text(rng, 24, ascii_only=bool(rng.random() < 0.8))
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
            return random_text(self.rng, 40)
        if pick == 3:
            return [self.junk(depth + 1) for _ in range(int(self.rng.integers(0, 3)))]
        if pick == 4:
            return {random_text(self.rng, 6, True): self.junk(depth + 1) for _ in range(int(self.rng.integers(0, 3)))}
        return float(self.rng.normal())


def sample_call(specs: list[ToolSpec], rng: np.random.Generator) -> ToolCall:
    """A random call that validates against its tool's schema."""
    spec = specs[int(rng.integers(len(specs)))]
    sampler = SchemaSampler(rng, spec.parameters.get("$defs", {}))
    return ToolCall(name=spec.name, arguments=sampler.obj(spec.parameters))


def sample_action(specs: list[ToolSpec], rng: np.random.Generator, invalid_rate: float) -> str:
    """A JSON string of a call: valid with probability ``1 - invalid_rate``, otherwise broken in one of six ways."""
    if rng.random() >= invalid_rate:
        return orjson.dumps(sample_call(specs, rng).model_dump(exclude_none=True)).decode()
    sampler = SchemaSampler(rng, {})
    broken = int(rng.integers(6))
    if broken == 0:  # truncated JSON
        text = orjson.dumps(sample_call(specs, rng).model_dump()).decode()
        return text[: int(rng.integers(0, max(1, len(text))))]
    if broken == 1:  # a tool that does not exist
        return orjson.dumps({"name": random_text(rng, 12, True) or "x", "arguments": {}}).decode()
    if broken == 2:  # wrong argument types
        call = sample_call(specs, rng)
        return orjson.dumps({"name": call.name, "arguments": {k: sampler.junk() for k in call.arguments} or
                             {"unexpected": sampler.junk()}}).decode()
    if broken == 3:  # arguments as a string that is not JSON
        return orjson.dumps({"name": sample_call(specs, rng).name, "arguments": random_text(rng, 20)}).decode()
    if broken == 4:  # prose instead of a call
        return random_text(rng, 80)
    return orjson.dumps(sampler.junk()).decode()  # any JSON value at all


__all__ = ["SchemaSampler", "random_text", "sample_action", "sample_call"]
