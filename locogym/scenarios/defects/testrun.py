"""Running a project's pytest suite inside a sandbox and reading back per-test outcomes.

Parsing a terminal report is fragile (plugins, verbosity flags, a project's own ``addopts``), so the suite runs
under a small launcher passed with ``python3 -c``: it calls ``pytest.main`` with a collector plugin and writes one
JSON document. Nothing else is written into the workspace (no cache folder, no byte code), so the diff of an
episode stays exactly the agent's edits.

The launcher writes its JSON document to a hidden file in the workspace, which is read and deleted at once (a
terminal stream would be cut at the sandbox's output limit on a large suite).

In ``reach`` mode the launcher also records, per test, which functions of the workspace ran (``sys.setprofile``
on call events). Defects are only placed in functions some passing test reaches, and a candidate defect is
screened against just the tests that reach its function: tests that never call a function cannot change outcome
when only that function's body changes.

Plugins installed next to pytest are not auto-loaded: the suites locogym runs need only pytest (that is all the
sandbox image has), and on the local backend the host's plugins would only add start-up time. A suite that needs
one names it in its test command (``pytest -p NAME``).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterable, Mapping
from typing import Literal

import orjson
from pydantic import BaseModel, Field

from locogym.core.errors import ConfigError
from locogym.sandboxes.base import Sandbox

Outcome = Literal["passed", "failed", "error", "skipped"]
RESULT_FILE = ".locogym-test-results.json"
DEFAULT_TIMEOUT_S = 300.0

_LAUNCHER = r'''
import json, os, sys
import pytest

mode, result_path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
root = os.path.realpath(os.getcwd()) + os.sep
outcomes, failures, collect_errors, reach = {}, {}, [], {}
state = {"test": None, "keys": {}}

def profiler(frame, event, arg):
    if event != "call" or state["test"] is None:
        return
    code = frame.f_code
    key = state["keys"].get(code)
    if key is None:
        path = os.path.realpath(code.co_filename)
        key = path[len(root):].replace(os.sep, "/") + ":" + str(code.co_firstlineno) if path.startswith(root) else ""
        state["keys"][code] = key
    if key:
        reach.setdefault(key, set()).add(state["test"])

class Collector:
    def pytest_runtest_logstart(self, nodeid, location):
        state["test"] = nodeid
        if mode == "reach":
            sys.setprofile(profiler)

    def pytest_runtest_logfinish(self, nodeid, location):
        if mode == "reach":
            sys.setprofile(None)
        state["test"] = None

    def pytest_runtest_logreport(self, report):
        nodeid = report.nodeid
        if report.failed:
            outcomes[nodeid] = "failed" if report.when == "call" else "error"
            text = str(report.longrepr)
            failures.setdefault(nodeid, text[-3000:])
        elif report.skipped and nodeid not in outcomes:
            outcomes[nodeid] = "skipped"
        elif report.when == "call" and report.passed and nodeid not in outcomes:
            outcomes[nodeid] = "passed"

    def pytest_collectreport(self, report):
        if report.failed:
            collect_errors.append(report.nodeid or "<session>")
            failures.setdefault(report.nodeid or "<session>", str(report.longrepr)[-3000:])

code = pytest.main(["-p", "no:cacheprovider", *args], plugins=[Collector()])
names = sorted(outcomes)
index = {n: i for i, n in enumerate(names)}
doc = {"exit_code": int(code), "outcomes": outcomes, "failures": failures, "collect_errors": collect_errors,
       "tests": names, "reach": {k: sorted(index[t] for t in v if t in index) for k, v in reach.items()}}
with open(result_path, "w", encoding="utf-8") as handle:
    json.dump(doc, handle)
'''


class TestRun(BaseModel):
    """Per-test outcomes of one run of the suite (and, in reach mode, which tests ran which function)."""

    __test__ = False  # not a pytest test class, despite the name

    exit_code: int
    outcomes: dict[str, Outcome] = Field(default_factory=dict)
    failures: dict[str, str] = Field(default_factory=dict)
    collect_errors: list[str] = Field(default_factory=list)
    reach: dict[str, list[str]] = Field(default_factory=dict)
    timed_out: bool = False
    duration_s: float = 0.0
    output_tail: str = ""

    @property
    def passed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "passed"}

    @property
    def usable(self) -> bool:
        """The suite ran to the end: no time-out, no collection error, no pytest usage or internal error."""
        return not self.timed_out and not self.collect_errors and self.exit_code in (0, 1, 5)


def parse_test_command(command: str | list[str] | None) -> list[str]:
    """The pytest arguments of a test command such as ``python -m pytest tests -q`` or ``pytest -k fast``.

    Raises:
        ConfigError: the command does not run pytest.
    """
    if command is None or command == "" or command == []:
        return []
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    for i, word in enumerate(argv):
        if word == "pytest" or word.endswith("/pytest") or word == "py.test":
            return argv[i + 1:]
    raise ConfigError(f"The test command {command!r} does not run pytest.",
                      fix='Write it as "pytest ARGS" or "python -m pytest ARGS"; other runners are not supported.')


def run_tests(sandbox: Sandbox, args: Iterable[str] = (), *, mode: Literal["plain", "reach"] = "plain",
              timeout: float = DEFAULT_TIMEOUT_S, env: Mapping[str, str] | None = None) -> TestRun:
    """Run pytest with ``args`` in the sandbox's workspace and return per-test outcomes.

    Never raises for a failing or hanging suite: a time-out comes back as ``timed_out=True`` and output that
    carries no result document as exit code 3 (pytest's internal-error code) with the output's tail.

    Raises:
        SandboxUnavailable: the sandbox is gone.
    """
    full_env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                **(env or {})}
    started = time.perf_counter()
    result = sandbox.exec([sandbox_python(sandbox), "-c", _LAUNCHER, mode, RESULT_FILE, *args], timeout=timeout,
                          env=full_env)
    duration = time.perf_counter() - started
    output = (result.stdout or "") + (result.stderr or "")
    try:
        raw = sandbox.read_file(RESULT_FILE)
        sandbox.delete_file(RESULT_FILE)
    except FileNotFoundError:
        raw = None
    if result.timed_out:
        return TestRun(exit_code=-1, timed_out=True, duration_s=duration, output_tail=output[-4000:])
    if raw is None:
        return TestRun(exit_code=3, duration_s=duration, output_tail=output[-4000:])
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return TestRun(exit_code=3, duration_s=duration, output_tail=output[-4000:])
    names = doc["tests"]
    reach = {key: [names[i] for i in indices] for key, indices in doc["reach"].items()}
    return TestRun(exit_code=doc["exit_code"], outcomes=doc["outcomes"], failures=doc["failures"],
                   collect_errors=doc["collect_errors"], reach=reach, duration_s=duration,
                   output_tail=output[-4000:])


def sandbox_python(sandbox: Sandbox) -> str:
    """The interpreter that runs tests: the local backend's own Python (it has pytest), else ``python3``."""
    python = getattr(sandbox, "python", None)
    return python if isinstance(python, str) and python else "python3"


def suite_env(files: Iterable[str]) -> dict[str, str]:
    """Environment for a project's tests: ``src/`` layouts become importable without installing the project."""
    return {"PYTHONPATH": "src"} if any(p.startswith("src/") for p in files) else {}
