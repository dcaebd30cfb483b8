"""Every honest spelling of a right value scores: Python literals, JSON (which the TS/JS questions ask for), Go's
plain ``%v`` text, quoted or in backticks; and a wrong value in any spelling does not."""

from __future__ import annotations

import pytest

from locogym.scenarios.repo.answers import values_equal


@pytest.mark.parametrize(("answer", "gold"), [
    ("[true, false]", [True, False]), ("[True, False]", [True, False]), ("[1, 2]", [1, 2]), ("(1, 2)", [1, 2]),
    ('["a", "b"]', ["a", "b"]), ("['a', 'b']", ["a", "b"]), ("`[1,2]`", [1, 2]),
    ('"3 B"', "3 B"), ("3 B", "3 B"), ("`3 B`", "3 B"), ("1.5", 1.5), ("42", 42), ("true", True),
])
def test_an_honest_spelling_of_the_value_is_right(answer: str, gold: object) -> None:
    assert values_equal(answer, gold)


@pytest.mark.parametrize(("answer", "gold"), [
    ("[true, true]", [True, False]), ("[1, 2, 3]", [1, 2]), ('"3 KB"', "3 B"), ("41", 42), ("null", 0),
    ("[1, true]", [1, 1]), ("false", 0),
])
def test_a_wrong_value_is_wrong_in_any_spelling(answer: str, gold: object) -> None:
    assert not values_equal(answer, gold)
