"""The tool abstraction: a name, a pydantic argument model, a description, and ``run(ctx, args)``.

A tool's JSON Schema is its argument model's; its description is its docstring. :class:`ToolSet` turns any
:class:`~locogym.core.types.ToolCall` into a :class:`~locogym.core.types.ToolResult` and never raises on agent
input: unknown tools, arguments that fail the schema, missing files, paths outside the workspace, time-outs and a
dead sandbox all come back as results with an :class:`~locogym.core.types.ErrorKind`. An exception a tool did not
mean to raise (a ``KeyError`` from a bug) is ``internal``: locogym's failure, never the agent's.

Outputs over a tool's token budget are cut with a marker that says how much was cut and how to page on.
"""

from __future__ import annotations

import inspect
import re
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson
from pydantic import Field, ValidationError

from locogym.core import tokens
from locogym.core.args import NoArgs, ToolArgs
from locogym.core.errors import ConfigError, SandboxTimeout, SandboxUnavailable, ToolError
from locogym.core.types import ErrorKind, Task, ToolCall, ToolResult, ToolSpec
from locogym.sandboxes.base import PathOutsideWorkspace, Sandbox

DEFAULT_OUTPUT_TOKENS = 4096


@dataclass
class ToolContext:
    """What a tool may use: the sandbox (started lazily), the family's world, the task and per-episode state.

    ``state`` is scratch space that lives for one episode (for example the notes file of a multi-session task
    or the set of spans already read); ``world`` is the family's simulated world (a wiki index, a booking
    world) or ``None``.
    """

    task: Task
    sandbox_factory: Callable[[], Sandbox] | None = None
    world: Any = None
    session: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    _sandbox: Sandbox | None = None

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            if self.sandbox_factory is None:
                raise SandboxUnavailable("This environment runs without a sandbox.",
                                         fix="Use a tool that does not need one.")
            self._sandbox = self.sandbox_factory()
        return self._sandbox


class Tool(ABC):
    """Subclass with ``name``, ``Args`` and a docstring, and implement :meth:`run`.

    ``output_tokens`` is the per-call output budget; ``page_hint`` tells the agent how to see the rest of a cut
    output (a result may give a more precise one in ``data["page_hint"]``, such as the next offset to read).
    ``deterministic`` says whether the same call on the same state always prints the same output; a replay of the
    episode holds a tool that is not (a shell command may read a clock, race a pipeline or list file times) to
    everything derived from its output, not to the output's bytes.
    """

    name: ClassVar[str]
    Args: ClassVar[type[ToolArgs]] = NoArgs
    output_tokens: ClassVar[int] = DEFAULT_OUTPUT_TOKENS
    page_hint: ClassVar[str] = "Narrow the request to see the rest."
    ends_session: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True

    @abstractmethod
    def run(self, ctx: ToolContext, args: Any) -> ToolResult:
        """Do the work, or raise a :class:`~locogym.core.errors.ToolError` subclass for what the agent got wrong.

        The sandbox's own documented failures (``FileNotFoundError``, ``PermissionError``, ``SandboxTimeout``,
        ``SandboxUnavailable``, a path outside the workspace) may pass through; :class:`ToolSet` maps them too.
        Anything else is a defect in the tool: reported as ``internal``, it ends the episode as errored.
        """

    @classmethod
    def description(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.name)

    @classmethod
    def spec(cls) -> ToolSpec:
        schema = cls.Args.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        schema.setdefault("properties", {})
        schema["type"] = "object"
        return ToolSpec(name=cls.name, description=cls.description(), parameters=schema)


class SubmitArgs(ToolArgs):
    answer: Any = Field(default=None, description="Your final answer. Omit it to give up.")


class Submit(Tool):
    """Submit your final answer and end the task (or the current session of a multi-session task)."""

    name = "submit"
    Args = SubmitArgs
    ends_session = True

    def run(self, ctx: ToolContext, args: SubmitArgs) -> ToolResult:
        return ToolResult(output="Answer submitted.", data={"submitted": True, "answer": args.answer})


def cut_output(text: str, budget_tokens: int, hint: str) -> tuple[str, bool]:
    """Cut ``text`` to ``budget_tokens`` with an explicit marker; returns (text, truncated)."""
    if budget_tokens <= 0 or len(text) <= budget_tokens:
        return text, False
    kept, cut = tokens.truncate(text, budget_tokens)
    if cut == 0:
        return text, False
    kept_lines = kept.count("\n")
    marker = (f"\n[output cut: {cut:,} more tokens ({len(text) - len(kept):,} characters) not shown; "
              f"{kept_lines} lines shown. {hint}]")
    return kept + marker, True


def _explain_validation(call: ToolCall, spec: ToolSpec, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        problems.append(f"- {loc}: {err['msg']}")
    props = spec.parameters.get("properties", {})
    required = set(spec.parameters.get("required", []))
    expected = ", ".join(f"{k}{'' if k in required else '?'}: {v.get('type', 'any')}" for k, v in props.items())
    return (f"Invalid arguments for {call.name}:\n" + "\n".join(problems)
            + f"\nExpected arguments: {{{expected}}} (? marks optional).")


_UNSAFE_NAME = re.compile(r"[^\w.-]")
_PREFIX = {ErrorKind.not_found: "Not found: ", ErrorKind.permission: "Permission denied: ",
           ErrorKind.invalid_arguments: "Invalid arguments for {tool}: "}


class ToolSet:
    """The fixed tool set of an env: validates calls, runs them, maps failures to ``ErrorKind``, cuts outputs."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._specs: list[ToolSpec] | None = None
        self._spec_json: bytes | None = None
        self.tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self.tools:
                raise ConfigError(f"Two tools are named {tool.name!r}.",
                                  fix="Give every tool of a family its own name.")
            self.tools[tool.name] = tool

    def __contains__(self, name: str) -> bool:
        return name in self.tools

    @property
    def names(self) -> list[str]:
        return list(self.tools)

    def specs(self) -> list[ToolSpec]:
        """The tools' specs. Built once: JSON Schema generation costs far more than a step of most tools."""
        if self._specs is None:
            self._specs = [tool.spec() for tool in self.tools.values()]
        return [spec.model_copy(deep=True) for spec in self._specs]

    def spec_dicts(self) -> list[dict[str, Any]]:
        """The specs as fresh plain dicts (for ``info``: callers may mutate what they are given)."""
        if self._spec_json is None:
            self._spec_json = orjson.dumps([spec.model_dump() for spec in self.specs()])
        return orjson.loads(self._spec_json)  # type: ignore[no-any-return]

    def invoke(self, ctx: ToolContext, call: ToolCall) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            shown = _UNSAFE_NAME.sub("?", call.name[:80])
            return ToolResult(output=f"Unknown tool {shown!r}. Available tools: {', '.join(self.tools)}.",
                              error=ErrorKind.unknown_tool)
        try:
            args = tool.Args.model_validate(call.arguments)
        except ValidationError as exc:
            return ToolResult(output=_explain_validation(call, tool.spec(), exc), error=ErrorKind.invalid_arguments)
        try:
            result = tool.run(ctx, args)
        except ToolError as exc:
            kind = ErrorKind(exc.kind)
            result = ToolResult(output=f"{_PREFIX[kind].format(tool=call.name)}{exc.message}", error=kind)
        except (PathOutsideWorkspace, PermissionError) as exc:
            result = ToolResult(output=f"Permission denied: {exc}", error=ErrorKind.permission)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            message = exc.args[-1] if exc.args else str(exc)
            result = ToolResult(output=f"Not found: {message}", error=ErrorKind.not_found)
        except SandboxTimeout as exc:
            result = ToolResult(output=f"Timed out: {exc.message}", error=ErrorKind.timeout)
        except SandboxUnavailable as exc:
            result = ToolResult(output=f"The sandbox is unavailable: {exc.message} Try again.",
                                error=ErrorKind.sandbox_unavailable)
        except Exception as exc:  # noqa: BLE001 - a defect in a tool is locogym's, never the agent's
            result = ToolResult(output=f"Tool {call.name} failed inside locogym ({type(exc).__name__}); this is not "
                                       "a mistake in your call. The episode ends here and is not scored.",
                                error=ErrorKind.internal,
                                data={"exception": f"{type(exc).__name__}: {exc}"[:2000],
                                      "traceback": "".join(traceback.format_exception(exc))[-4000:]})
        hint = str(result.data.get("page_hint", tool.page_hint))
        output, truncated = cut_output(result.output, tool.output_tokens, hint)
        return result.model_copy(update={"output": output, "truncated": result.truncated or truncated,
                                         "tokens": tokens.count(output)})
