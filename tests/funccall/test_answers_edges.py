"""Edges of the structured-answer reader and grader: a stray brace before an object, which status values claim
"unavailable", values that are no value of a list, booking ids, the tolerance's own edge and mismatched inputs."""

from __future__ import annotations

import pytest

from locogym.scenarios.funccall.answers import candidates, canonical, claims_unavailable, field_ok, grade_fields


def test_a_stray_brace_just_before_an_object_hides_nothing() -> None:
    assert candidates('{{"fare": 1}') == {"fare": [1]}
    assert candidates('note {x {"fare": 2}\nseats: 3') == {"fare": [2], "seats": ["3"]}


def test_only_an_unavailable_status_claims_unavailable() -> None:
    assert not claims_unavailable(candidates({"status": "confirmed"}))
    assert not claims_unavailable(candidates({"status": "confirmed", "note": "unavailable"}))
    assert claims_unavailable(candidates({"status": "confirmed", "Status": "unavailable"}))


def test_nothing_and_an_object_are_no_list() -> None:
    assert canonical("list", None) is None and canonical("list", {"a": "b"}) is None
    assert canonical("list", "Spa") == ("spa",)


def test_a_booking_id_ignores_case_and_punctuation_like_an_id() -> None:
    assert canonical("booking", "BK-12 a") == "bk12a" == canonical("id", "bk 12-A")
    assert field_ok({"type": "booking"}, "BK12A", ["bk-12-a"]) == (True, "wrong value")


def test_a_number_exactly_at_the_tolerance_counts() -> None:
    quarter = {"type": "number", "rel": 0.25}
    assert field_ok(quarter, 100, [125])[0] and field_ok(quarter, 100, [75])[0]
    assert not field_ok(quarter, 100, [125.5])[0]


def test_fields_and_expected_values_must_pair_up() -> None:
    with pytest.raises(ValueError):
        grade_fields([{"key": "a", "type": "text"}, {"key": "b", "type": "text"}], ["x"], {"a": "x"}, ["a", "b"])
