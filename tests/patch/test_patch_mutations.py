"""Mutation operators: every kind is proposed where it applies, edits are exact and invertible, ids are stable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from locogym.scenarios.defects.edits import Edit, OverlappingEdits, apply_edits, shifted_line
from locogym.scenarios.defects.mutations import MUTATION_KINDS, find_mutations, is_test_path
from tests.patch.projects import CALC

SOURCE = '''def clamp(value: int, low: int, high: int) -> int:
    if value < low:
        return low
    if value > high and high >= 0:
        return high
    return value


class Stack:
    def top(self, n: int = 1):
        try:
            return self.items[-n:]
        except IndexError:
            return []

    def total(self):
        s = 0
        for i in range(len(self.items)):
            s += self.items[i]
        return s if s else None


def dist(a, b, enabled=True):
    flag = True
    return hypot(a, b)
'''


def test_every_kind_is_proposed_and_compiles() -> None:
    found = find_mutations("pkg/m.py", SOURCE)
    assert {m.kind for m in found} == set(MUTATION_KINDS)
    for mutation in found:
        mutated = apply_edits({"pkg/m.py": SOURCE}, [mutation.edit])["pkg/m.py"]
        assert mutated != SOURCE
        compile(mutated, "m.py", "exec")
        restored = apply_edits({"pkg/m.py": mutated}, [mutation.edit.inverse()])["pkg/m.py"]
        assert restored == SOURCE


def test_specific_mutations() -> None:
    found = {(m.kind, m.edit.old, m.edit.new) for m in find_mutations("m.py", SOURCE)}
    assert ("comparison", "<", "<=") in found
    assert ("boolean", "and", "or") in found
    assert ("off_by_one", "len(self.items)", "len(self.items) - 1") in found
    assert ("off_by_one", "-n", "-n + 1") in found
    assert ("swapped_args", "a, b", "b, a") in found
    assert ("inverted_condition", "value < low", "not (value < low)") in found
    assert ("wrong_variable", "value", "low") in found
    assert ("wrong_constant", "True", "False") in found
    removed = [m for m in find_mutations("m.py", SOURCE) if m.kind == "removed_guard"]
    assert removed[0].edit.old == "    if value < low:\n        return low\n" and removed[0].edit.new == ""
    dropped = [m for m in find_mutations("m.py", SOURCE) if m.kind == "dropped_except"][0]
    assert dropped.edit.new == "        return self.items[-n:]\n"
    assert dropped.function == "Stack.top"


def test_functions_and_module_level_code() -> None:
    text = "LIMIT = 3 if True else 4\n\ndef f(x):\n    def g(y):\n        return y > 1\n    return g(x)\n"
    found = find_mutations("m.py", text)
    assert all(m.line >= 3 for m in found)  # nothing at module level
    assert {m.function for m in found} == {"f.<locals>.g"}
    assert find_mutations("bad.py", "def (:\n") == []


def test_ids_are_stable_across_processes() -> None:
    here = [m.id for m in find_mutations("calc/core.py", CALC["calc/core.py"])]
    code = ("from locogym.scenarios.defects.mutations import find_mutations\n"
            "from tests.patch.projects import CALC\n"
            "print(','.join(m.id for m in find_mutations('calc/core.py', CALC['calc/core.py'])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=".")
    assert out.stdout.strip().split(",") == here


def test_test_paths_are_never_mutation_targets() -> None:
    assert is_test_path("tests/test_a.py") and is_test_path("pkg/conftest.py") and is_test_path("a_test.py")
    assert not is_test_path("pkg/core.py")


def test_apply_edits_rejects_overlaps_and_stale_text() -> None:
    files = {"a.py": "x = 1\ny = 2\n"}
    with pytest.raises(OverlappingEdits):
        apply_edits(files, [Edit(path="a.py", start=0, end=5, old="x = 1", new="x"),
                            Edit(path="a.py", start=4, end=5, old="1", new="2")])
    with pytest.raises(OverlappingEdits):
        apply_edits(files, [Edit(path="a.py", start=0, end=1, old="z", new="q")])
    first = Edit(path="a.py", start=0, end=6, old="x = 1\n", new="x = 1\nw = 0\n")
    second = Edit(path="a.py", start=6, end=11, old="y = 2", new="y = 3")
    assert apply_edits(files, [first, second])["a.py"] == "x = 1\nw = 0\ny = 3\n"
    assert shifted_line(files, [first, second], second) == 3
