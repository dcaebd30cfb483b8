"""``run_tests``: the agent runs the project's (visible) pytest suite, or part of it, in the sandbox.

The output reads like a terse pytest report: each failing test with what it observed, then a summary line. It is
built from per-test outcomes (:mod:`locogym.scenarios.defects.testrun`), so it does not depend on the project's
own report flags. Tests withheld by the task are not in the workspace and so never run here.
"""

from __future__ import annotations

import shlex

from pydantic import Field

from locogym.core.types import ErrorKind, ToolResult
from locogym.scenarios.defects.testrun import run_tests, suite_env
from locogym.tools.base import Tool, ToolArgs, ToolContext

RUN_TESTS_TIMEOUT_S = 180.0
_FAILURE_CHARS = 1500


class RunTestsArgs(ToolArgs):
    selector: str = Field(default="", description=(
        "What to run: a test file or folder (tests/test_api.py), a node id (tests/test_api.py::test_get), "
        "or pytest arguments such as '-k parse'. Empty runs every test in the workspace."))


class RunTests(Tool):
    """Run the project's tests with pytest and report failures and a summary (passed/failed/errors)."""

    name = "run_tests"
    Args = RunTestsArgs
    output_tokens = 3000
    page_hint = "Run a narrower selector (one file or one test) to see its failure in full."
    deterministic = False  # a failure's text may hold an object's address, a time or a random example

    def run(self, ctx: ToolContext, args: RunTestsArgs) -> ToolResult:
        try:
            argv = shlex.split(args.selector)
        except ValueError as exc:
            return ToolResult(output=f"Could not read the selector: {exc}. Quote it like a shell argument.",
                              error=ErrorKind.invalid_arguments)
        sandbox = ctx.sandbox
        files = ctx.task.workspace or {}
        run = run_tests(sandbox, ["-q", *argv], timeout=RUN_TESTS_TIMEOUT_S, env=suite_env(files))
        if run.timed_out:
            return ToolResult(output=f"The tests ran past {RUN_TESTS_TIMEOUT_S:.0f}s and were stopped. "
                              "A test may loop forever; run a narrower selector.", error=ErrorKind.timeout)
        counts: dict[str, int] = {}
        for outcome in run.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        lines = []
        for nodeid in sorted(run.failures):
            lines.append(f"FAILED {nodeid}\n{run.failures[nodeid][-_FAILURE_CHARS:].rstrip()}\n")
        summary = ", ".join(f"{counts[k]} {k}" for k in ("failed", "error", "passed", "skipped") if counts.get(k))
        if run.collect_errors:
            summary = f"{len(run.collect_errors)} collection error(s)" + (f", {summary}" if summary else "")
        if not run.outcomes and not run.collect_errors:
            tail = run.output_tail[-_FAILURE_CHARS:].strip()
            summary = f"no tests ran (pytest exit code {run.exit_code})" + (f"\n{tail}" if tail else "")
        failed = sorted(t for t, o in run.outcomes.items() if o in ("failed", "error"))
        return ToolResult(output="\n".join(lines) + f"== {summary} ==",
                          data={"exit_code": run.exit_code, "failed": failed, "values": failed[:50],
                                "passed": len(run.passed)})
