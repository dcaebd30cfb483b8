"""The parts of patch grading one at a time: the sealed channel, the allowlist of applied files and the
differential oracle, on the small calc project (local sandbox; the differential also on bwrap)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects.differential import (
    DifferentialTarget,
    DifferentialVerdict,
    judge_patch,
    original_definition,
    run_reference,
)
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.grading import PatchGrade, credit
from locogym.scenarios.defects.protect import ChangeSplit, hold_reason, package_roots
from locogym.scenarios.defects.sealed import SealedRun, nodeid_digest, read_channel, run_sealed
from locogym.scenarios.defects.verdict import patch_score
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
CLAMP_TESTS = [f"tests/test_core.py::test_clamp_{case}" for case in ("inside", "low", "high")]
DEFECTIVE = CALC["calc/core.py"].replace("    if value < low:\n        return low",
                                         "    if value <= low:\n        return value")


@pytest.fixture()
def box() -> Iterator[Sandbox]:
    sandbox = make_sandbox("local")
    sandbox.load_workspace(CALC)
    yield sandbox
    sandbox.close()


def test_sealed_run_reports_each_test_and_ignores_forged_or_duplicate_lines(box: Sandbox) -> None:
    run = run_sealed(box, CLAMP_TESTS)
    assert run.ready and run.ended and run.passed == set(CLAMP_TESTS)
    wanted = ["a::t1", "a::t2"]
    forged = "\n".join([f"tok {nodeid_digest('a::t1')} P", f"other {nodeid_digest('a::t2')} P",
                        f"tok {nodeid_digest('a::t2')} F", f"tok {nodeid_digest('a::t2')} P", "tok end 0"])
    read = read_channel(forged, "tok", wanted)
    assert read.outcomes == {"a::t1": "passed", "a::t2": "failed"} and read.ended and not read.ready


@pytest.mark.slow
@pytest.mark.parametrize("code", ["import os\nos._exit(0)\n", "import sys\nsys.exit(0)\n",
                                  "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"])
def test_exiting_early_leaves_tests_unreported_which_is_failure(box: Sandbox, code: str) -> None:
    box.write_file("calc/__init__.py", code)
    run = run_sealed(box, CLAMP_TESTS)
    assert run.ready and not run.passed and run.infrastructure_failure is None


def test_results_file_and_workspace_modules_cannot_stand_in(box: Sandbox) -> None:
    box.write_file("pytest.py", "raise SystemExit(0)\n")  # would shadow pytest were the workspace on sys.path
    box.write_file(".locogym-test-results.json", '{"outcomes": {}}')
    box.write_file("calc/core.py", DEFECTIVE)
    run = run_sealed(box, CLAMP_TESTS)
    assert run.outcomes["tests/test_core.py::test_clamp_low"] == "failed"
    assert run.outcomes["tests/test_core.py::test_clamp_inside"] == "passed"


def test_skips_and_xfails_in_source_are_not_passes(box: Sandbox) -> None:
    box.write_file("calc/core.py", CALC["calc/core.py"].replace('    """Keep value within [low, high]."""\n',
                                                                '    """Keep value."""\n    import pytest\n'
                                                                '    pytest.xfail("known")\n'))
    run = run_sealed(box, CLAMP_TESTS)
    assert set(run.outcomes.values()) == {"skipped"} and not run.passed


def test_only_importable_modules_of_the_package_are_applied() -> None:
    roots = package_roots(["calc/core.py", "calc/sub/deep.py"])
    assert roots == ["calc/"]
    assert package_roots(["src/pkg/a.py"]) == ["src/pkg/"] and package_roots(["six.py"]) == ["six.py"]
    for path in ("calc/core.py", "calc/json.py", "calc/new/helpers.py", "calc/__init__.py"):
        assert hold_reason(path, roots) is None, path
    assert hold_reason("six.py", ["six.py"]) is None
    assert hold_reason("other.py", ["six.py"]) == "outside_package"
    expected = {"tests/test_core.py": "test_file", "calc/conftest.py": "conftest", "conftest.py": "conftest",
                "calc/tests/test_x.py": "test_file", ".pytest.ini": "outside_package",
                "pytest.ini": "outside_package", "setup.cfg": "outside_package",
                "calc/pytest.ini": "not_source", "calc/evil.pth": "not_source", "calc/.env": "not_source",
                "sitecustomize.py": "outside_package", "json.py": "outside_package",
                "calc/my-helper.py": "not_importable", "calc/.hidden/x.py": "not_importable",
                "../calc/core.py": "outside_package", "/etc/passwd": "outside_package",
                "calc/__pycache__/core.cpython-311.pyc": "not_source"}
    for path, reason in expected.items():
        assert hold_reason(path, roots) == reason, path


def _target() -> DifferentialTarget:
    original = original_definition(CALC["calc/core.py"], "clamp")
    defective = original_definition(DEFECTIVE, "clamp")
    assert original is not None and defective is not None
    return DifferentialTarget(id="clamp", module="calc.core", qualname="clamp", original=original[0],
                              defective=defective[0], decorated=False, seed=1)


def _judge(sandbox: Sandbox, patched: str) -> DifferentialVerdict:
    """The reference on the pristine (defective) project, then the patched module in a process of its own."""
    sandbox.load_workspace({**CALC, "calc/core.py": DEFECTIVE})
    references = run_reference(sandbox, [_target()], CLAMP_TESTS)
    sandbox.write_file("calc/core.py", patched)
    return judge_patch(sandbox, references)[0]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", pytest.param("bwrap", marks=pytest.mark.bwrap)])
def test_differential_tells_a_fix_from_a_lookup_table(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_available")
    sandbox = make_sandbox(backend)
    try:
        fixed = _judge(sandbox, CALC["calc/core.py"])
        assert fixed.status == "checked" and fixed.captured == 3 and fixed.revealing and not fixed.defect_remains
        table = DEFECTIVE.replace('    """Keep value within [low, high]."""\n',
                                  '    """Keep value within [low, high]."""\n'
                                  '    if (value, low, high) == (-3, 0, 10):\n'
                                  '        return 0\n')
        sandbox.load_workspace(CALC)
        sandbox.write_file("calc/core.py", table)
        assert run_sealed(sandbox, CLAMP_TESTS).passed == set(CLAMP_TESTS)  # the tests are fooled ...
        caught = _judge(sandbox, table)
        assert caught.defect_remains and "[mutated input]" in caught.examples[0]  # ... the oracle is not
        rewrite = CALC["calc/core.py"].replace("    if value < low:\n        return low\n    if value > high:\n"
                                               "        return high\n    return value",
                                               "    return max(low, min(value, high))")
        assert not _judge(sandbox, rewrite).defect_remains  # differs only where low > high: recorded only
    finally:
        sandbox.close()


def test_original_definition_skips_what_cannot_be_rebuilt_alone() -> None:
    text = "class A:\n    def m(self):\n        return super().m()\n\n    def n(self):\n        return self.__x\n"
    assert original_definition(text, "A.m") is None and original_definition(text, "A.n") is None
    assert original_definition("def f():\n    def g():\n        return 1\n", "f.<locals>.g") is None
    assert original_definition("@dec\ndef f(x):\n    return x\n", "f") == ("def f(x):\n    return x\n", True)


def _unjudged_grade(passed: set[str]) -> tuple[PatchGold, PatchGrade]:
    tests = ["tests/t.py::test_quoted", "tests/t.py::test_hidden_a", "tests/t.py::test_hidden_b"]
    defect = PatchDefect(id="d", kind="comparison", path="calc/core.py", function="clamp", line=1, summary="",
                         fail_to_pass=tests)
    gold = PatchGold(repository="calc", commit="c", fail_to_pass=tests, pass_to_pass=[], defects=[defect])
    unjudged = DifferentialVerdict(id="d", status="unchecked", reason="no input told them apart")
    grade = PatchGrade(split=ChangeSplit(applied={"calc/core.py": "x"}), fail_to_pass_total=3,
                       verdicts=[unjudged], differential_ran=True)
    outcomes = {t: "passed" if t in passed else "failed" for t in tests}
    run = SealedRun(outcomes=outcomes, ready=True, ended=True)
    grade.run, grade.fail_to_pass_fixed = run, len(passed)
    credit(grade, gold, run)
    return gold, grade


def test_an_unjudged_defect_earns_credit_from_its_hidden_tests_alone() -> None:
    quoted, hidden_a = "tests/t.py::test_quoted", "tests/t.py::test_hidden_a"
    special_cased = patch_score(_unjudged_grade({quoted})[1])
    assert special_cased.success == 0.0 and special_cased.outcome == "tests_fail"  # the quoted example alone
    half = patch_score(_unjudged_grade({quoted, hidden_a})[1])
    assert half.outcome == "unverified" and half.success == pytest.approx(1 / 3)  # only the hidden one counts
    whole = patch_score(_unjudged_grade({quoted, hidden_a, "tests/t.py::test_hidden_b"})[1])
    assert whole.outcome == "unverified" and whole.success == 1.0 and "no input" in whole.labels["unverified"]
