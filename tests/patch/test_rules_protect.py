"""Which changed files the grader applies, on hand-made paths: each reason a change is held back, a package that
is one module, and a path whose folders are not names Python can import."""

from __future__ import annotations

import pytest

from locogym.scenarios.defects.protect import HeldChange, hold_reason, package_roots, split_changes


@pytest.mark.parametrize(("path", "reason"), [
    ("calc/conftest.py", "conftest"), ("conftest.py", "conftest"), ("calc/data.json", "not_source"),
    ("calc/bad-dir/core.py", "not_importable"), ("calc/sub/bad-name.py", "not_importable"),
    ("calc/../evil.py", "outside_package"), ("calc//core.py", "outside_package"), ("/calc/core.py", "outside_package"),
    ("my-pkg/src/core.py", "not_importable"), ("src/bad-pkg/core.py", "not_importable"),
    ("calc/sub/core.py", None), ("src/calc/core.py", None),
])
def test_each_change_is_applied_or_held_with_its_reason(path: str, reason: str | None) -> None:
    roots = ["calc/", "my-pkg/", "src/bad-pkg/", "src/calc/"]
    assert hold_reason(path, roots) == reason
    split = split_changes({path: "x"}, roots)
    assert [h.reason for h in split.held] == ([reason] if reason else []) and (path in split.applied) == (not reason)


def test_a_package_of_one_module_is_that_module() -> None:
    assert package_roots(["six.py", "src/one.py"]) == ["six.py", "src/one.py"]
    assert hold_reason("six.py", ["six.py"]) is None and hold_reason("six.pyc", ["six.py"]) == "outside_package"


def test_a_held_change_is_not_a_deletion_unless_said() -> None:
    assert not HeldChange(path="setup.cfg", reason="not_source").deleted
    assert split_changes({"setup.cfg": None}, ["calc/"]).held[0].deleted
