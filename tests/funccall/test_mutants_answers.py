"""Structured answers read and graded field by field on hand-made answers: where values are found, how each kind
is put in canonical form, the number tolerance at its edges, and when a field counts as several values."""

from __future__ import annotations

import pytest

from locogym.scenarios.funccall.answers import candidates, canonical, claims_unavailable, field_ok, grade_fields


def test_values_come_from_objects_json_text_and_labelled_lines_never_from_prose() -> None:
    assert candidates({"Fare EUR": 412.5}) == {"fareeur": [412.5]}
    text = 'Done {"booking_id": "B-1"} and {broken then\n- fare_eur: "412.50",\nthe fare was 99 EUR\n[1, 2]'
    assert candidates(text) == {"bookingid": ["B-1"], "fareeur": ["412.50"]}
    assert candidates('{"a": 1} {"a": 2}') == {"a": [1, 2]}
    assert candidates("[1, 2]") == {} and candidates(None) == {} and candidates(["a: 1"]) == {}
    assert candidates('{"a": 1}\nb: 2') == {"a": [1], "b": ["2"]}


def test_unavailable_is_claimed_by_the_status_field_only() -> None:
    assert claims_unavailable(candidates({"status": " Unavailable "}))
    assert not claims_unavailable(candidates({"note": "unavailable"}))
    assert not claims_unavailable(candidates({"status": ["unavailable"]}))


@pytest.mark.parametrize(("kind", "value", "form"), [
    ("number", "412.50 EUR", 412.5), ("number", "1,200", 1200.0), ("number", "12 or 13", None), ("number", True, None),
    ("number", 7, 7.0), ("number", [1], None), ("text", "Grand  Hotel!", "grand hotel"), ("text", "", None),
    ("text", True, None), ("text", {"a": 1}, None), ("text", None, None), ("id", "BK-12 a", "bk12a"),
    ("booking", "--", None), ("list", "b, a,, a", ("a", "b")), ("list", ["X", " "], ("x",)),
    ("date", "2024-05-01", "2024-05-01"), ("time", "09:30", "09:30"), ("datetime", "2024-05-01T09:30", None),
    ("text", 3, "3"), ("text", ["a"], None),
])
def test_canonical_forms(kind: str, value: object, form: object) -> None:
    got = canonical(kind, value)
    if kind == "datetime":
        assert got is not None and got == canonical(kind, "2024-05-01 09:30")
    else:
        assert got == form


def test_a_field_needs_exactly_one_value_of_its_kind() -> None:
    text = {"type": "text"}
    assert field_ok(text, "Oslo", []) == (False, "missing")
    assert field_ok(text, "Oslo", ["oslo", "OSLO "]) == (True, "wrong value")  # one value, spelt twice
    assert field_ok(text, "Oslo", ["Oslo", "Bergen"]) == (False, "several values")
    assert field_ok(text, "Oslo", [["Oslo"]]) == (False, "several values")
    assert field_ok({"type": "number"}, 5, ["five"]) == (False, "not a number")
    assert field_ok(text, "Oslo", ["Bergen"]) == (False, "wrong value")
    assert field_ok({"type": "text", "aliases": ["Kristiania"]}, "Oslo", ["kristiania"])[0]


@pytest.mark.parametrize(("expected", "given", "ok"), [
    (1.0, 1.011, True), (1.0, 1.02, False), (10.0, 10.04, True), (10.0, 10.06, False), (1000.0, 1004.9, True),
    (1000.0, 1005.2, False), (-1000.0, -1004.9, True), (0.0, 0.0, True),
])
def test_numbers_count_within_the_larger_of_a_cent_and_half_a_percent(expected: float, given: float,
                                                                        ok: bool) -> None:
    assert field_ok({"type": "number"}, expected, [given])[0] is ok


def test_a_field_relative_tolerance_is_its_own() -> None:
    assert field_ok({"type": "number", "rel": 0.1}, 100.0, [109.0])[0]
    assert not field_ok({"type": "number", "rel": 0.1}, 100.0, [111.0])[0]


def test_grade_fields_voids_a_booking_that_also_claims_unavailable() -> None:
    fields = [{"key": "booking_id", "type": "booking"}, {"key": "fare", "type": "number"}]
    right = {"booking_id": "B1", "fare": 10}
    assert grade_fields(fields, ["B1", 10], right, ["booking_id", "fare"]) == ([True, True], ["", ""])
    hedged = {**right, "status": "unavailable"}
    assert grade_fields(fields, ["B1", 10], hedged, ["booking_id", "fare"]) == (
        [False, False], ["unavailable and a booking at once"] * 2)
    plain = {"status": "unavailable"}
    assert grade_fields(fields, ["B1", 10], plain, ["booking_id", "fare"])[1] == ["missing", "missing"]
    assert grade_fields(fields, [None, 10], right, ["booking_id", "fare"]) == ([False, True],
                                                                              ["nothing to report", ""])
