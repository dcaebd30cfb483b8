"""Tools that replay a ComplexFuncBench sample: each function of the file answered from recorded observations.

The replay world (:class:`~locogym.scenarios.funccall.complexfuncbench.ReplayWorld`) matches a call against the
sample's recorded path; these tools wrap it with the file's own JSON Schemas.
"""

from __future__ import annotations

from typing import Any

import orjson

from locogym.core.args import ToolArgs
from locogym.core.types import ErrorKind, ToolResult, ToolSpec
from locogym.scenarios.funccall.apis import collect_values
from locogym.scenarios.funccall.complexfuncbench import Sample
from locogym.tools.base import Submit, Tool, ToolContext


class _PermissiveArgs(ToolArgs):
    model_config = {"extra": "allow"}


class ReplayTool(Tool):
    """A function of the sample file, answered from the recorded observations."""

    Args = _PermissiveArgs
    output_tokens = 200_000
    schema: dict[str, Any] = {}

    @classmethod
    def spec(cls) -> ToolSpec:
        parameters = dict(cls.schema) if cls.schema else {"type": "object", "properties": {}}
        parameters.setdefault("type", "object")
        return ToolSpec(name=cls.name, description=cls.description(), parameters=parameters)

    def run(self, ctx: ToolContext, args: Any) -> ToolResult:
        arguments = args.model_dump()
        props = self.schema.get("properties", {})
        missing = [k for k in self.schema.get("required", []) if k not in arguments]
        unknown = [k for k in arguments if props and k not in props]
        if missing or unknown:
            problems = [f"- {k}: Field required" for k in missing] + [f"- {k}: Extra inputs are not permitted"
                                                                      for k in unknown]
            return ToolResult(output=f"Invalid arguments for {self.name}:\n" + "\n".join(problems),
                              error=ErrorKind.invalid_arguments, data={"missing": missing, "unknown": unknown})
        hit = ctx.world.answer(self.name, arguments)
        if hit is None:
            body = {"status": False, "message": "No recorded response for this request: a replayed ComplexFuncBench "
                                                "sample answers only the calls of its recorded path."}
            return ToolResult(output=orjson.dumps(body).decode(), error=ErrorKind.api_error, data={"api": self.name})
        index, response = hit
        output = response if isinstance(response, str) else orjson.dumps(response).decode()
        return ToolResult(output=output, data={"api": self.name, "recorded_call": index,
                                               "values": collect_values(response), "evidence": [f"obs:{index}"]})


def build_replay_tools(samples: tuple[Sample, ...]) -> list[Tool]:
    """One tool per function name across the file (first definition wins), then submit."""
    seen: dict[str, dict[str, Any]] = {}
    for sample in samples:
        for fn in sample.functions:
            seen.setdefault(str(fn["name"]), fn)
    tools: list[Tool] = []
    for name in sorted(seen):
        fn = seen[name]
        cls = type(name, (ReplayTool,), {"name": name, "__doc__": str(fn.get("description") or name),
                                         "schema": dict(fn.get("parameters") or {})})
        tools.append(cls())
    tools.append(Submit())
    return tools
