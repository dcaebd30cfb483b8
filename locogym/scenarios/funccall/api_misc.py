"""Attraction APIs, utilities (geocoding, currencies, distances, time zones) and the bookings APIs."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from locogym.scenarios.funccall.catalog import (
    ATTRACTION_TYPES,
    CURRENCY_NAMES,
    CURRENCY_PER_EUR,
    TODAY,
    Attraction,
)
from locogym.scenarios.funccall.geo import CITIES, CITY_BY_CODE, haversine_km
from locogym.scenarios.funccall.text import attraction_description, snippets
from locogym.scenarios.funccall.world import (
    ApiError,
    ApiResponse,
    World,
    iso,
    parse_currency,
    parse_date,
    parse_page,
)

ATTRACTION_SORTS = ("trending", "attr_book_score", "lowest_price", "highest_weighted_rating")


def _words(query: str) -> list[str]:
    words = [w for w in str(query).lower().replace(",", " ").split() if len(w) >= 2]
    if not words:
        raise ApiError("query must not be empty.", code="MISSING_QUERY")
    return words


def attraction_dest_id(world: World, code: str) -> str:
    return world.catalog.token(f"D|{code}")


def search_attraction_location(world: World, query: str) -> ApiResponse:
    words = _words(query)
    products, destinations = [], []
    for city in CITIES:
        if all(w in f"{city.name} {city.country}".lower() for w in words):
            destinations.append({"id": attraction_dest_id(world, city.code), "cityName": city.name,
                                 "country": city.country, "productCount": len(world.catalog.attractions(city.code))})
        if any(w in city.name.lower() for w in words) or len(words) > 1:
            for item in world.catalog.attractions(city.code):
                if all(w in f"{item.name} {city.name}".lower() for w in words):
                    products.append({"id": item.product_id, "productSlug": item.slug, "title": item.name,
                                     "cityName": city.name, "productType": "ATTRACTION"})
    products = products[: world.page_size(6)]
    return ApiResponse({"status": True, "message": "Success", "data": {"products": products,
                                                                        "destinations": destinations}},
                       items=[str(d["id"]) for d in destinations] + [str(p["productSlug"]) for p in products])


def _city_of_dest(world: World, dest_id: str) -> str:
    payload = world.catalog.untoken(dest_id)
    if payload is None or not payload.startswith("D|") or payload[2:] not in CITY_BY_CODE:
        raise ApiError(f"id {dest_id!r} is not a destination id. Copy one from Search_Attraction_Location "
                       "(data.destinations[].id).", status=404, code="DESTINATION_NOT_FOUND")
    return payload[2:]


def _card(world: World, item: Attraction, currency: str, full: bool) -> dict[str, Any]:
    detail = 3 if full else world.detail
    body: dict[str, Any] = {
        "id": item.product_id, "slug": item.slug, "name": item.name, "productType": item.kind,
        "representativePrice": {"chargeAmount": world.catalog.convert(item.adult_eur, currency), "currency": currency},
        "reviewsStats": {"combinedNumericStats": {"average": item.rating, "total": item.review_count}},
        "ufiDetails": {"bCityName": CITY_BY_CODE[item.city].name},
        "cancellationPolicy": {"hasFreeCancellation": item.free_cancellation},
        "durationMinutes": item.minutes,
    }
    if detail >= 1:
        body["shortDescription"] = attraction_description(item.name, item.kind, CITY_BY_CODE[item.city].name,
                                                          item.minutes, detail - 1)
        body["primaryPhoto"] = {"small": f"https://img.example/attractions/{item.slug}.jpg"}
    if world.size >= 3 and not full:
        body["reviewHighlights"] = snippets(world.catalog.rng("snippets", item.slug), world.size // 3, item.rating * 2)
    if detail >= 2:
        body["flags"] = [{"flag": "bestseller", "value": item.review_count > 3000}]
    return body


def search_attractions(world: World, id: str, sortBy: str | None = None, page: int | None = None,
                       typeFilters: str | None = None, priceFilters: str | None = None,
                       currency_code: str | None = None) -> ApiResponse:
    city = _city_of_dest(world, id)
    currency = parse_currency(currency_code)
    items = list(world.catalog.attractions(city))
    types = [t.strip() for t in (typeFilters or "").split(",") if t.strip()]
    for t in types:
        if t not in ATTRACTION_TYPES:
            raise ApiError(f"typeFilters value {t!r} is unknown; use the filterOptions.typeFilters tagname values "
                           "from a previous Search_Attractions response.", code="INVALID_FILTER")
    if types:
        items = [i for i in items if i.kind in types]
    if priceFilters:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*", priceFilters)
        if match is None:
            raise ApiError("priceFilters must look like \"20-50\" (a range in the response currency).",
                           code="INVALID_FILTER")
        low, high = float(match.group(1)), float(match.group(2))
        items = [i for i in items if low <= world.catalog.convert(i.adult_eur, currency) <= high]
    order = sortBy or "trending"
    if order not in ATTRACTION_SORTS:
        raise ApiError(f"sortBy {sortBy!r} is invalid; use one of {', '.join(ATTRACTION_SORTS)}.", code="INVALID_SORT")
    if order == "lowest_price":
        items.sort(key=lambda i: (i.adult_eur, i.slug))
    elif order == "highest_weighted_rating":
        items.sort(key=lambda i: (-i.rating, i.slug))
    elif order == "attr_book_score":
        items.sort(key=lambda i: (-i.review_count, i.slug))
    else:
        items.sort(key=lambda i: (-(i.rating * i.review_count ** 0.3), i.slug))
    per_page = world.page_size(5)
    page_no = parse_page(page, len(items), per_page, "page")
    shown = items[(page_no - 1) * per_page: page_no * per_page]
    count = world.page_size(2) if world.size >= 2 else 0
    others = sorted((i for i in world.catalog.attractions(city) if i not in items), key=lambda i: (i.adult_eur, i.slug))
    payload = {"status": True, "message": "Success", "data": {
        "products": [_card(world, i, currency, False) for i in shown],
        **({"youMightAlsoLike": [_card(world, i, currency, False) for i in others[:count]]} if count else {}),
        "filterOptions": {"typeFilters": [{"tagname": t,
                                           "productCount": sum(1 for x in world.catalog.attractions(city)
                                                               if x.kind == t)}
                                          for t in ATTRACTION_TYPES]},
        "filterStats": {"filteredProductCount": len(items),
                        "unfilteredProductCount": len(world.catalog.attractions(city))},
        "page": {"page": page_no, "totalPages": max(1, -(-len(items) // per_page))}}}
    return ApiResponse(payload, items=[i.slug for i in shown])


def _attraction(world: World, slug: str) -> Attraction:
    item = world.catalog.attraction(str(slug))
    if item is None:
        raise ApiError(f"slug {slug!r} not found. Copy a slug from Search_Attractions or Search_Attraction_Location.",
                       status=404, code="PRODUCT_NOT_FOUND")
    return item


def get_attraction_details(world: World, slug: str, currency_code: str | None = None) -> ApiResponse:
    item = _attraction(world, slug)
    currency = parse_currency(currency_code)
    body = _card(world, item, currency, True)
    body.update({"description": attraction_description(item.name, item.kind, CITY_BY_CODE[item.city].name,
                                                       item.minutes, 3),
                 "address": {"latitude": item.lat, "longitude": item.lon},
                 "openingHours": f"{item.opens:02d}:00-{item.closes:02d}:00",
                 "closedOn": calendar.day_name[item.closed_weekday] if item.closed_weekday is not None else None,
                 "languages": list(item.languages),
                 "ticketTypes": [{"type": "ADULT", "price": world.catalog.convert(item.adult_eur, currency)},
                                 {"type": "CHILD", "price": world.catalog.convert(item.child_eur, currency)}]})
    return ApiResponse({"status": True, "message": "Success", "data": body}, items=[item.slug])


def get_availability_calendar(world: World, slug: str, month: str) -> ApiResponse:
    item = _attraction(world, slug)
    if not re.fullmatch(r"\d{4}-\d{2}", str(month).strip()):
        raise ApiError(f"month {month!r} must be in yyyy-mm format (e.g. 2026-03).", code="INVALID_MONTH")
    year, mon = map(int, month.split("-"))
    if not 1 <= mon <= 12:
        raise ApiError(f"month {month!r} is not a calendar month.", code="INVALID_MONTH")
    days = []
    for d in range(1, calendar.monthrange(year, mon)[1] + 1):
        day = date(year, mon, d)
        if day < TODAY:
            continue
        slots = [s for s in world.catalog.slots(item, day)
                 if s.remaining - world.taken(f"slot|{s.slot_id}") > 0]
        days.append({"date": day.isoformat(), "available": bool(slots)})
    return ApiResponse({"status": True, "message": "Success", "data": days},
                       items=[str(d["date"]) for d in days if d["available"]])


def get_attraction_availability(world: World, slug: str, date: str, currency_code: str | None = None) -> ApiResponse:
    item = _attraction(world, slug)
    day = parse_date(date, "date")
    currency = parse_currency(currency_code)
    slots = []
    for slot in world.catalog.slots(item, day):
        left = max(0, slot.remaining - world.taken(f"slot|{slot.slot_id}"))
        row: dict[str, Any] = {"slot_id": slot.slot_id, "start": iso(slot.start), "availableSpots": left,
                               "timeSlotOffers": [{"type": "ADULT",
                                                   "price": world.catalog.convert(item.adult_eur, currency)},
                                                  {"type": "CHILD",
                                                   "price": world.catalog.convert(item.child_eur, currency)}]}
        if world.detail >= 1:
            row["capacity"] = slot.capacity
            row["languages"] = list(item.languages)
        slots.append(row)
    payload: dict[str, Any] = {"status": True, "message": "Success", "data": slots}
    if world.size >= 2:
        payload["otherDates"] = _other_dates(world, item, day)
        payload["similarExperiences"] = _similar(world, item, day, currency)
    return ApiResponse(payload, items=[s["slot_id"] for s in slots if s["availableSpots"] > 0])


def _compact_slots(world: World, item: Attraction, day: date) -> list[dict[str, Any]]:
    return [{"slot_id": s.slot_id, "start": iso(s.start),
             "availableSpots": max(0, s.remaining - world.taken(f"slot|{s.slot_id}"))}
            for s in world.catalog.slots(item, day)]


def _other_dates(world: World, item: Attraction, day: date) -> list[dict[str, Any]]:
    """The same product's slots on the neighbouring days (closest first, one more day either side per two
    response sizes, up to a week): near misses a booking on the wrong day takes."""
    reach = min(7, world.size // 2)
    days = [day + timedelta(days=sign * k) for k in range(1, reach + 1) for sign in (-1, 1)]
    return [{"date": d.isoformat(), "slots": _compact_slots(world, item, d)} for d in days if d >= TODAY]


def _similar(world: World, item: Attraction, day: date, currency: str) -> list[dict[str, Any]]:
    """Other products in the city that day, same type first then cheapest first (one more per response size),
    each with its card, review highlights that grow with the size, and its slots: neighbouring attractions whose
    open slots in the asked window tempt a booking of the wrong product."""
    others = sorted((i for i in world.catalog.attractions(item.city) if i.slug != item.slug),
                    key=lambda i: (i.kind != item.kind, i.adult_eur, i.slug))
    out = []
    for other in others[: world.size]:
        card = _card(world, other, currency, True)
        card["reviewHighlights"] = snippets(world.catalog.rng("snippets", other.slug, "similar"), world.size,
                                            other.rating * 2)
        card["slots"] = _compact_slots(world, other, day)
        out.append(card)
    return out


def book_attraction(world: World, slot_id: str, adults: int, contact_name: str, children: int | None = None,
                    currency_code: str | None = None) -> ApiResponse:
    found = world.catalog.slot_by_id(slot_id)
    if found is None:
        raise ApiError("slot_id is invalid. Copy one from Get_Attraction_Availability.", status=404,
                       code="SLOT_NOT_FOUND")
    item, slot = found
    kids = children or 0
    if adults < 1:
        raise ApiError("At least one adult ticket is required.", code="INVALID_TICKETS")
    key = f"slot|{slot.slot_id}"
    left = slot.remaining - world.taken(key)
    if adults + kids > left:
        raise ApiError(f"Only {max(0, left)} spot(s) left in this time slot.", status=409, code="SOLD_OUT")
    if not contact_name.strip():
        raise ApiError("contact_name is required.", code="MISSING_CONTACT")
    currency = parse_currency(currency_code)
    price = item.adult_eur * adults + item.child_eur * kids
    params = {"slug": item.slug, "name": item.name, "slot_id": slot.slot_id, "start": iso(slot.start),
              "adults": adults, "children": kids, "contact_name": contact_name.strip()}
    booking = world.book("attraction", params, price, [(key, adults + kids)])
    return ApiResponse({"status": True, "message": "Booking confirmed", "data": {
        "booking_id": booking.booking_id, "status": "CONFIRMED", "product": item.name, "start": iso(slot.start),
        "tickets": {"adults": adults, "children": kids},
        "total": {"chargeAmount": world.catalog.convert(price, currency), "currency": currency}}},
        items=[booking.booking_id])


# ---------------------------------------------------------------------- utilities
def location_to_lat_long(world: World, query: str) -> ApiResponse:
    words = _words(query)
    out = []
    for city in CITIES:
        if not any(w in " ".join([city.name, city.country, *(a.name + " " + a.iata for a in city.airports)]).lower()
                   for w in words):
            continue
        if all(w in f"{city.name} {city.country}".lower() for w in words):
            out.append({"formatted_address": f"{city.name}, {city.country}",
                        "geometry": {"location": {"lat": city.lat, "lng": city.lon}}, "types": ["locality"]})
        for place in world.catalog.places(city.code):
            if all(w in f"{place.name} {city.name}".lower() for w in words):
                out.append({"formatted_address": f"{place.name}, {city.name}, {city.country}",
                            "geometry": {"location": {"lat": place.lat, "lng": place.lon}},
                            "types": [place.kind], "place_id": place.place_id})
    out = out[: world.page_size(6)]
    return ApiResponse({"status": "OK", "results": out}, items=[str(r["formatted_address"]) for r in out])


def get_exchange_rates(world: World, base_currency: str) -> ApiResponse:
    base = parse_currency(base_currency)
    rows = [{"currency": c, "exchange_rate_buy": f"{world.catalog.rate(c) / world.catalog.rate(base):.6f}"}
            for c in sorted(CURRENCY_PER_EUR) if c != base]
    return ApiResponse({"status": True, "message": "Success", "data": {
        "base_currency": base, "base_currency_date": TODAY.isoformat(), "exchange_rates": rows}},
        items=[r["currency"] for r in rows])


def convert_currency(world: World, amount: float, from_currency: str, to_currency: str) -> ApiResponse:
    a, b = parse_currency(from_currency), parse_currency(to_currency)
    if amount < 0:
        raise ApiError("amount must not be negative.", code="INVALID_AMOUNT")
    rate = world.catalog.rate(b) / world.catalog.rate(a)
    return ApiResponse({"status": True, "message": "Success", "data": {
        "from": a, "to": b, "amount": amount, "rate": round(rate, 6), "converted_amount": round(amount * rate, 2)}},
        items=[f"{amount}|{a}|{b}"])


def get_currency_list(world: World) -> ApiResponse:
    rows = [{"code": c, "name": CURRENCY_NAMES[c]} for c in sorted(CURRENCY_PER_EUR)]
    return ApiResponse({"status": True, "message": "Success", "data": rows}, items=[r["code"] for r in rows])


def get_distance(world: World, from_latitude: float, from_longitude: float, to_latitude: float, to_longitude: float,
                 unit: str | None = None) -> ApiResponse:
    km = haversine_km(from_latitude, from_longitude, to_latitude, to_longitude)
    u = unit or "km"
    value = round(km if u == "km" else km / 1.609344, 2)
    return ApiResponse({"status": True, "message": "Success", "data": {"distance": value, "unit": u}},
                       items=[f"{value}{u}"])


def get_nearby_cities(world: World, latitude: float, longitude: float, radius_km: float | None = None) -> ApiResponse:
    limit = 500.0 if radius_km is None else float(radius_km)
    rows = sorted(((round(haversine_km(latitude, longitude, c.lat, c.lon), 1), c) for c in CITIES),
                  key=lambda t: (t[0], t[1].code))
    data = [{"name": c.name, "country": c.country, "distance_km": km, "latitude": c.lat, "longitude": c.lon}
            for km, c in rows if km <= limit]
    return ApiResponse({"status": True, "message": "Success", "data": data}, items=[str(d["name"]) for d in data])


def get_timezone(world: World, latitude: float, longitude: float) -> ApiResponse:
    city = min(CITIES, key=lambda c: haversine_km(latitude, longitude, c.lat, c.lon))
    sign = "+" if city.utc_offset >= 0 else "-"
    return ApiResponse({"status": True, "message": "Success", "data": {
        "nearest_city": city.name, "utc_offset": f"UTC{sign}{abs(city.utc_offset):02d}:00",
        "observes_dst": False}}, items=[city.name])


# ---------------------------------------------------------------------- bookings
def _booking_view(world: World, booking: Any) -> dict[str, Any]:
    params = {k: v for k, v in booking.params.items() if not k.startswith("_")}
    return {"booking_id": booking.booking_id, "type": booking.kind, "status": booking.status.upper(),
            "details": params, "price": {"value": booking.price_eur, "currency": "EUR"}}


def list_bookings(world: World, status: str | None = None) -> ApiResponse:
    rows = [b for b in world.bookings if status is None or b.status.upper() == status.upper()]
    return ApiResponse({"status": True, "message": "Success", "data": [_booking_view(world, b) for b in rows]},
                       items=[b.booking_id for b in rows])


def get_booking(world: World, booking_id: str) -> ApiResponse:
    booking = world.find_booking(booking_id.strip())
    if booking is None:
        raise ApiError(f"Booking {booking_id!r} not found.", status=404, code="BOOKING_NOT_FOUND")
    return ApiResponse({"status": True, "message": "Success", "data": _booking_view(world, booking)},
                       items=[booking.booking_id])


def cancel_booking(world: World, booking_id: str, reason: str | None = None) -> ApiResponse:
    booking = world.find_booking(booking_id.strip())
    if booking is None:
        raise ApiError(f"Booking {booking_id!r} not found.", status=404, code="BOOKING_NOT_FOUND")
    if booking.status == "cancelled":
        raise ApiError(f"Booking {booking.booking_id} is already cancelled.", status=409, code="ALREADY_CANCELLED")
    fee = 0.0 if booking.params.get("refundable", True) else booking.price_eur
    world.cancel(booking)
    return ApiResponse({"status": True, "message": "Booking cancelled", "data": {
        "booking_id": booking.booking_id, "status": "CANCELLED", "cancellation_fee": {"value": fee, "currency": "EUR"},
        "refund": {"value": round(booking.price_eur - fee, 2), "currency": "EUR"}}}, items=[booking.booking_id])


HANDLERS = {"Search_Attraction_Location": search_attraction_location, "Search_Attractions": search_attractions,
            "Get_Attraction_Details": get_attraction_details, "Get_Availability_Calendar": get_availability_calendar,
            "Get_Attraction_Availability": get_attraction_availability, "Book_Attraction": book_attraction,
            "Location_to_Lat_Long": location_to_lat_long, "Get_Exchange_Rates": get_exchange_rates,
            "Convert_Currency": convert_currency, "Get_Currency_List": get_currency_list,
            "Get_Distance": get_distance, "Get_Nearby_Cities": get_nearby_cities, "Get_Timezone": get_timezone,
            "List_Bookings": list_bookings, "Get_Booking": get_booking, "Cancel_Booking": cancel_booking}
