"""The sealed run as the grader starts it, in a hand-driven sandbox: how the launcher is started (interpreter
flags, environment, a request on standard input only), what the request asks for, how the command's end maps to
the run's flags, and how a run that took the sandbox's server down is told from a sandbox that is gone."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from locogym.core.errors import SandboxError, SandboxUnavailable
from locogym.sandboxes.base import ExecResult
from locogym.sandboxes.fake import FakeSandbox
from locogym.scenarios.defects.sealed import SealedRun, exec_untrusted, nodeid_digest, read_channel, run_sealed

TESTS = ["tests/t.py::b", "tests/t.py::a", "tests/t.py::b"]


class _Box:
    """Plays the sandbox's command: the launcher's first call answers with ``results`` in turn, or raises."""

    def __init__(self, *results: ExecResult | Exception) -> None:
        self.results = list(results)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, argv: list[str], **kw: Any) -> ExecResult:
        self.calls.append({"argv": argv, **kw})
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        if "{token}" in result.stdout:
            token = orjson.loads(kw["stdin"].splitlines()[0])["token"]
            result = result.model_copy(update={"stdout": result.stdout.replace("{token}", token)})
        return result

    def request(self) -> dict[str, Any]:
        stdin = self.calls[0]["stdin"]
        assert stdin.endswith(b"\n") and stdin.count(b"\n") == 1
        return dict(orjson.loads(stdin))


def _finished(*extra: str, stderr: str = "", timed_out: bool = False, truncated: bool = False) -> ExecResult:
    lines = ["{token} ready 0", f"{{token}} {nodeid_digest('tests/t.py::a')} P", *extra]
    return ExecResult(exit_code=0, stdout="\n".join(lines) + "\n", stderr=stderr, timed_out=timed_out,
                      truncated=truncated)


def test_the_launcher_gets_its_secrets_on_standard_input_only() -> None:
    box = _Box(_finished("{token} end 0"))
    run = run_sealed(FakeSandbox(exec_handler=box), TESTS, ["-x"], timeout=12.0, import_roots=[".", "src"],
                     config="tox.ini")
    call, request = box.calls[0], box.request()
    assert call["argv"][:5] == ["python3", "-P", "-s", "-B", "-c"] and len(call["argv"]) == 6
    assert call["env"] == {"PYTHONHASHSEED": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"} and call["timeout"] == 12.0
    assert request["token"] not in " ".join(call["argv"]) and len(request["token"]) == 32
    assert request["args"] == ["-c", "tox.ini", "--rootdir", ".", "-x", "-q", "tests/t.py::a", "tests/t.py::b"]
    assert request["path"] == [".", "src"] and request["preload"] == ["pytest"] and 100 <= request["fd"] < 900
    assert run.outcomes == {"tests/t.py::a": "passed", "tests/t.py::b": "unreported"}
    assert run.ready and run.ended and not (run.timed_out or run.outlived or run.flooded or run.runner_killed)


def test_without_a_configuration_pytest_is_not_pinned() -> None:
    box = _Box(_finished())
    run_sealed(FakeSandbox(exec_handler=box), TESTS)
    assert box.request()["args"] == ["-q", "tests/t.py::a", "tests/t.py::b"] and box.request()["path"] == ["."]


def test_the_secrets_differ_from_run_to_run() -> None:
    box = _Box(*[_finished() for _ in range(6)])
    for _ in range(6):
        run_sealed(FakeSandbox(exec_handler=box), TESTS)
    requests = [orjson.loads(c["stdin"]) for c in box.calls]
    assert len({r["token"] for r in requests}) == 6 and len({r["fd"] for r in requests}) > 1


@pytest.mark.parametrize(("ended", "timed_out", "flags"), [
    (False, True, (True, False)),  # pytest never returned: the run timed out
    (True, True, (False, True)),  # pytest returned, something it started held the output open
    (True, False, (False, False)),
    (False, False, (False, False)),
])
def test_a_timeout_is_the_runs_own_only_before_pytest_returned(ended: bool, timed_out: bool,
                                                               flags: tuple[bool, bool]) -> None:
    box = _Box(_finished(*(["{token} end 1"] if ended else []), timed_out=timed_out))
    run = run_sealed(FakeSandbox(exec_handler=box), TESTS)
    assert (run.timed_out, run.outlived) == flags


def test_a_flood_and_the_end_of_the_error_output_are_kept() -> None:
    box = _Box(_finished("{token} end 0", stderr="e" * 3000 + "f" * 1000 + "g" * 10, truncated=True))
    run = run_sealed(FakeSandbox(exec_handler=box), TESTS)
    assert run.flooded and run.output_tail == "e" * 2990 + "f" * 1000 + "g" * 10


def test_a_run_that_took_the_server_down_loses_its_tests_when_the_sandbox_still_works() -> None:
    box = _Box(SandboxError("connection reset"), ExecResult(exit_code=0))
    run = run_sealed(FakeSandbox(exec_handler=box), TESTS)
    assert run.runner_killed and run.ready and not run.ended
    assert run.outcomes == {"tests/t.py::a": "unreported", "tests/t.py::b": "unreported"}
    assert box.calls[1]["argv"] == ["python3", "-c", "pass"] and run.infrastructure_failure is None


def test_a_sandbox_that_cannot_run_python_after_the_run_is_gone() -> None:
    with pytest.raises(SandboxUnavailable, match="stopped working"):
        exec_untrusted(FakeSandbox(exec_handler=_Box(SandboxError("reset"), SandboxError("refused"))), ["x"],
                       timeout=1.0, env={}, stdin=b"")
    with pytest.raises(SandboxUnavailable, match="cannot run Python any more: no python"):
        exec_untrusted(FakeSandbox(exec_handler=_Box(SandboxError("reset"), ExecResult(exit_code=127,
                                                                                        stderr="no python"))),
                       ["x"], timeout=1.0, env={}, stdin=b"")
    done = exec_untrusted(FakeSandbox(exec_handler=_Box(ExecResult(exit_code=3, stdout="out"))), ["x"], timeout=1.0,
                          env={}, stdin=b"")
    assert done is not None and (done.exit_code, done.stdout) == (3, "out")


def test_a_test_is_named_on_the_channel_by_the_digest_the_launcher_writes() -> None:
    """The launcher (a separate process) hashes each node id to 8 bytes of blake2b; a grader that named tests
    otherwise would never see one pass. Values taken once from that rule."""
    assert nodeid_digest("tests/t.py::a") == "7c1e4e298134dcbb"
    assert nodeid_digest("tests/test_core.py::test_a[1-é]") == "52db26de27555e10"


def test_a_launcher_that_never_started_is_reported_with_the_last_300_characters_it_printed() -> None:
    failure = SealedRun(output_tail="q" * 100 + "y" * 300).infrastructure_failure or ""
    assert failure.endswith(": " + "y" * 300) and "q" not in failure


def test_the_channel_descriptor_is_drawn_clear_of_the_first_ones_and_under_1024(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []

    def draw(bound: int, pick: int) -> int:
        drawn.append(bound)
        return pick

    fds = []
    for pick in (0, 799):
        monkeypatch.setattr("locogym.scenarios.defects.sealed.secrets.randbelow", lambda n, p=pick: draw(n, p))
        box = _Box(_finished())
        run_sealed(FakeSandbox(exec_handler=box), TESTS)
        fds.append(box.request()["fd"])
    assert fds == [100, 899] and drawn == [800, 800]


def test_a_skip_then_a_failure_keeps_the_failure_and_a_malformed_count_counts_nothing() -> None:
    token, digest = "t" * 32, nodeid_digest("tests/t.py::a")
    run = read_channel(f"{token} {digest} S\n{token} {digest} F\n{token} skipped many\n", token, ["tests/t.py::a"])
    assert run.outcomes == {"tests/t.py::a": "failed"} and run.skipped_modules == 0
