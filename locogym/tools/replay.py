"""Tools that replay a ComplexFuncBench sample: each of the sample's functions, answered from its recording.

Each sample brings its own function list, so the tools are built per sample (:func:`build_sample_tools`); the
env swaps them in at reset. A call is first checked against the function's JSON Schema (required, unknown and
mistyped parameters are a format error, as in the reference evaluator), then handed to the replay world
(:class:`~locogym.scenarios.funccall.complexfuncbench.ReplayWorld`), which says which recorded call it stands
for, if any.
"""

from __future__ import annotations

from typing import Any

import orjson

from locogym.core.args import ToolArgs
from locogym.core.types import ErrorKind, ToolResult, ToolSpec
from locogym.scenarios.funccall.apis import collect_values
from locogym.scenarios.funccall.complexeval import format_problems
from locogym.tools.base import Submit, Tool, ToolContext

UNEXPECTED_CALL = ("There is a problem with your api call, please double-check for possible problems. "
                   "(A replayed ComplexFuncBench sample answers only the calls of its recorded path, turn by turn.)")


class _PermissiveArgs(ToolArgs):
    model_config = {"extra": "allow"}


class ReplayTool(Tool):
    """A function of the sample, answered from the recorded observations."""

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
        problems = format_problems(self.schema, arguments)
        if any(problems.values()):
            props = self.schema.get("properties", {})
            lines = ([f"- {k}: Field required" for k in problems["missing"]]
                     + [f"- {k}: Extra inputs are not permitted" for k in problems["unknown"]]
                     + [f"- {k}: should be of type {props[k]['type']}, got {type(arguments[k]).__name__}"
                        for k in problems["mistyped"]])
            return ToolResult(output=f"Invalid arguments for {self.name}:\n" + "\n".join(lines),
                              error=ErrorKind.invalid_arguments, data=dict(problems))
        found = ctx.world.answer(self.name, arguments)
        if found.index is None:
            body = {"api_status": True, "content": UNEXPECTED_CALL}
            return ToolResult(output=orjson.dumps(body).decode(), error=ErrorKind.api_error,
                              data={"api": self.name, "category": found.category})
        response = found.response
        output = response if isinstance(response, str) else orjson.dumps(response).decode()
        return ToolResult(output=output, data={"api": self.name, "recorded_call": found.index,
                                               "verdict": found.verdict, "values": collect_values(response),
                                               "evidence": [f"obs:{found.index}"]})


def build_sample_tools(functions: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> list[Tool]:
    """The sample's own functions, in its order, with their own schemas; then submit."""
    tools: list[Tool] = []
    for fn in functions:
        name = str(fn["name"])
        cls = type(name, (ReplayTool,), {"name": name, "__doc__": str(fn.get("description") or name),
                                         "schema": dict(fn.get("parameters") or {})})
        tools.append(cls())
    tools.append(Submit())
    return tools
