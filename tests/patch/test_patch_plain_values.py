"""The canonical plain form answers cross process boundaries in: exact builtin types, objects by their type
and attributes, never by their own ``__eq__``. The form's program runs here as it runs in the sandbox."""

from __future__ import annotations

import math
import signal
from collections import OrderedDict, namedtuple
from fractions import Fraction
from typing import Any

import pytest

from locogym.scenarios.defects.differential_child import PLAIN
from locogym.scenarios.defects.sealed import read_channel


@pytest.fixture(scope="module")
def form() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "plain_form"}
    exec(compile(PLAIN, "<plain>", "exec"), namespace)  # noqa: S102 - the sandbox's program, run here
    return namespace


class Liar(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class Slotted:
    __slots__ = ("a",)

    def __init__(self, a: int) -> None:
        self.a = a


def test_an_always_equal_subclass_is_an_object_of_another_type(form: dict[str, Any]) -> None:
    plain = form["plain"]
    assert Liar(3) == 4  # what the tests see
    assert plain(Liar(3)) != plain(3) and plain(Liar(3)) != plain(4)
    assert plain(Liar(3))[:3] == ["object", f"{__name__}.Liar", ["int", "3"]]
    assert plain(True) != plain(1) and plain(1) != plain(1.0)


def test_objects_compare_by_attributes_never_by_their_eq(form: dict[str, Any]) -> None:
    plain = form["plain"]
    assert plain(Point(1, 2)) == plain(Point(1, 2)) and plain(Point(1, 2)) != plain(Point(2, 1))
    assert plain(Slotted(1)) != plain(Slotted(2))
    pair = namedtuple("pair", "a b")
    assert plain(pair(1, 2)) != plain((1, 2))
    assert plain(Fraction(1, 3)) == plain(Fraction(2, 6)) != plain(Fraction(1, 2))


def test_order_of_unordered_containers_and_nan_do_not_matter(form: dict[str, Any]) -> None:
    plain = form["plain"]
    assert plain({"b": 1, "a": 2}) == plain({"a": 2, "b": 1})
    assert plain({3, 1, 2}) == plain({1, 2, 3}) and plain({1, 2}) != plain(frozenset({1, 2}))
    assert plain(math.nan) == plain(float("nan")) and plain(0.0) == plain(-0.0)
    assert plain(OrderedDict(a=1)) != plain({"a": 1})  # a subclass is its own type


def test_iterators_cycles_and_big_values_stay_bounded(form: dict[str, Any]) -> None:
    plain, final = form["plain"], form["final"]
    assert plain(iter([1, 2])) == plain(iter([1, 2])) != plain([1, 2])
    loop: list[Any] = [1]
    loop.append(loop)
    assert plain(loop) == ["list", [["int", "1"], ["cycle"]]]
    big = final(["return", plain(list(range(5000)))])
    assert big[0] == "digest" and big == final(["return", plain(list(range(5000)))])
    assert plain(10 ** 5000)[1] == str(10 ** 5000)


def test_a_call_reports_the_value_the_exception_or_the_time_out(form: dict[str, Any]) -> None:
    import pickle

    call = form["call"]
    blob = pickle.dumps(([2, 3], {}))
    arguments = ["list", [["int", "2"], ["int", "3"]]]
    assert call(lambda a, b: a + b, blob, 1.0) == ["return", ["int", "5"], arguments, ["dict", []]]
    assert call(lambda a, b: a / 0, blob, 1.0) == ["raise", "builtins.ZeroDivisionError"]

    def spin(a: int, b: int) -> None:
        while True:
            pass

    handler, timer = signal.signal(signal.SIGALRM, form["_alarm"]), signal.getitimer(signal.ITIMER_REAL)
    try:
        assert call(spin, blob, 0.2) == ["timeout"]
    finally:
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, *timer)


def test_lines_with_the_token_the_launcher_cannot_have_written_are_counted() -> None:
    lines = "\n".join(["tok ready 0", "tok 0123456789abcdef P", "tok end 0", "other x P", "tok forged 2",
                       "tok skipped 1"])
    run = read_channel(lines, "tok", ["a::t"])
    assert run.forged_lines == 1 and run.forged_reports == 2 and run.skipped_modules == 1 and run.ended
