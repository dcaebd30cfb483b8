"""The sealed channel's reading and the choice of pytest configuration, without a sandbox: what a line must
hold to count, which outcome a test reported twice keeps, and which file pytest would have read."""

from __future__ import annotations

import pytest

from locogym.scenarios.defects.sealed import SealedRun, nodeid_digest, read_channel, runner_config

TOKEN = "0" * 32
WANTED = ["tests/t.py::a", "tests/t.py::b", "tests/t.py::c"]


def _line(*words: str, token: str = TOKEN) -> str:
    return " ".join([token, *words])


def _read(*lines: str) -> SealedRun:
    return read_channel("\n".join(lines), TOKEN, WANTED)


def test_a_test_counts_only_from_a_well_formed_line_with_the_token() -> None:
    a, b, c = (nodeid_digest(t) for t in WANTED)
    run = _read(_line(a, "P"), _line(b, "P", token="1" * 32), f"{TOKEN} {c} P extra", f"{TOKEN}  {c}", "noise")
    assert run.outcomes == {WANTED[0]: "passed", WANTED[1]: "unreported", WANTED[2]: "unreported"}
    assert run.passed == {WANTED[0]} and run.forged_lines == 1  # the token with an empty word: not the launcher's


def test_each_code_maps_to_its_outcome_and_unknown_ones_are_forged() -> None:
    a, b, c = (nodeid_digest(t) for t in WANTED)
    run = _read(_line(a, "F"), _line(b, "S"), _line(c, "X"), _line(nodeid_digest("tests/t.py::z"), "P"))
    assert run.outcomes == {WANTED[0]: "failed", WANTED[1]: "skipped", WANTED[2]: "unreported"}
    assert run.forged_lines == 2


@pytest.mark.parametrize(("first", "second", "kept"), [("F", "P", "failed"), ("P", "F", "failed"),
                                                       ("S", "P", "skipped"), ("P", "S", "skipped"),
                                                       ("P", "P", "passed"), ("F", "S", "failed")])
def test_a_test_reported_twice_keeps_its_worst_outcome(first: str, second: str, kept: str) -> None:
    digest = nodeid_digest(WANTED[0])
    assert _read(_line(digest, first), _line(digest, second)).outcomes[WANTED[0]] == kept


def test_control_lines_set_the_run_flags_and_keep_their_largest_counts() -> None:
    run = _read(_line("ready", "0"), _line("forged", "2"), _line("forged", "1"), _line("skipped", "3"),
                _line("skipped", "x"), _line("end", "5"))
    assert run.ready and run.ended and run.exit_code == 5
    assert run.forged_reports == 2 and run.skipped_modules == 3 and run.forged_lines == 0
    odd = _read(_line("end", "-1"), _line("forged", "many"))
    assert odd.exit_code == -1 and odd.forged_reports == 0 and not odd.ready
    assert _read(_line("end", "soon")).exit_code is None


def test_a_launcher_that_started_and_never_ended_exited_early() -> None:
    assert SealedRun(ready=True).exited_early
    assert not SealedRun(ready=True, ended=True).exited_early
    assert not SealedRun(ready=True, timed_out=True).exited_early
    assert not SealedRun().exited_early


def test_only_a_launcher_that_never_started_is_the_sandbox_fault() -> None:
    assert "could not start" in (SealedRun(output_tail="no pytest").infrastructure_failure or "")
    for wrecked in ({"timed_out": True}, {"flooded": True}, {"runner_killed": True}, {"ready": True}):
        assert SealedRun(**wrecked).infrastructure_failure is None, wrecked  # type: ignore[arg-type]


def _config(files: dict[str, str], nodeids: list[str] | None = None) -> str | None:
    return runner_config(files, ["tests/unit/test_a.py::t"] if nodeids is None else nodeids, files)


def test_the_configuration_is_found_from_the_tests_folder_upwards() -> None:
    assert _config({"pytest.ini": "", "tests/pytest.ini": ""}) == "tests/pytest.ini"
    assert _config({"pytest.ini": "", "tests/unit/tox.ini": "[other]\n"}) == "pytest.ini"
    assert _config({"tests/setup.cfg": "[tool:pytest]\n", "tox.ini": "[pytest]\n"}) == "tests/setup.cfg"
    assert _config({"setup.cfg": "[metadata]\n"}) is None
    assert _config({}, []) is None and _config({"pytest.ini": ""}, []) == "pytest.ini"  # no tests: the root
    spread = ["tests/unit/test_a.py::t", "tests/more/test_b.py::t"]
    assert _config({"tests/unit/pytest.ini": "", "tests/tox.ini": "[pytest]\n"}, spread) == "tests/tox.ini"


def test_each_file_counts_only_when_it_configures_pytest() -> None:
    pyproject = '[tool.pytest.ini_options]\naddopts = "-q"\n'
    assert _config({"pyproject.toml": pyproject}) == "pyproject.toml"
    assert _config({"pyproject.toml": "[tool.black]\n"}) is None
    assert _config({"pyproject.toml": "[tool.pytest]\nx = 1\n"}) is None
    assert _config({"pyproject.toml": "not = [toml"}) is None
    assert _config({"tox.ini": "[tool:pytest]\n"}) is None  # tox.ini names its section [pytest]
    assert _config({"setup.cfg": "[pytest]\n"}) is None  # setup.cfg names it [tool:pytest]
    assert _config({"setup.cfg": "[tool:pytest\n"}) is None
    assert _config({".pytest.ini": ""}) == ".pytest.ini"


def test_in_one_folder_pytest_ini_wins_in_pytest_order() -> None:
    both = {"pytest.ini": "", "pyproject.toml": "[tool.pytest.ini_options]\n", "tox.ini": "[pytest]\n",
            "setup.cfg": "[tool:pytest]\n"}
    assert _config(both) == "pytest.ini"
    assert _config({k: v for k, v in both.items() if k != "pytest.ini"}) == "pyproject.toml"
    assert _config({"tox.ini": "[pytest]\n", "setup.cfg": "[tool:pytest]\n"}) == "tox.ini"
