"""Typed normalisation of call arguments and answer values, so that equal meanings compare equal.

Dates in any common spelling become ISO dates, times become HH:MM, coordinates are rounded to about 100 m,
enums and names are case-folded, comma-separated filter lists become sorted lists, and parameters that only
repeat an API default (page 1, one adult, EUR) are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from locogym.core.dates import norm_date, norm_datetime, norm_time

DEFAULTS: dict[str, Any] = {"pageNo": 1, "page_number": 1, "page": 1, "adults": 1, "room_qty": 1,
                            "currency_code": "EUR", "sort": "best", "cabinClass": "economy", "children": 0,
                            "passengers": 1, "driver_age": 30, "sort_option_id": "sort_most_relevant", "unit": "km",
                            "radius_km": 500.0, "sortBy": "trending"}
API_DEFAULTS: dict[tuple[str, str], Any] = {("Search_Hotels", "sort_by"): "popularity",
                                            ("Search_Car_Rentals", "sort_by"): "recommended",
                                            ("Search_Hotels_By_Coordinates", "sort_by"): "distance",
                                            ("Search_Hotels_By_Coordinates", "radius"): 5.0}
LIST_FIELDS = frozenset({"categories_filter", "typeFilters", "flight_numbers"})
NAME_FIELDS = frozenset({"passenger_name", "guest_name", "driver_name", "contact_name", "query", "name"})
ENUM_FIELDS = frozenset({"sort", "cabinClass", "cabin", "search_type", "sort_by", "sortBy", "sort_option_id", "unit",
                         "status", "category"})
CODE_FIELDS = frozenset({"currency_code", "from_currency", "to_currency", "base_currency", "seat", "flight_number"})


def norm_text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def norm_value(field: str, value: Any) -> Any:
    """Normalise one value by what its field means."""
    if value is None:
        return None
    lowered = field.lower()
    if field in LIST_FIELDS:
        items = value if isinstance(value, list) else str(value).split(",")
        return sorted(norm_text(v) for v in items if str(v).strip())
    if "date" in lowered and "time" not in lowered or field in ("departDate", "month", "check_in"):
        return norm_date(value)
    if field in ("pick_up", "drop_off", "depart", "arrive", "start", "taxi_pickup"):
        return norm_datetime(value)
    if "time" in lowered:
        return norm_time(value)
    if lowered in ("latitude", "longitude") or lowered.endswith(("_latitude", "_longitude")):
        try:
            return round(float(value), 3)
        except (TypeError, ValueError):
            return value
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return round(value, 2) if value != int(value) else int(value)
    if field in NAME_FIELDS or field in ENUM_FIELDS:
        return norm_text(value)
    if field in CODE_FIELDS:
        return str(value).strip().upper()
    if isinstance(value, str):
        return value.strip()
    return value


def normalize_args(api: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a call's arguments (schema-coerced when they are valid, raw otherwise)."""
    from locogym.scenarios.funccall.schemas import API_SPECS

    values: dict[str, Any] = dict(arguments) if isinstance(arguments, dict) else {}
    spec = API_SPECS.get(api)
    if spec is not None:
        try:
            values = spec[0].model_validate(values).model_dump()
        except Exception:  # noqa: BLE001 - invalid calls are compared as sent
            pass
    out: dict[str, Any] = {}
    for field in sorted(values):
        value = norm_value(field, values[field])
        if value is None or value == [] or value == "":
            continue
        default = API_DEFAULTS.get((api, field), DEFAULTS.get(field))
        if default is not None and value == norm_value(field, default):
            continue
        out[field] = value
    return out
