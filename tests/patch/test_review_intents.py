"""Intended changes: stated in the description, made in the code, and one of them made otherwise (a defect)."""

from __future__ import annotations

import random
import types

from locogym.scenarios.defects.edits import apply_edits
from locogym.scenarios.defects.intents import Intent, draw_intents

CODE = '''
def fee(value: int) -> int:
    return value * 6 + 2


def tip(value: int) -> int:
    return value * 6 - 1


def cap(value: int) -> int:
    if value > 40:
        return 40
    return value


def bonus(value: int) -> int:
    return value + 9
'''
TESTS = "import pytest\n\nfrom shop.calc import bonus, cap, fee, tip\n" + "".join(
    f'''

@pytest.mark.parametrize(("value", "expected"), [(1, {expected})])
def test_{name}(value: int, expected: int) -> None:
    assert {name}(value) == expected
''' for name, expected in (("fee", 8), ("tip", 5), ("cap", 1), ("bonus", 10)))
FILES = {"shop/__init__.py": "", "shop/calc.py": CODE, "tests/test_calc.py": TESTS}


def _evaluate(files: dict[str, str], rows: list[tuple[str, str, str, list[int]]]) -> list[list[str]]:
    """The sandbox's evaluation, in process: each function of the given module text on its inputs."""
    out = []
    for path, text, name, inputs in rows:
        module = types.ModuleType(path)
        exec(compile(text, path, "exec"), module.__dict__)  # noqa: S102 - the test's own module
        out.append([repr(getattr(module, name)(v)) for v in inputs])
    return out


def _draws() -> list[list[Intent]]:
    return [draw_intents(FILES, set(), random.Random(seed), 3, 1, _evaluate) for seed in range(40)]


def test_a_rule_stated_for_two_functions_is_sometimes_made_in_one_only() -> None:
    partial = [i for draw in _draws() for i in draw if any(d[1] == "partial_intent" for d in i.defects())]
    assert partial, "no seed of forty drew a rule applied in one place but not another"
    intent = partial[0]
    assert intent.partner is not None and {intent.function, intent.partner.function} == {"fee", "tip"}
    (_, _, left, summary), = intent.defects()
    assert left.old == left.new == "6" and left.path == "shop/calc.py"  # located at the number left as it was
    assert f"leaves `{intent.partner.function}` as it was" in summary
    made = apply_edits(FILES, [e for r in intent.shipped() for e in r.edits])
    assert made["shop/calc.py"].count("* 6") == 1  # one function moved its number, the other did not
    assert {s.function for s in intent.statement.spots} == {"fee", "tip"}  # the description names both
    tests = [r for r in intent.shipped() if r.kind == "updated_test"]
    assert [r.summary for r in tests] == [f"{intent.function}: test updated"]  # the forgotten one keeps its test


def test_a_correct_rule_moves_the_number_in_both_functions_and_updates_both_tests() -> None:
    pairs = [i for draw in _draws() for i in draw[1:] if i.partner is not None]
    assert pairs
    for intent in pairs:
        assert not intent.defects()
        made = apply_edits(FILES, [e for r in intent.shipped() for e in r.edits])
        assert "* 6" not in made["shop/calc.py"] and intent.statement.new in made["shop/calc.py"]
        assert sum(r.kind == "updated_test" for r in intent.shipped()) == 2


def test_the_same_seed_draws_the_same_intents() -> None:
    first = draw_intents(FILES, set(), random.Random(7), 3, 1, _evaluate)
    again = draw_intents(FILES, set(), random.Random(7), 3, 1, _evaluate)
    assert [(i.id, i.statement, [d[:3] for d in i.defects()]) for i in first] == \
        [(i.id, i.statement, [d[:3] for d in i.defects()]) for i in again]
