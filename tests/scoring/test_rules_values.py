"""The values a cascade links steps by, checked one rule at a time: what normalises to nothing, how numbers are
spelled, how long a value may be, where a family's own list replaces extraction, and when an answer stands in
an output as whole words."""

from __future__ import annotations

import pytest

from locogym.scoring.values import extract, introduced, introduced_among, normalize, supplied, used


@pytest.mark.parametrize("value", [None, True, False, float("nan"), float("inf"), float("-inf"), "", "   "])
def test_flags_missing_values_and_non_numbers_are_no_value(value: object) -> None:
    assert normalize(value) is None


@pytest.mark.parametrize(("value", "expected"), [
    (129.5, "129.5"), ("129.50", "129.5"), (3.0, "3"), ("3.0", "3"), (42, "42"), ("+5", "5"), ("-2.50", "-2.5"),
    ("007", "7"), ("12abc", "12abc"), ("Eiffel Tower", "eiffel tower"), ("a\tb", "a b"), (" X-1 ", "x-1"),
])
def test_one_spelling_per_value(value: object, expected: str) -> None:
    assert normalize(value) == expected


def test_a_value_may_be_200_characters_long_and_no_longer() -> None:
    assert normalize("x" * 200) == "x" * 200
    assert normalize("x" * 201) is None


def test_a_family_s_own_list_replaces_what_the_output_shows() -> None:
    data = {"values": ["FL-2041", 129.50, None, True, ""]}
    assert introduced(data, "see usr_42 and notes/a.txt") == {"fl-2041", "129.5"}
    assert introduced({}, "see usr_42") == {"usr_42"}
    assert introduced({"values": "FL-2041"}, "see usr_42") == {"usr_42"}  # not a list: extraction decides


def test_candidates_are_looked_for_in_the_family_s_list_when_it_has_one() -> None:
    data = {"values": ["FL-2041"]}
    assert introduced_among({"fl-2041", "usr_42"}, data, "usr_42 only") == {"fl-2041"}
    assert introduced_among({"usr_42"}, {}, "usr_42 only") == {"usr_42"}
    assert introduced_among({"usr_99"}, {}, "usr_42 only") == set()


def test_an_answer_is_supplied_when_it_stands_in_the_output_as_whole_words() -> None:
    assert supplied({"1889"}, {}, "It was completed in 1889.") == {"1889"}
    assert supplied({"1889"}, {}, "Reference 18890 only.") == set()
    assert supplied({"paris"}, {}, "The city: PARIS, France") == {"paris"}  # found by its text, not extracted
    assert supplied({"fl-2041"}, {"values": ["FL-2041"]}, "nothing here") == {"fl-2041"}


def test_a_call_uses_each_leaf_whole_and_the_values_inside_its_text() -> None:
    found = used({"path": "notes/01.txt", "ids": [7, "usr_42"], "note": "see FL-2041 today", "flag": True})
    assert {"notes/01.txt", "7", "usr_42", "fl-2041", "see fl-2041 today"} <= found
    assert "true" not in found and "1" not in found


def test_a_title_s_tails_start_at_capitalised_words_only() -> None:
    # "Tower of London": the tail "of London" starts with a small word and is not a title
    assert extract("visit the Tower of London soon") == {"tower of london"}


def test_quoted_text_is_the_inner_text() -> None:
    assert {"red door", "blue gate"} <= extract('the "red door" and the \'blue gate\'')


def test_lists_count_towards_the_sixteen_levels_like_dicts() -> None:
    def nest(depth: int) -> object:
        value: object = "FL-2041"
        for _ in range(depth):
            value = [value]
        return value

    assert "fl-2041" in used(nest(16))
    assert used(nest(17)) == set()


def test_a_small_decimal_and_a_long_id_keep_the_spelling_their_text_shows() -> None:
    # 0.00001 was spelled "1e-05", which no output shows, so a later call reusing it never linked back; and a
    # 20-digit id went through a float and came out as another number
    assert normalize(0.00001) == normalize("0.00001") == "0.00001"
    assert introduced_among({"0.00001"}, {}, "the rate is 0.00001 today") == {"0.00001"}
    assert normalize("12345678901234567890") == normalize(12345678901234567890) == "12345678901234567890"
    assert normalize("-0.0") == normalize(-0.0) == "0"
    assert normalize(0.1) == "0.1"  # the float's shortest spelling, not its binary expansion
