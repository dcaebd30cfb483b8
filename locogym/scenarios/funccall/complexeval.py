"""The rules by which ComplexFuncBench's own evaluator (ComplexEval) judges a call, restated for replay.

* **Format check** (:func:`format_problems`): the function must be in the sample's own list, every required
  parameter present, no parameter the schema lacks, and each value of its JSON-Schema type. A format error is
  answered with the problem and the episode goes on, as in the reference.
* **Free functions** (:data:`FREE_FUNCTIONS`): location look-ups, and a hotel search by ``search_type`` "hotel",
  are optional; a recorded one may be called at any point of the episode.
* **Matching** (:func:`same_call`): the parameters the reference compares exactly (:data:`EXACT_PARAMS`, per
  function: dates, ids, ``sort_by``, ``search_type``, currency...) must be equal as sent (``categories_filter``
  as a set of comma-separated items); every other parameter is compared after typed normalisation, which stands
  in for the reference's comparison of live API responses and its model judge.
* **Error categories** (:func:`classify`): when a call matches nothing it may answer, the reference stops the
  sample with ``func_error``, ``param_missing``, ``value_error`` or ``param_hallucination`` (compared with the
  closest expected call), or ``func_hallucination`` when every expected call was already made.
"""

from __future__ import annotations

from typing import Any

import orjson

from locogym.scenarios.funccall.normalize import norm_value

FREE_FUNCTIONS = frozenset({"Location_to_Lat_Long", "Search_Hotel_Destination", "Search_Attraction_Location",
                            "Search_Car_Location", "Search_Flight_Location", "Taxi_Search_Location"})

_LANG_CURRENCY = ("currency_code", "languagecode")
_HOTEL_STAY = ("hotel_id", "arrival_date", "departure_date")
_VEHICLE = ("vehicle_id", "search_key")
# Per function, the parameters ComplexEval requires to be exactly the recorded value (from the reference's
# published table of exact-match parameters); a function not listed here has none.
EXACT_PARAMS: dict[str, frozenset[str]] = {name: frozenset(params) for name, params in {
    "Search_Hotels_By_Coordinates": ("arrival_date", "departure_date", "latitude", "longitude", *_LANG_CURRENCY),
    "Get_Room_List_With_Availability": (*_HOTEL_STAY, *_LANG_CURRENCY),
    "Get_Room_List": (*_HOTEL_STAY, *_LANG_CURRENCY),
    "Get_Hotel_Details": (*_HOTEL_STAY, *_LANG_CURRENCY),
    "Get_Room_Availability": ("hotel_id", "currency_code"),
    "Get_Question_And_Answer": ("hotel_id", "languagecode"),
    "Get_Nearby_Cities": ("latitude", "longitude", "languagecode"),
    "Get_Popular_Attraction_Near_By": ("hotel_id", "languagecode"),
    "Get_Hotel_Reviews(Tips)": ("hotel_id", "sort_option_id", "languagecode"),
    "Get_Hotel_Reviews(Tips)_Sort_Option": ("hotel_id", "languagecode"),
    "Get_Hotel_Review_Scores": ("hotel_id", "languagecode"),
    "Get_Hotel_Reviews_Filter_Metadata": ("hotel_id", "languagecode"),
    "Property_Children_Policies": ("hotel_id", "languagecode"),
    "Get_Hotel_Policies": ("hotel_id", "languagecode"),
    "Get_Description_And_Info": ("hotel_id", "languagecode"),
    "Payment_features_of_the_Hotel": ("hotel_id", "languagecode"),
    "Get_Filter": ("dest_id", "search_type", "arrival_date", "departure_date", "categories_filter", "languagecode"),
    "Get_Sort_By": ("dest_id", "search_type", "arrival_date", "departure_date", "languagecode"),
    "Search_Hotels": ("dest_id", "search_type", "arrival_date", "departure_date", "categories_filter", "sort_by",
                      *_LANG_CURRENCY),
    # the reference compares the pick-up longitude exactly but not the latitude; the replay judges as it does
    "Search_Car_Rentals": ("pick_up_longitude", "drop_off_latitude", "drop_off_longitude",
                           "pick_up_date", "pick_up_time", "drop_off_date", "drop_off_time", *_LANG_CURRENCY),
    "Search_Car_Location": ("languagecode",),
    "Booking_Summary": (*_VEHICLE, *_LANG_CURRENCY),
    "Vehicle_Supplier_Ratings": (*_VEHICLE, *_LANG_CURRENCY),
    "Vehicle_Details": (*_VEHICLE, *_LANG_CURRENCY),
    "Vehicle_Supplier_Details": (*_VEHICLE, *_LANG_CURRENCY),
    "Get_Packages": (*_VEHICLE, *_LANG_CURRENCY),
    "Vehicle_Supplier_Review": (*_VEHICLE, "languagecode"),
    "Get_Attraction_Details": ("slug", *_LANG_CURRENCY),
    "Search_Attractions": ("id", "startDate", "endDate", *_LANG_CURRENCY),
    "Get_Availability_Calendar": ("id", "languagecode"),
    "Get_Availability": ("slug", "date", *_LANG_CURRENCY),
    "Search_Attraction_Location": ("languagecode",),
    "Get_Min_Price_Multi_Stops": ("currency_code",),
    "Get_Flight_Details": ("token", "currency_code"),
    "Get_Min_Price": ("fromId", "toId", "departDate", "returnDate", "currency_code"),
    "Get_Seat_Map": ("offerToken", "currency_code"),
    "Search_Flights_Multi_Stops": ("sort", "currency_code"),
    "Search_Flights": ("fromId", "toId", "departDate", "returnDate", "sort", "currency_code"),
    "Search_Flight_Location": ("languagecode",),
    "Search_Taxi": ("pick_up_place_id", "drop_off_place_id", "pick_up_date", "pick_up_time", *_LANG_CURRENCY),
    "Taxi_Search_Location": ("languagecode",),
}.items()}
_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float), "integer": (int,),
                                            "boolean": (bool,), "array": (list,), "object": (dict,)}


def is_free(name: str, arguments: dict[str, Any]) -> bool:
    """Optional in the reference: location look-ups, and a hotel search by one hotel's name."""
    return name in FREE_FUNCTIONS or (name == "Search_Hotels"
                                      and str(arguments.get("search_type", "")).lower() == "hotel")


def _type_ok(expected: Any, value: Any) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    for name in names:
        if name == "null":  # a known type: only None is of it (it must not pass as an unknown one)
            if value is None:
                return True
            continue
        kinds = _JSON_TYPES.get(str(name))
        if kinds is None:
            return True  # a type this check does not know is not held against the call
        if isinstance(value, bool) and name != "boolean":
            continue
        if isinstance(value, kinds):  # a float is no integer: "integer" admits int only
            return True
    return False


def format_problems(schema: dict[str, Any], arguments: dict[str, Any]) -> dict[str, list[str]]:
    """What makes a call malformed for its function's JSON Schema: missing, unknown and mistyped parameters."""
    props: dict[str, Any] = schema.get("properties") or {}
    missing = [k for k in schema.get("required", []) if k not in arguments]
    unknown = [k for k in arguments if k not in props]
    mistyped = [k for k, v in arguments.items()
                if k in props and "type" in props[k] and not _type_ok(props[k]["type"], v)]
    return {"missing": missing, "unknown": unknown, "mistyped": mistyped}


def _filters(value: Any) -> Any:
    return sorted(s.strip() for s in value.split(",")) if isinstance(value, str) else value


def _exact_equal(param: str, sent: Any, recorded: Any) -> bool:
    if param == "categories_filter":
        return bool(_filters(sent) == _filters(recorded))
    return bool(sent == recorded)


def normal_form(arguments: dict[str, Any]) -> str:
    """The arguments after typed normalisation, unset values dropped (the comparison of non-exact parameters)."""
    normal = {k: norm_value(k, v) for k, v in sorted(arguments.items()) if v is not None and v != ""}
    return orjson.dumps(normal, option=orjson.OPT_SORT_KEYS, default=str).decode()


def same_call(name: str, arguments: dict[str, Any], recorded_name: str, recorded: dict[str, Any]) -> bool:
    """Whether a call stands for a recorded one: exact parameters exact, the rest equal after normalisation."""
    if name != recorded_name:
        return False
    for param in EXACT_PARAMS.get(name, frozenset()) & set(recorded):
        if param not in arguments or not _exact_equal(param, arguments[param], recorded[param]):
            return False
    return normal_form(arguments) == normal_form(recorded)


def classify(name: str, arguments: dict[str, Any], expected: list[tuple[str, dict[str, Any]]]) -> str:
    """The reference's category for a call that matches no expected call (``expected``: the calls it may make
    now). Compared with the closest expected call of the same function: the one with most equal parameters."""
    if not expected:
        return "func_hallucination"
    same = [args for n, args in expected if n == name]
    if not same:
        return "func_error"
    recorded = max(same, key=lambda a: sum(k in arguments and arguments[k] == v for k, v in a.items()))
    exact = EXACT_PARAMS.get(name, frozenset())
    for param in sorted(exact & set(recorded)):
        if param not in arguments:
            return "param_missing"
        if not _exact_equal(param, arguments[param], recorded[param]):
            return "value_error"
    for param, value in recorded.items():
        if param not in arguments:
            return "param_missing"
        if norm_value(param, arguments[param]) != norm_value(param, value):
            return "value_error"
    return "param_hallucination"
