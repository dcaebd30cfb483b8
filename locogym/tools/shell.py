"""``run``: a shell command inside the sandbox (``bash -lc CMD`` in the workspace), never on the host."""

from __future__ import annotations

from pydantic import Field

from locogym.core.errors import ToolArgumentError
from locogym.core.types import ErrorKind, ToolResult
from locogym.scenarios.repo.workspace import workspace_of
from locogym.tools.base import Tool, ToolArgs, ToolContext

MAX_TIMEOUT_S = 600


class RunArgs(ToolArgs):
    cmd: str = Field(description="A bash command line, run in the workspace folder (e.g. `python -m pytest -q`).")
    timeout: float = Field(default=120, gt=0, le=MAX_TIMEOUT_S, description="Seconds before the command is killed.")


class Run(Tool):
    """Run a shell command in the sandboxed workspace and show its exit code, stdout and stderr."""

    name = "run"
    Args = RunArgs
    output_tokens = 6000
    page_hint = "Pipe the command through head/tail or grep to see less."
    deterministic = False  # `date`, `ls -l` of a fresh copy, the stderr of two piped commands

    def run(self, ctx: ToolContext, args: RunArgs) -> ToolResult:
        if not args.cmd.strip():
            raise ToolArgumentError("cmd is empty.")
        result = ctx.sandbox.exec(["bash", "-lc", args.cmd], timeout=args.timeout)
        workspace_of(ctx).stale = True  # the command may have changed files
        parts = [f"exit code {result.exit_code}" + (" (timed out)" if result.timed_out else "")]
        if result.stdout:
            parts.append(f"--- stdout ---\n{result.stdout.rstrip()}")
        if result.stderr:
            parts.append(f"--- stderr ---\n{result.stderr.rstrip()}")
        data = {"exit_code": result.exit_code, "timed_out": result.timed_out}
        if result.timed_out:
            return ToolResult(output="\n".join(parts) + f"\n[killed after {args.timeout:g}s]", error=ErrorKind.timeout,
                              truncated=result.truncated, data=data)
        return ToolResult(output="\n".join(parts), truncated=result.truncated, data=data)
