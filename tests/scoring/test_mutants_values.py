"""Cascade values at the points the mutation bench found unchecked: runs of spaces, one-word tails of a title,
and how deep into a call's arguments values are looked for."""

from __future__ import annotations

from typing import Any

from locogym.scoring.values import extract, normalize, used


def test_runs_of_spaces_collapse_so_a_spaced_value_is_the_same_value() -> None:
    assert normalize("New  York") == normalize(" new york ") == "new york"


def test_a_title_keeps_tails_of_two_words_or_more_never_a_lone_word() -> None:
    # "Station" alone would link any two steps that mention a station
    assert extract("We met at Grand Central Station today") == {"grand central station", "central station"}


def test_values_deeper_than_sixteen_levels_are_not_followed() -> None:
    def nest(depth: int) -> Any:
        value: Any = "FL-2041"
        for _ in range(depth):
            value = {"next": value}
        return value

    assert "fl-2041" in used(nest(16))
    assert used(nest(17)) == set()  # a pathological argument cannot make scoring recurse without end
