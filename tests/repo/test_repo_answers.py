"""Answer normalisation (exact after canonical form) and the heuristic policy's behaviour on every repo family."""

from __future__ import annotations

import pytest

from locogym.agents.heuristic.repo import Policy, parse_questions
from locogym.scenarios.repo.answers import is_correct, normalise


@pytest.mark.parametrize("answer", ["pkg/a.py", "./pkg/a.py", "/workspace/pkg/a.py", "`pkg/a.py`", "pkg/a.py:12",
                                    "'pkg/a.py'", "pkg/a.py::f"])
def test_paths(answer: str) -> None:
    assert is_correct("path", answer, "pkg/a.py")


@pytest.mark.parametrize("answer", ["pkg.a.f", "pkg/a.py::f", "pkg/a.py:f", "`pkg.a.f()`", "pkg.a:f",
                                    "src/pkg/a.py::f", "pkg/a/__init__.py::f"])
def test_qualnames(answer: str) -> None:
    gold = "pkg.a.f"
    assert is_correct("qualname", answer, gold), normalise("qualname", answer)


def test_values_keep_types_apart() -> None:
    assert is_correct("value", "30", 30) and is_correct("value", 30, 30)
    assert not is_correct("value", "31", 30)
    assert is_correct("value", "true", True) and not is_correct("value", 1, True)
    assert is_correct("value", "'eu-west'", "eu-west") and is_correct("value", "eu-west", "eu-west")
    assert not is_correct("value", "eu", "eu-west")
    assert not is_correct("value", None, 0) and not is_correct("value", "", "")


def test_sets_of_qualnames_are_exact() -> None:
    gold = ["a.b.f", "tests.t.test_f"]
    assert is_correct("qualnames", ["tests/t.py::test_f", "a.b.f"], gold)
    assert is_correct("qualnames", "a.b.f, tests.t.test_f", gold)
    assert is_correct("qualnames", "[a.b.f\ntests.t.test_f]", gold)
    assert not is_correct("qualnames", ["a.b.f"], gold)
    assert not is_correct("qualnames", ["a.b.f", "tests.t.test_f", "x.y"], gold)


def test_question_parsing() -> None:
    assert parse_questions("ctx\n\nQuestion: Where is `x`?") == [(None, "Where is `x`?")]
    assert parse_questions("[s0-a1] one\n[s0-b2] two") == [("s0-a1", "one"), ("s0-b2", "two")]


def _tools(*names: str) -> list[dict]:
    return [{"name": n} for n in names]


def test_policy_degrades_on_patch_tasks() -> None:
    policy = Policy()
    policy.reset({"family": "repo_patch", "tools": _tools("run_tests", "find_symbol", "read_file", "submit")})
    first = policy.act("An issue was filed:\n    assert 59 == 156\n    +  where 59 = pkg.mod.reconcile(43)", {})
    assert first.name == "run_tests"
    second = policy.act("1 failed", {})
    assert (second.name, second.arguments) == ("find_symbol", {"name": "reconcile"})
    third = policy.act("pkg.mod.reconcile (function) pkg/mod.py:5-9\n    def reconcile(value)", {})
    assert (third.name, third.arguments) == ("read_file", {"path": "pkg/mod.py", "offset": 5, "limit": 5})
    assert policy.act("...", {}).name == "submit"
    shell_only = Policy()
    shell_only.reset({"family": "repo_patch", "tools": _tools("run", "read_file", "submit")})
    assert "pytest" in shell_only.act("Fix it.", {}).arguments["cmd"]
    follow = shell_only.act("FAILED tests/test_x.py::test_y - assert 1 == 2", {})
    assert (follow.name, follow.arguments) == ("read_file", {"path": "tests/test_x.py"})


def test_policy_submits_when_it_cannot_parse_a_question() -> None:
    policy = Policy()
    policy.reset({"family": "repo", "tools": _tools("find_symbol", "submit")})
    assert policy.act("no question here", {}).name == "submit"
