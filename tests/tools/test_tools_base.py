from __future__ import annotations

from typing import Any

from locogym.core.errors import SandboxTimeout, SandboxUnavailable
from locogym.core.types import ErrorKind, Task, ToolCall, ToolResult
from locogym.sandboxes.fake import FakeSandbox
from locogym.tools.base import Submit, Tool, ToolArgs, ToolContext, ToolSet, cut_output


class EchoArgs(ToolArgs):
    text: str
    times: int = 1


class Echo(Tool):
    """Repeat text."""

    name = "echo"
    Args = EchoArgs
    output_tokens = 50
    page_hint = "Ask for fewer repetitions."

    def run(self, ctx: ToolContext, args: EchoArgs) -> ToolResult:
        return ToolResult(output=" ".join([args.text] * args.times))


class Raises(Tool):
    """Raise what it is told to."""

    name = "raises"

    class Args(ToolArgs):
        kind: str

    def run(self, ctx: ToolContext, args: Any) -> ToolResult:
        if args.kind == "read":
            ctx.sandbox.read_file("../../etc/passwd")
        errors: dict[str, Exception] = {"missing": FileNotFoundError("no such file 'x'"),
                                        "timeout": SandboxTimeout("ran 30 s"),
                                        "dead": SandboxUnavailable("container exited"),
                                        "bug": ZeroDivisionError("oops")}
        raise errors[args.kind]


def make_ctx() -> ToolContext:
    task = Task(task_id="t", family="fixture", prompt="", tool_names=[])
    return ToolContext(task=task, sandbox_factory=lambda: FakeSandbox(files={"a.txt": "x"}))


def test_valid_call_runs_and_counts_tokens() -> None:
    result = ToolSet([Echo()]).invoke(make_ctx(), ToolCall(name="echo", arguments={"text": "hi", "times": 2}))
    assert result.output == "hi hi" and result.error is None and result.tokens == 2


def test_unknown_tool_lists_the_available_ones() -> None:
    result = ToolSet([Echo(), Submit()]).invoke(make_ctx(), ToolCall(name="rm_rf", arguments={}))
    assert result.error is ErrorKind.unknown_tool
    assert "echo, submit" in result.output


def test_bad_arguments_explain_the_expected_shape() -> None:
    result = ToolSet([Echo()]).invoke(make_ctx(), ToolCall(name="echo", arguments={"text": 3, "extra": 1}))
    assert result.error is ErrorKind.invalid_arguments
    assert "text" in result.output and "extra" in result.output
    assert "Expected arguments: {text: string, times?: integer}" in result.output


def test_failures_map_to_error_kinds() -> None:
    tools = ToolSet([Raises()])
    ctx = make_ctx()
    kinds = {kind: tools.invoke(ctx, ToolCall(name="raises", arguments={"kind": kind})).error
             for kind in ["read", "missing", "timeout", "dead", "bug"]}
    assert kinds == {"read": ErrorKind.permission, "missing": ErrorKind.not_found, "timeout": ErrorKind.timeout,
                     "dead": ErrorKind.sandbox_unavailable, "bug": ErrorKind.internal}


def test_long_output_is_cut_with_an_explicit_marker() -> None:
    result = ToolSet([Echo()]).invoke(make_ctx(), ToolCall(name="echo", arguments={"text": "word", "times": 500}))
    assert result.truncated
    assert "[output cut:" in result.output and "Ask for fewer repetitions." in result.output
    assert result.tokens < 120


def test_cut_output_leaves_short_text_alone() -> None:
    assert cut_output("short text", 100, "hint") == ("short text", False)


def test_submit_accepts_no_arguments() -> None:
    result = ToolSet([Submit()]).invoke(make_ctx(), ToolCall(name="submit"))
    assert result.data == {"submitted": True, "answer": None}
