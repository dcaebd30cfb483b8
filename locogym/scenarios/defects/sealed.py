"""The graded test run: outcomes reach the grader over a channel the project's code cannot find or forge.

The validation launcher (:mod:`~locogym.scenarios.defects.testrun`) writes one result file into the workspace
at exit; code under test can rewrite that file from an ``atexit`` hook. Grading must not trust anything the
project's code can reach by a fixed name, so the sealed launcher works differently:

* The interpreter starts with ``-P -s``: neither the workspace nor ``PYTHONPATH`` is on ``sys.path`` until the
  launcher has imported pytest, so a workspace ``pytest.py``, ``sitecustomize.py`` or ``json.py`` cannot stand in
  for them; the project's import roots are added afterwards.
* Its secrets arrive on standard input, never in ``argv`` or the environment: a random per-run token, a random
  descriptor number, and the node ids to run. Standard input is closed before pytest starts.
* It moves the process's original standard output to that descriptor (not inherited by child processes) and
  points descriptor 1 at standard error, so whatever the project prints never mixes with the channel.
* It writes one line per test as the test *finishes* (after teardown): ``TOKEN HASH P`` for a pass, ``F`` for a
  failure or error, ``S`` for a skip or an expected failure. Lines without the token are ignored.
* The grader counts a test as passed only when its ``P`` line arrived. A process that exits early
  (``os._exit(0)``, ``sys.exit`` at import time, a kill, a crash) simply leaves tests unreported, and an
  unreported test is a failure. Skipped, deselected and xfailed tests are failures too.

What remains possible is code that searches the launcher's own memory for the token (the project's code runs in
the same interpreter); the static scan of :mod:`~locogym.scenarios.defects.integrity` flags code that reaches for
the interpreter's internals, and the differential check of :mod:`~locogym.scenarios.defects.differential` calls
the defective functions outside pytest altogether. See docs/integrity.md.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from typing import Literal

import orjson
from pydantic import BaseModel, Field

from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S, sandbox_python

SealedOutcome = Literal["passed", "failed", "skipped", "unreported"]
_CODES: dict[str, SealedOutcome] = {"P": "passed", "F": "failed", "S": "skipped"}

CHANNEL_SETUP = r'''
import hashlib, json, os, sys

def _open_channel():
    request = json.loads(sys.stdin.readline())
    sys.stdin.close()
    os.close(0)
    token, channel = request["token"], request["fd"]
    os.dup2(1, channel)
    os.set_inheritable(channel, False)
    os.dup2(2, 1)
    import pytest  # before the project's folders are on sys.path: nothing there can stand in for it
    os.write(channel, ("%s ready 0\n" % token).encode("ascii"))
    sys.path[:0] = [os.path.abspath(p) for p in request["path"]]

    def emit(*words):
        os.write(channel, (" ".join([token, *words]) + "\n").encode("utf-8"))

    return request, emit, pytest
'''
# The shared start of the sealed launchers: read the request, move the channel, import pytest, add import roots.

_LAUNCHER = CHANNEL_SETUP + r'''
def _sealed():
    request, emit, pytest = _open_channel()
    state = {}

    def done(nodeid, code):
        emit(hashlib.blake2b(nodeid.encode("utf-8"), digest_size=8).hexdigest(), code)

    class Seal:
        def pytest_runtest_logstart(self, nodeid, location):
            state[nodeid] = "S"

        def pytest_runtest_logreport(self, report):
            nodeid = report.nodeid
            if report.failed:
                state[nodeid] = "F"
            elif report.when == "call" and report.passed and state.get(nodeid) != "F":
                state[nodeid] = "P"
            elif report.skipped and state.get(nodeid) != "F":
                state[nodeid] = "S"

        def pytest_runtest_logfinish(self, nodeid, location):
            done(nodeid, state.pop(nodeid, "F"))

    code = pytest.main(["-p", "no:cacheprovider", *request["args"]], plugins=[Seal()])
    emit("end", str(int(code)))

_sealed()
'''


def nodeid_digest(nodeid: str) -> str:
    """The short hash the launcher reports a test under (keeps the channel small on large suites)."""
    return hashlib.blake2b(nodeid.encode("utf-8"), digest_size=8).hexdigest()


class SealedRun(BaseModel):
    """What the channel reported for each requested test; anything not reported as passed did not pass."""

    outcomes: dict[str, SealedOutcome] = Field(default_factory=dict)
    ready: bool = False
    ended: bool = False
    exit_code: int | None = None
    timed_out: bool = False
    channel_cut: bool = False
    duration_s: float = 0.0
    output_tail: str = ""

    @property
    def passed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "passed"}

    @property
    def infrastructure_failure(self) -> str | None:
        """Why this run cannot be graded through no fault of the patch (None when it can)."""
        if self.channel_cut:
            return "the sandbox cut the results channel at its output limit"
        if not self.ready and not self.timed_out:
            return "the sandbox could not start the test launcher (Python or pytest missing): " + self.output_tail[-300:]
        return None


def run_sealed(sandbox: Sandbox, nodeids: Iterable[str], extra_args: Iterable[str] = (), *,
               timeout: float = DEFAULT_TIMEOUT_S, import_roots: Iterable[str] = (".",)) -> SealedRun:
    """Run exactly ``nodeids`` in the sandbox's workspace and read their outcomes from the sealed channel.

    ``extra_args`` are options placed before the node ids (the project's own test options); ``import_roots`` are
    the workspace folders the project imports from (``src`` for a src layout). Never raises for a failing,
    crashing or hanging suite.

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    wanted = sorted(set(nodeids))
    token = secrets.token_hex(16)
    request = {"token": token, "fd": 100 + secrets.randbelow(800), "args": [*extra_args, "-q", *wanted],
               "path": list(import_roots)}
    full_env = {"PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    started = time.perf_counter()
    result = sandbox.exec([sandbox_python(sandbox), "-P", "-s", "-B", "-c", _LAUNCHER], timeout=timeout,
                          env=full_env,
                          stdin=orjson.dumps(request) + b"\n")
    run = read_channel(result.stdout or "", token, wanted)
    run.timed_out = result.timed_out
    run.channel_cut = result.truncated and not run.ended
    run.duration_s = time.perf_counter() - started
    run.output_tail = (result.stderr or "")[-4000:]
    return run


def read_channel(stdout: str, token: str, wanted: list[str]) -> SealedRun:
    """Outcomes of ``wanted`` from the channel's lines; lines without the token, and unknown hashes, are ignored.

    A test reported twice keeps its worst outcome (a forged second ``P`` cannot cover a real ``F``).
    """
    by_digest = {nodeid_digest(t): t for t in wanted}
    outcomes: dict[str, SealedOutcome] = dict.fromkeys(wanted, "unreported")
    seen: set[str] = set()
    ended, ready, exit_code = False, False, None
    rank = {"failed": 0, "skipped": 1, "passed": 2}
    for line in stdout.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or not secrets.compare_digest(parts[0], token):
            continue
        if parts[1] == "ready":
            ready = True
            continue
        if parts[1] == "end":
            ended, exit_code = True, int(parts[2]) if parts[2].lstrip("-").isdigit() else None
            continue
        nodeid = by_digest.get(parts[1])
        outcome = _CODES.get(parts[2])
        if nodeid is None or outcome is None:
            continue
        if nodeid in seen:
            current = outcomes[nodeid]
            outcomes[nodeid] = min(current, outcome, key=lambda o: rank.get(o, -1))
        else:
            outcomes[nodeid] = outcome
            seen.add(nodeid)
    return SealedRun(outcomes=outcomes, ready=ready, ended=ended, exit_code=exit_code)
