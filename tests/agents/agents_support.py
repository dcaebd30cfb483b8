"""Scripted "models" that solve the fixture family, shared by the agent tests."""

from __future__ import annotations

import re

from locogym.testing import Call, RecordedRequest, Reply, ScriptItem, Usage

SECRET = re.compile(r"The secret is ([\w-]+)\.")
READ_ALL_USAGE = Usage(input=1200, output=60, cache_read=400, cache_write=100, reasoning=20)
SUBMIT_USAGE = Usage(input=2500, output=15, cache_read=1100, cache_write=0, reasoning=5)
LIST_USAGE = Usage(input=300, output=12, cache_read=0, cache_write=250, reasoning=0)


def solver(request: RecordedRequest) -> ScriptItem:
    """Read every note in parallel, then submit the secret found in the results."""
    for _, text in request.tool_results():
        match = SECRET.search(text)
        if match:
            return Reply.call("submit", {"answer": match.group(1)}, usage=SUBMIT_USAGE)
    return Reply.parallel(*[Call("read_file", {"path": f"notes/{i:02d}.txt"}) for i in range(6)],
                          usage=READ_ALL_USAGE)


def fixture_script() -> list[ScriptItem]:
    """list_files, six parallel reads, submit: three requests, eight env steps."""
    return [Reply.call("list_files", {}, usage=LIST_USAGE), solver, solver]


SCRIPTED_USAGES = [LIST_USAGE, READ_ALL_USAGE, SUBMIT_USAGE]
