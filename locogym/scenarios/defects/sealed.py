"""The graded test run: outcomes reach the grader over a channel the project's code cannot find or forge.

Grading must not trust anything the project's code can reach by a fixed name, so the sealed launcher:

* starts the interpreter with ``-P -s -B``: neither the workspace nor ``PYTHONPATH`` nor the user's site
  folder is on ``sys.path`` until the launcher has imported pytest, so nothing in the workspace can stand in
  for it; then only the project's import roots (the pristine tree, which holds the package under test) are
  added;
* gives pytest an explicit configuration, the pristine tree's own (``-c``, ``--rootdir``), with plugin
  autoload off and the cache plugin disabled;
* takes its secrets on standard input, never in ``argv`` or the environment: a random per-run token, a random
  descriptor number, and the node ids to run. Standard input is closed before pytest starts;
* moves the process's original standard output to that descriptor (not inherited by child processes) and
  points descriptor 1 at standard error, so whatever the project prints never mixes with the channel;
* writes one line per test as the test *finishes* (after teardown): ``TOKEN HASH P`` for a pass, ``F`` for a
  failure or error, ``S`` for a skip or an expected failure. The pass is read from the exception the test's
  call raised, before any report object is built, and a report that says "passed" for a call that raised is
  recorded as forged.

The grader counts a test as passed only when its ``P`` line arrived. A process that exits early, is killed,
floods its output past the sandbox's limit, closes the channel or hangs simply leaves tests unreported, and an
unreported test is a failure: what the project's code does to the run can only fail the patch, and a run the
code under test wrecked is never taken for a broken sandbox (:func:`exec_untrusted`). See docs/integrity.md.
"""

from __future__ import annotations

import configparser
import hashlib
import posixpath
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from typing import Literal

import orjson
from pydantic import BaseModel, Field

from locogym.core.errors import SandboxError, SandboxUnavailable
from locogym.sandboxes.base import ExecResult, Sandbox
from locogym.scenarios.defects.testrun import DEFAULT_TIMEOUT_S, sandbox_python

SealedOutcome = Literal["passed", "failed", "skipped", "unreported"]
_CODES: dict[str, SealedOutcome] = {"P": "passed", "F": "failed", "S": "skipped"}
PROBE_TIMEOUT_S = 60.0
# pytest's own search order for its configuration in one folder (pytest.ini wins even when empty)
_CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
GRADER_CONFIG = ".locogym-grading.ini"  # written by the grader when the pristine tree has no configuration
_WORST_FIRST: tuple[SealedOutcome, ...] = ("failed", "skipped", "passed")  # a test reported twice keeps the worse

CHANNEL_SETUP = r"""
import hashlib, json, os, sys

def _open_channel():
    request = json.loads(sys.stdin.readline())
    sys.stdin.close()
    os.close(0)
    token, channel = request["token"], request["fd"]
    os.dup2(1, channel)
    os.set_inheritable(channel, False)
    os.dup2(2, 1)
    for name in request.get("preload", []):
        __import__(name)  # before the project's folders are on sys.path: nothing there can stand in for it
    os.write(channel, ("%s ready 0\n" % token).encode("ascii"))
    sys.path[:0] = [os.path.abspath(p) for p in request["path"]]

    def emit(*words):
        os.write(channel, (" ".join([token, *words]) + "\n").encode("utf-8"))

    return request, emit
"""
# The shared start of the sealed launchers: read the request, move the channel, preload, add import roots.

_LAUNCHER = CHANNEL_SETUP + r"""
def _sealed():
    request, emit = _open_channel()
    import pytest
    state, forged = {}, []

    def done(nodeid, code):
        emit(hashlib.blake2b(nodeid.encode("utf-8"), digest_size=8).hexdigest(), code)

    class Seal:
        def pytest_runtest_logstart(self, nodeid, location):
            state[nodeid] = "S"

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            report = outcome.get_result()
            raised = call.excinfo is not None
            skipped = raised and call.excinfo.errisinstance((pytest.skip.Exception, pytest.xfail.Exception))
            if raised and not skipped:
                state[item.nodeid] = "F"
                if report.passed:
                    forged.append(item.nodeid)
            elif skipped and state.get(item.nodeid) != "F":
                state[item.nodeid] = "S"
            elif call.when == "call" and state.get(item.nodeid) != "F":
                state[item.nodeid] = "P"

        def pytest_runtest_logreport(self, report):
            if report.failed:
                state[report.nodeid] = "F"
            elif report.skipped and state.get(report.nodeid) == "P":
                state[report.nodeid] = "S"  # an xfail that passed, a skip decided after the call

        def pytest_runtest_logfinish(self, nodeid, location):
            done(nodeid, state.pop(nodeid, "F"))

        def pytest_collectreport(self, report):
            if report.skipped:
                skipped.append(report.nodeid)

    skipped = []
    code = pytest.main(["-p", "no:cacheprovider", *request["args"]], plugins=[Seal()])
    emit("forged", str(len(forged)))
    emit("skipped", str(len(skipped)))
    emit("end", str(int(code)))

_sealed()
"""


def nodeid_digest(nodeid: str) -> str:
    """The short hash the launcher reports a test under (keeps the channel small on large suites)."""
    return hashlib.blake2b(nodeid.encode("utf-8"), digest_size=8).hexdigest()


class SealedRun(BaseModel):
    """What the channel reported for each requested test; anything not reported as passed did not pass.

    The flags record what the run showed of the code under test (``exited_early``, ``flooded``,
    ``runner_killed``, ``forged_reports``, ``forged_lines``, ``outlived``): observed effects, each of which
    only fails tests.
    """

    outcomes: dict[str, SealedOutcome] = Field(default_factory=dict)
    ready: bool = False
    ended: bool = False
    exit_code: int | None = None
    timed_out: bool = False
    flooded: bool = False  # the output passed the sandbox's limit: the channel may have been buried
    runner_killed: bool = False  # the run took its sandbox's server down with it; the sandbox works again
    forged_reports: int = 0  # tests whose report said "passed" for a call that raised
    forged_lines: int = 0  # lines with the token that the launcher cannot have written
    skipped_modules: int = 0  # test modules skipped whole while being collected (a skip at import)
    outlived: bool = False  # a process the code started held the run's output open after pytest returned
    output_tail: str = ""

    @property
    def passed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "passed"}

    @property
    def exited_early(self) -> bool:
        """The launcher started, yet its process ended before pytest returned."""
        return self.ready and not self.ended and not self.timed_out

    @property
    def infrastructure_failure(self) -> str | None:
        """Why this run cannot be graded through no fault of the patch (None when it can).

        Only a launcher that never started is the sandbox's fault: no project code runs before it says ready.
        """
        if not self.ready and not (self.timed_out or self.flooded or self.runner_killed):
            return ("the sandbox could not start the test launcher (Python or pytest missing): "
                    + self.output_tail[-300:])
        return None


def exec_untrusted(sandbox: Sandbox, argv: list[str], *, timeout: float, env: Mapping[str, str],
                   stdin: bytes) -> ExecResult | None:
    """Run a command that executes the project's code; None when that code took the sandbox's server down.

    Code under test can signal the tool server that runs it (the same user). The sandbox is then probed with a
    trivial command (its server restarts on demand): when the probe works, the failure was the code's doing
    and the run is simply lost (its tests unreported); when it does not, the sandbox is really gone.

    Raises:
        SandboxUnavailable: the sandbox does not work any more.
    """
    try:
        return sandbox.exec(argv, timeout=timeout, env=env, stdin=stdin)
    except SandboxError as first:
        try:
            probe = sandbox.exec([sandbox_python(sandbox), "-c", "pass"], timeout=PROBE_TIMEOUT_S)
        except SandboxError:
            raise SandboxUnavailable(f"the grading sandbox stopped working: {first}",
                                     fix="Run `locogym sandbox doctor`.") from first
        if probe.exit_code != 0:
            raise SandboxUnavailable("the grading sandbox cannot run Python any more: " + probe.stderr[-300:],
                                     fix="Run `locogym sandbox doctor`.") from first
        return None


def runner_config(files: Iterable[str], nodeids: Iterable[str], texts: Mapping[str, str]) -> str | None:
    """The pristine tree's pytest configuration file for these tests, found the way pytest finds it: from the
    tests' common folder up to the workspace root; None when the tree has none."""
    present = set(files)
    folders = [posixpath.dirname(n.split("::")[0]) for n in nodeids]
    common = posixpath.commonpath(folders) if folders else ""
    while True:
        for name in _CONFIG_NAMES:
            path = posixpath.join(common, name)  # joined to "" it is the bare name
            if path in present and _configures_pytest(name, texts.get(path, "")):
                return path
        if not common:
            return None
        common = posixpath.dirname(common)


def _configures_pytest(name: str, text: str) -> bool:
    if name in ("pytest.ini", ".pytest.ini"):
        return True
    if name == "pyproject.toml":
        try:
            return "ini_options" in tomllib.loads(text).get("tool", {}).get("pytest", {})
        except tomllib.TOMLDecodeError:
            return False
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return False
    return parser.has_section("pytest" if name == "tox.ini" else "tool:pytest")


def run_sealed(sandbox: Sandbox, nodeids: Iterable[str], extra_args: Iterable[str] = (), *,
               timeout: float = DEFAULT_TIMEOUT_S, import_roots: Iterable[str] = (".",),
               config: str | None = None) -> SealedRun:
    """Run exactly ``nodeids`` in the sandbox's workspace and read their outcomes from the sealed channel.

    ``extra_args`` are options placed before the node ids (the project's own test options); ``import_roots`` are
    the workspace folders the project imports from (``src`` for a src layout); ``config`` is the configuration
    file pytest must read (see :func:`runner_config`), with the workspace as its root. Never raises for a
    failing, crashing, flooding or hanging suite.

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    wanted = sorted(set(nodeids))
    token = secrets.token_hex(16)
    pinned = ["-c", config, "--rootdir", "."] if config else []
    request = {"token": token, "fd": 100 + secrets.randbelow(800), "path": list(import_roots),
               "args": [*pinned, *extra_args, "-q", *wanted], "preload": ["pytest"]}
    env = {"PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = exec_untrusted(sandbox, [sandbox_python(sandbox), "-P", "-s", "-B", "-c", _LAUNCHER],
                            timeout=timeout, env=env, stdin=orjson.dumps(request) + b"\n")
    if result is None:
        run = SealedRun(outcomes=dict.fromkeys(wanted, "unreported"), ready=True, runner_killed=True)
    else:
        run = read_channel(result.stdout or "", token, wanted)
        run.timed_out = result.timed_out and not run.ended  # pytest returned: only what it left behind ran on
        run.outlived = result.timed_out and run.ended
        run.flooded = result.truncated
        run.output_tail = (result.stderr or "")[-4000:]
    return run


def read_channel(stdout: str, token: str, wanted: list[str]) -> SealedRun:
    """Outcomes of ``wanted`` from the channel's lines; lines without the token are ignored, lines with it
    that the launcher cannot have written (unknown tests, unknown codes) are counted as forged.

    A test reported twice keeps its worst outcome (a forged second ``P`` cannot cover a real ``F``).
    """
    by_digest = {nodeid_digest(t): t for t in wanted}
    run = SealedRun(outcomes=dict.fromkeys(wanted, "unreported"))
    seen: set[str] = set()
    for line in stdout.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or not secrets.compare_digest(parts[0], token):
            continue
        word, value = parts[1], parts[2]
        if word in ("ready", "end", "forged", "skipped"):
            _control(run, word, value)
            continue
        nodeid, outcome = by_digest.get(word), _CODES.get(value)
        if nodeid is None or outcome is None:
            run.forged_lines += 1
        elif nodeid in seen:
            run.outcomes[nodeid] = min(run.outcomes[nodeid], outcome, key=_WORST_FIRST.index)
        else:
            run.outcomes[nodeid] = outcome
            seen.add(nodeid)
    return run


def _control(run: SealedRun, word: str, value: str) -> None:
    number = int(value) if value.lstrip("-").isdigit() else None
    if word == "ready":
        run.ready = True
    elif word == "end":
        run.ended, run.exit_code = True, number
    elif word == "skipped":
        run.skipped_modules = max(run.skipped_modules, number or 0)
    else:
        run.forged_reports = max(run.forged_reports, number or 0)
