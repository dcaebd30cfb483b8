"""ComplexEval's rules restated, checked entry by entry: every parameter of the exact-match table is compared
before the others, the free functions are optional, and the format check names each kind of problem."""

from __future__ import annotations

import pytest

from locogym.scenarios.funccall.complexeval import (
    EXACT_PARAMS,
    FREE_FUNCTIONS,
    classify,
    format_problems,
    is_free,
    same_call,
)

PROBE = "zz_probe"  # a parameter no function compares exactly
TABLE = sorted((name, param) for name, params in EXACT_PARAMS.items() for param in params)


def test_every_exact_parameter_is_checked_before_the_others() -> None:
    """The closest expected call lists a wrong ordinary parameter first and the exact one after it: a missing
    exact parameter is reported first, so the category says which parameters the table holds."""
    wrong = []
    for name, param in TABLE:
        recorded = {PROBE: "expected", param: "v"}
        if classify(name, {PROBE: "other"}, [(name, recorded)]) != "param_missing":
            wrong.append((name, param))
    assert wrong == []
    assert classify("Search_Hotels", {PROBE: "other"}, [("Search_Hotels", {PROBE: "expected", "x": 1})]) == \
        "value_error"


def test_exact_parameters_must_be_equal_as_sent() -> None:
    recorded = {"hotel_id": "12", "languagecode": "en-us"}
    assert same_call("Get_Hotel_Policies", recorded, "Get_Hotel_Policies", recorded)
    assert not same_call("Get_Hotel_Policies", {**recorded, "hotel_id": 12}, "Get_Hotel_Policies", recorded)
    assert not same_call("Get_Hotel_Policies", {"hotel_id": "12"}, "Get_Hotel_Policies", recorded)
    assert not same_call("Get_Hotel_Photos", recorded, "Get_Hotel_Policies", recorded)
    assert classify("Get_Hotel_Policies", {**recorded, "hotel_id": 12}, [("Get_Hotel_Policies", recorded)]) == \
        "value_error"


def test_category_filters_compare_as_sets_of_items() -> None:
    recorded = {"dest_id": "1", "search_type": "city", "categories_filter": "a::1,b::2"}
    same = {**recorded, "categories_filter": "b::2, a::1"}
    assert same_call("Search_Hotels", same, "Search_Hotels", recorded)
    assert not same_call("Search_Hotels", {**recorded, "categories_filter": "a::1"}, "Search_Hotels", recorded)
    assert classify("Search_Hotels", {**recorded, "categories_filter": "a::1"}, [("Search_Hotels", recorded)]) == \
        "value_error"


def test_a_category_filter_sent_as_a_list_compares_as_sent() -> None:
    recorded = {"dest_id": "1", "search_type": "city", "categories_filter": ["a::1", "b::2"]}
    assert same_call("Search_Hotels", dict(recorded), "Search_Hotels", recorded)
    assert not same_call("Search_Hotels", {**recorded, "categories_filter": ["b::2", "a::1"]}, "Search_Hotels",
                         recorded)


def test_an_empty_value_is_no_parameter() -> None:
    assert same_call("Search_Hotel_Destination", {"query": "Oslo", "note": ""}, "Search_Hotel_Destination",
                     {"query": "Oslo"})
    assert not same_call("Search_Hotel_Destination", {"query": "Oslo", "note": "x"}, "Search_Hotel_Destination",
                         {"query": "Oslo"})


def test_other_parameters_compare_after_normalisation() -> None:
    recorded = {"query": "Oslo"}
    assert same_call("Search_Hotel_Destination", {"query": "oslo "}, "Search_Hotel_Destination", recorded)
    assert not same_call("Search_Hotel_Destination", {"query": "Bergen"}, "Search_Hotel_Destination", recorded)
    assert same_call("Search_Hotel_Destination", {"query": "Oslo", "page": None}, "Search_Hotel_Destination",
                     recorded)  # an unset value is no parameter


def test_classify_compares_with_the_closest_call_of_the_same_function() -> None:
    close = {"fromId": "OSL", "toId": "BER", "departDate": "2024-05-01", "sort": "BEST"}
    far = {"fromId": "CPH", "toId": "ARN", "departDate": "2024-06-01", "sort": "CHEAPEST"}
    sent = {"fromId": "OSL", "toId": "BER", "departDate": "2024-05-01", "sort": "FASTEST"}
    assert classify("Search_Flights", sent, [("Search_Flights", far), ("Search_Flights", close)]) == "value_error"
    extra = {**close, "page": 2}
    assert classify("Search_Flights", extra, [("Search_Flights", far), ("Search_Flights", close)]) == \
        "param_hallucination"
    assert classify("Search_Flights", sent, [("Search_Taxi", close)]) == "func_error"
    assert classify("Search_Flights", sent, []) == "func_hallucination"
    missing = {k: v for k, v in close.items() if k != "sort"}
    assert classify("Search_Flights", missing, [("Search_Flights", close)]) == "param_missing"


def test_an_ordinary_parameter_left_out_is_missing() -> None:
    """No exact parameter differs, so the ordinary ones decide: one left out is ``param_missing``."""
    assert classify("Search_Hotel_Destination", {}, [("Search_Hotel_Destination", {"query": "Oslo"})]) == \
        "param_missing"


def test_free_functions_and_a_hotel_search_by_name_are_optional() -> None:
    assert all(is_free(name, {}) for name in FREE_FUNCTIONS)
    assert is_free("Search_Hotels", {"search_type": "HOTEL"})
    assert not is_free("Search_Hotels", {"search_type": "city"}) and not is_free("Search_Hotels", {})
    assert not is_free("Search_Flights", {"search_type": "hotel"})


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("string", "x", 1), ("number", 1.5, "1.5"), ("number", 2, True), ("integer", 2, 2.0), ("boolean", False, 0),
    ("array", ["a"], "a"), ("object", {"a": 1}, ["a"]), (["string", "null"], None, 3), ("integer", 3, None),
])
def test_each_json_type_accepts_its_values_only(kind: object, good: object, bad: object) -> None:
    schema = {"properties": {"p": {"type": kind}}, "required": []}
    assert format_problems(schema, {"p": good})["mistyped"] == []
    assert format_problems(schema, {"p": bad})["mistyped"] == ["p"]


def test_format_problems_name_missing_unknown_and_untyped_parameters() -> None:
    schema = {"properties": {"a": {"type": "string"}, "b": {}, "c": {"type": "weird"}}, "required": ["a", "b"]}
    assert format_problems(schema, {"b": 1, "c": object(), "d": 1}) == {"missing": ["a"], "unknown": ["d"],
                                                                       "mistyped": []}
    assert format_problems({}, {"a": 1}) == {"missing": [], "unknown": ["a"], "mistyped": []}
