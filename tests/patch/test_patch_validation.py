"""Validation in a real (local) sandbox: per-test outcomes, reach, kept and discarded candidates, the run cache."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from locogym.core.errors import DataError
from locogym.sandboxes.base import make_sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.edits import apply_edits
from locogym.scenarios.defects.inject import inject_defects
from locogym.scenarios.defects.suite import Suite
from locogym.scenarios.defects.testrun import parse_test_command, run_tests
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture()
def box():
    sandbox = make_sandbox("local")
    yield sandbox
    sandbox.close()


def test_run_tests_reports_outcomes_and_reach(box) -> None:
    box.load_workspace(CALC)
    run = run_tests(box, [], mode="reach")
    assert run.usable and run.exit_code == 0
    assert len(run.passed) == 8
    assert "tests/test_core.py::TestBoth::test_true" in run.passed
    clamp_line = CALC["calc/core.py"].splitlines().index("def clamp(value: int, low: int, high: int) -> int:") + 1
    assert set(run.reach[f"calc/core.py:{clamp_line}"]) == {"tests/test_core.py::test_clamp_inside",
                                                             "tests/test_core.py::test_clamp_low",
                                                             "tests/test_core.py::test_clamp_high"}
    assert not any(key.startswith("calc/core.py:4") and key.endswith(":47") for key in run.reach)
    assert sorted(p for p in box.glob("**/*")) == sorted(CALC)  # nothing left behind in the workspace


@pytest.mark.slow
def test_run_tests_reports_failures_and_collection_errors(box) -> None:
    broken = dict(CALC, **{"calc/core.py": CALC["calc/core.py"].replace("return low", "return high", 1)})
    box.load_workspace(broken)
    run = run_tests(box, [])
    assert run.outcomes["tests/test_core.py::test_clamp_low"] == "failed"
    assert "assert 10 == 0" in run.failures["tests/test_core.py::test_clamp_low"]
    box.write_file("tests/test_bad.py", "import nope_missing\n")
    run = run_tests(box, [])
    assert run.collect_errors == ["tests/test_bad.py"] and not run.usable


@pytest.mark.slow
def test_inject_keeps_validated_defects_and_records_discards(box, tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    injection = inject_defects("calc", "c0", CALC, count=2, rng=random.Random(3), sandbox_factory=lambda: box,
                               backend="local", cache=cache)
    assert len(injection.defects) == 2
    assert {d.mutation.function for d in injection.defects} <= {"clamp", "total", "first_words", "safe_ratio",
                                                                  "both_positive"}  # never the untested one
    assert injection.fail_to_pass and set(injection.fail_to_pass).isdisjoint(injection.pass_to_pass)
    assert len(injection.fail_to_pass) + len(injection.pass_to_pass) == 8
    assert injection.tried == len(injection.defects) + len(injection.discarded)
    for discard in injection.discarded:
        assert discard.reason in {"syntax_error", "no_failing_test", "timeout", "collection_error", "too_broad",
                                  "masked", "combination_failed"}
    # the kept defects really break exactly the fail-to-pass tests, checked with a fresh run
    mutated = injection.mutated_files(CALC)
    box.load_workspace(mutated)
    run = run_tests(box, [])
    assert {t for t, o in run.outcomes.items() if o != "passed"} == set(injection.fail_to_pass)
    # a second injection with the same seed runs nothing and gives the same defects
    again = inject_defects("calc", "c0", CALC, count=2, rng=random.Random(3), sandbox_factory=lambda: box,
                           backend="local", cache=cache)
    assert again.runs_executed == 0 and again.runs_cached == injection.runs_executed
    assert [d.mutation.id for d in again.defects] == [d.mutation.id for d in injection.defects]


@pytest.mark.slow
def test_equivalent_mutants_are_discarded(box, tmp_path: Path) -> None:
    weak = dict(CALC, **{"tests/test_core.py": "from calc.core import total\n\n\ndef test_runs():\n"
                                               "    try:\n        total([1, 2])\n"
                                               "    except Exception:\n        pass\n"})
    with pytest.raises(DataError, match="no defect .* survived validation .*no_failing_test"):
        inject_defects("weak", "c0", weak, count=1, rng=random.Random(0), sandbox_factory=lambda: box,
                       backend="local", cache=RunCache(tmp_path), max_candidates=4)


def test_a_suite_that_does_not_run_is_a_clear_error(box, tmp_path: Path) -> None:
    broken = dict(CALC, **{"tests/test_core.py": "import nope_missing\n"})
    with pytest.raises(DataError, match="collection errors"):
        inject_defects("broken", "c0", broken, count=1, rng=random.Random(0), sandbox_factory=lambda: box,
                       backend="local", cache=RunCache(tmp_path))


def test_suite_restores_the_workspace_and_caches(box, tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    suite = Suite("calc", "c0", CALC, [], lambda: box, "local", cache)
    edited = apply_edits(CALC, [])
    first = suite.run("baseline", edited={"calc/extra.py": "X = 1\n"}, deleted=["tests/__init__.py"])
    assert first.usable and suite.executed == 1
    assert box.read_file("tests/__init__.py") == b"" and "calc/extra.py" not in box.glob("**/*")
    assert suite.run("baseline", edited={"calc/extra.py": "X = 1\n"}).outcomes == first.outcomes
    assert suite.executed == 1 and cache.hits == 1
    assert edited == CALC


def test_parse_test_command() -> None:
    assert parse_test_command("python -m pytest tests -q") == ["tests", "-q"]
    assert parse_test_command(None) == []
    with pytest.raises(Exception, match="does not run pytest"):
        parse_test_command("tox -e py311")
