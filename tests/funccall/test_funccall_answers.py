"""Structured answers: reading JSON, JSON inside text and labelled lines; grading each field alone."""

from __future__ import annotations

from typing import Any

from locogym.scenarios.funccall.answers import answer_clause, candidates, field_ok, grade_fields

TEXT = {"key": "hotel_name", "type": "text"}
NUMBER = {"key": "fare_eur", "type": "number"}


def _ok(field: dict[str, Any], expected: Any, given: list[Any]) -> bool:
    return field_ok(field, expected, given)[0]


def test_each_kind_accepts_its_spellings_and_refuses_near_misses() -> None:
    assert _ok(TEXT, "Grand Hotel", ["  grand HOTEL. "]) and not _ok(TEXT, "Grand Hotel", ["Grand Hotel Oslo"])
    assert _ok({**TEXT, "aliases": ["The Grand"]}, "Grand Hotel", ["the grand"])
    assert _ok(NUMBER, 412.5, ["EUR 412.50"]) and _ok(NUMBER, 1234.5, ["1,234.50 EUR"]) and _ok(NUMBER, 412.5, [412.5])
    assert not _ok(NUMBER, 412.5, ["415"]) and not _ok(NUMBER, 412.5, [True])
    assert _ok({**NUMBER, "rel": 0.01}, 1000.0, [1008]) and not _ok(NUMBER, 1000.0, [1008])
    assert _ok({"type": "time"}, "14:30", ["2:30 pm"]) and _ok({"type": "date"}, "2026-05-13", ["May 13, 2026"])
    assert _ok({"type": "datetime"}, "2026-05-13T23:40", ["2026-05-13 23:40:00"])
    assert _ok({"type": "id"}, "AU1234", ["au-1234"]) and not _ok({"type": "id"}, "AU1234", ["AU1243"])
    assert (_ok({"type": "list"}, ["Spa", "Pool"], [["pool", "spa"]])
            and _ok({"type": "list"}, ["Spa", "Pool"], ["pool, spa"]))
    assert not _ok({"type": "list"}, ["Spa", "Pool"], [["pool", "spa", "gym"]])


def test_a_field_given_several_values_is_wrong_even_when_one_is_right() -> None:
    assert field_ok(NUMBER, 412.5, [[400, 412.5, 420]]) == (False, "several values")
    assert field_ok(NUMBER, 412.5, ["between 412.50 and 420"])[0] is False  # two numbers in one string
    assert field_ok(TEXT, "Grand Hotel", ["Grand Hotel", "Blue Inn"]) == (False, "several values")
    assert field_ok(TEXT, "Grand Hotel", [["Grand Hotel"]]) == (False, "several values")
    assert field_ok(TEXT, "Grand Hotel", ["Grand Hotel", "grand hotel"])[0]  # the same value twice is one value
    assert field_ok(TEXT, "Grand Hotel", []) == (False, "missing")


def test_answers_are_read_from_objects_json_text_and_labelled_lines_only() -> None:
    assert candidates({"Booking ID": "X1"}) == {"bookingid": ["X1"]}
    found = candidates('Done, here it is:\n```json\n{"booking_id": "X1", "fare-eur": 99.5}\n```\nthanks')
    assert found == {"bookingid": ["X1"], "fareeur": [99.5]}
    found = candidates("- Booking ID: X1\n* fare_eur = 99.50 EUR,\nThe hotel I liked was the Grand Hotel.")
    assert found == {"bookingid": ["X1"], "fareeur": ["99.50 EUR"]}
    assert candidates("I booked X1 for 99.50 EUR at the Grand Hotel.") == {}  # prose is never searched
    assert candidates(["X1"]) == {} and candidates(None) == {}


def test_extra_content_earns_nothing_and_a_hedged_unavailable_gets_nothing() -> None:
    facts = [{"key": "booking_id", "type": "booking"}, {"key": "fare_eur", "type": "number"}]
    requested = ["booking_id", "fare_eur"]
    right = {"booking_id": "X1", "fare_eur": 99.5}
    assert grade_fields(facts, ["X1", 99.5], right, requested)[0] == [True, True]
    extra = {**right, "score": 1.0, "success": True, "notes": "X1 99.5 " * 50}
    assert grade_fields(facts, ["X1", 99.5], extra, requested)[0] == [True, True]
    hedged = {**right, "status": "unavailable"}
    assert (grade_fields(facts, ["X1", 99.5], hedged, requested)
            == ([False, False], ["unavailable and a booking at once"] * 2))
    status = [{"key": "status", "type": "text"}]
    assert grade_fields(status, ["unavailable"], {"status": "Unavailable"}, requested)[0] == [True]
    assert grade_fields(status, ["unavailable"], {"status": "unavailable", "booking_id": "X1"}, requested)[0] == [False]


def test_the_request_states_names_types_and_units() -> None:
    clause = answer_clause({"booking_id": ("booking", "the booking id"), "fare_eur": ("number", "the fare in EUR"),
                            "check_in": ("date", "the check-in date")})
    assert '"fare_eur" (number): the fare in EUR' in clause and '"check_in" (string, yyyy-mm-dd)' in clause
    assert "several values counts as wrong" in clause and '{"status": "unavailable"}' in clause
