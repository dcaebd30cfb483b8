"""What a review withholds leaves no trace: no import of a withheld test's function, no blank-line gap, and the
tests of every changed function go the same way (decoys), so a missing test points at no hunk in particular."""

from __future__ import annotations

import ast

from locogym.scenarios.defects.hide import withhold_without_trace

MODULE = '''"""Tests of pkg.mod."""

import pytest

from pkg.mod import alpha, beta, gamma



@pytest.mark.parametrize(("value", "expected"), [(1, 2), (3, 4)])
def test_alpha(value: int, expected: int) -> None:
    assert alpha(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(1, 2)])
def test_beta(value: int, expected: int) -> None:
    assert beta(value) == expected


def test_gamma() -> None:
    assert gamma(1) == 2
'''


def _blank_runs(text: str) -> int:
    longest = run = 0
    for line in text.splitlines():
        run = run + 1 if not line.strip() else 0
        longest = max(longest, run)
    return longest


def test_a_withheld_test_leaves_no_import_and_no_gap() -> None:
    files = {"tests/test_mod.py": MODULE, "pkg/mod.py": "def alpha(v): ...\n"}
    visible = withhold_without_trace(files, ["tests/test_mod.py::test_beta[1-2]"], set())["tests/test_mod.py"]
    assert "beta" not in visible
    assert "from pkg.mod import alpha, gamma\n" in visible
    assert _blank_runs(visible) == _blank_runs(MODULE)
    ast.parse(visible)
    assert files["pkg/mod.py"] == "def alpha(v): ...\n"


def test_decoys_go_the_same_way_and_the_last_test_leaves_no_trailing_blank_lines() -> None:
    files = {"tests/test_mod.py": MODULE}
    visible = withhold_without_trace(files, ["tests/test_mod.py::test_beta"], {"gamma", "alpha"})["tests/test_mod.py"]
    assert "test_alpha" not in visible and "test_gamma" not in visible and "test_beta" not in visible
    assert "from pkg.mod import" not in visible
    assert not visible.endswith("\n\n")
    ast.parse(visible)


def test_a_test_the_change_updates_stays() -> None:
    files = {"tests/test_mod.py": MODULE}
    visible = withhold_without_trace(files, [], {"alpha", "beta"}, keep={"test_alpha"})["tests/test_mod.py"]
    assert "def test_alpha" in visible and "def test_beta" not in visible
    assert "from pkg.mod import alpha, gamma\n" in visible


def test_a_function_a_rule_left_out_keeps_its_tests() -> None:
    """A rule made in one function and not the other: the change touches the one it made (its tests are decoys),
    not the forgotten one, whose test still pins the old behaviour as its author left it."""
    from locogym.scenarios.defects.diffblocks import changed_functions
    from locogym.scenarios.defects.review_grading import Location

    source = ("def alpha(value: int) -> int:\n    return value * 6\n\n\n"
              "def beta(value: int) -> int:\n    return value * 6\n")
    places = [Location(id="a", kind="intended_change", path="pkg/mod.py", line=2, end_line=2),
              Location(id="b", kind="partial_intent", path="pkg/mod.py", line=6, end_line=6)]
    assert changed_functions({"pkg/mod.py": source}, places) == {"alpha"}
    assert changed_functions({"pkg/mod.py": source}, [places[1].model_copy(update={"kind": "faulty_intent"})]) == \
        {"beta"}
