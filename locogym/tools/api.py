"""The simulated travel APIs as tools: one tool per endpoint, its argument model from
:mod:`locogym.scenarios.funccall.schemas`, its run through :func:`locogym.scenarios.funccall.calls.run_api`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from locogym.core.args import ToolArgs
from locogym.core.types import ToolResult
from locogym.scenarios.funccall.calls import run_api
from locogym.scenarios.funccall.schemas import API_SPECS
from locogym.tools.base import Submit, SubmitArgs, Tool, ToolContext


class ApiTool(Tool):
    """Base of the per-endpoint tools; subclasses only set ``name``, ``Args`` and the docstring."""

    output_tokens = 200_000
    page_hint = "Use the page parameter or a narrower search to see the rest."

    def run(self, ctx: ToolContext, args: Any) -> ToolResult:
        result = run_api(ctx.world, self.name, args.model_dump())
        if result.error is None:
            digest = result.data["digest"]
            result.data["evidence"] = [e.id for e in ctx.task.evidence if e.locator.get("api") == self.name
                                       and e.locator.get("digest") == digest]
        return result


def _make_tool(name: str, args: type[ToolArgs], description: str) -> type[ApiTool]:
    return type(name, (ApiTool,), {"name": name, "Args": args, "__doc__": description})


API_TOOLS: tuple[type[ApiTool], ...] = tuple(_make_tool(n, a, d) for n, (a, d) in API_SPECS.items())


class FuncCallAnswer(SubmitArgs):
    answer: dict[str, Any] | str | None = Field(
        default=None,
        description="A JSON object with exactly one value for each field the request lists, in the type and unit "
                    "the request gives (labelled lines such as `fare_eur: 412.50` are accepted as text). A field "
                    'given several values counts as wrong. {"status": "unavailable"} when nothing satisfies the '
                    "constraints. Omit it to give up.")


class FuncCallSubmit(Submit):
    """Submit your final answer and end the task: one value per answer field the request lists (names, types and
    units are in the request), or {"status": "unavailable"} when nothing satisfies the constraints."""

    Args = FuncCallAnswer


def build_api_tools() -> list[Tool]:
    """The fixed tool set of LoCo-FuncCall-v0: every API, then submit."""
    return [*(cls() for cls in API_TOOLS), FuncCallSubmit()]
