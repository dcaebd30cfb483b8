"""Small Python projects with passing pytest suites, written out in full so every test can reason about them."""

from __future__ import annotations

CALC = {
    "calc/__init__.py": "",
    "calc/core.py": '''"""Arithmetic helpers."""


def clamp(value: int, low: int, high: int) -> int:
    """Keep value within [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def total(items: list[int]) -> int:
    """Sum of the items."""
    result = 0
    for i in range(len(items)):
        result += items[i]
    return result


def first_words(text: str, count: int) -> list[str]:
    """The first ``count`` words."""
    words = text.split()
    return words[:count]


def safe_ratio(a: float, b: float) -> float:
    """a / b, or 0.0 when b is zero."""
    try:
        return a / b
    except ZeroDivisionError:
        return 0.0


def both_positive(a: int, b: int) -> bool:
    return a > 0 and b > 0


def untested(x: int) -> int:
    if x > 3:
        return x * 2
    return x
''',
    "tests/__init__.py": "",
    "tests/test_core.py": '''from calc.core import both_positive, clamp, first_words, safe_ratio, total


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-3, 0, 10) == 0


def test_clamp_high():
    assert clamp(30, 0, 10) == 10


def test_total():
    assert total([1, 2, 3, 4]) == 10


def test_first_words():
    assert first_words("a b c d", 2) == ["a", "b"]


def test_safe_ratio():
    assert safe_ratio(6, 3) == 2
    assert safe_ratio(1, 0) == 0.0


class TestBoth:
    def test_true(self):
        assert both_positive(1, 2)

    def test_false(self):
        assert not both_positive(1, -2)
''',
}
