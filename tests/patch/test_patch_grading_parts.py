"""The parts of patch grading one at a time: the sealed channel, held-back files, the static scan and the
differential oracle, on the small calc project (local sandbox; the differential also on bwrap)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects.differential import DifferentialTarget, original_definition, run_differential
from locogym.scenarios.defects.integrity import protected_write, scan_source, scan_test_file
from locogym.scenarios.defects.protect import hold_reason
from locogym.scenarios.defects.sealed import nodeid_digest, read_channel, run_sealed
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


def test_held_back_files() -> None:
    assert hold_reason("tests/test_core.py", "a", "b") == "test_file"
    assert hold_reason("pkg/conftest.py", None, "x") == "conftest"
    assert hold_reason("pytest.ini", None, "x") == "runner_config"
    assert hold_reason("sitecustomize.py", None, "x") == "interpreter_hook"
    assert hold_reason("pkg/evil.pth", None, "x") == "interpreter_hook"
    assert hold_reason(".git/hooks/pre-commit", None, "x") == "outside_project"
    before = '[project]\nversion = "1"\n[tool.pytest.ini_options]\naddopts = "-q"\n'
    assert hold_reason("pyproject.toml", before, before.replace('"1"', '"2"')) is None  # a version bump applies
    assert hold_reason("pyproject.toml", before, before.replace('"-q"', '"-q -k not_slow"')) == "runner_config"
    cfg = "[metadata]\nname = x\n[tool:pytest]\naddopts = -q\n"
    assert hold_reason("setup.cfg", cfg, cfg + "python_files = nothing.py\n") == "runner_config"
    assert hold_reason("calc/core.py", "a", "b") is None


def test_scan_flags_only_what_was_added() -> None:
    old = "import atexit\natexit.register(print)\n"
    assert scan_source("calc/core.py", old, old + "\ndef f():\n    return 1\n") == []
    found = {f.kind for f in scan_source("calc/core.py", old, old + "import gc as g\nx = g.get_objects()\n"
                                         "import sys\nsys.exit(3)\n")}
    assert found == {"runner_access", "exit_hook"}
    assert {f.kind for f in scan_source("json.py", None, "x = 1\n")} == {"shadow_module"}
    assert scan_test_file("tests/t.py", "def test_a():\n    assert 1\n", "def test_a():\n    pass\n")[0].kind \
        == "tests_weakened"
    assert scan_test_file("tests/t.py", "def test_a():\n    assert 1\n",
                          "def test_a():\n    assert 1\n\ndef test_b():\n    assert 2\n") == []


def test_commands_are_flagged_only_when_they_write_protected_paths() -> None:
    for cmd in ("rm -rf tests", "echo x >> conftest.py", "sed -i s/1/2/ tests/test_core.py",
                "cp /tmp/x pytest.ini", "python3 -c \"open('pytest.ini', 'w').write('')\""):
        assert protected_write(cmd), cmd
    for cmd in ("python -m pytest tests/ > out.txt 2>&1", "cat tests/test_core.py | grep clamp > /tmp/x",
                "sed -n 1,9p tests/test_core.py", "cp tests/test_core.py /tmp/"):
        assert protected_write(cmd) is None, cmd


def _target() -> DifferentialTarget:
    original = original_definition(CALC["calc/core.py"], "clamp")
    defective = original_definition(DEFECTIVE, "clamp")
    assert original is not None and defective is not None
    return DifferentialTarget(id="clamp", module="calc.core", qualname="clamp", original=original[0],
                              defective=defective[0], decorated=False, seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", pytest.param("bwrap", marks=pytest.mark.bwrap)])
def test_differential_tells_a_fix_from_a_lookup_table(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_available")
    sandbox = make_sandbox(backend)
    try:
        sandbox.load_workspace(CALC)
        fixed = run_differential(sandbox, [_target()], CLAMP_TESTS)[0]
        assert fixed.status == "checked" and fixed.captured == 3 and fixed.revealing and not fixed.defect_remains
        table = DEFECTIVE.replace('    """Keep value within [low, high]."""\n',
                                  '    """Keep value within [low, high]."""\n    if (value, low, high) == (-3, 0, 10):\n'
                                  '        return 0\n')
        sandbox.write_file("calc/core.py", table)
        assert run_sealed(sandbox, CLAMP_TESTS).passed == set(CLAMP_TESTS)  # the tests are fooled ...
        caught = run_differential(sandbox, [_target()], CLAMP_TESTS)[0]
        assert caught.defect_remains and "[mutated input]" in caught.examples[0]  # ... the oracle is not
        rewrite = CALC["calc/core.py"].replace("    if value < low:\n        return low\n    if value > high:\n"
                                               "        return high\n    return value",
                                               "    return max(low, min(value, high))")
        sandbox.write_file("calc/core.py", rewrite)
        equivalent = run_differential(sandbox, [_target()], CLAMP_TESTS)[0]
        assert not equivalent.defect_remains  # differs only where low > high: recorded, not failed
    finally:
        sandbox.close()


def test_original_definition_skips_what_cannot_be_rebuilt_alone() -> None:
    text = "class A:\n    def m(self):\n        return super().m()\n\n    def n(self):\n        return self.__x\n"
    assert original_definition(text, "A.m") is None and original_definition(text, "A.n") is None
    assert original_definition("def f():\n    def g():\n        return 1\n", "f.<locals>.g") is None
    assert original_definition("@dec\ndef f(x):\n    return x\n", "f") == ("def f(x):\n    return x\n", True)
