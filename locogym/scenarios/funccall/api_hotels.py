"""Hotel APIs: destinations, filters and sort options that feed the search, search by destination or point,
details, rooms, policies, reviews, facilities and booking."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from locogym.scenarios.funccall.catalog import DISTRICTS, FACILITIES, FACILITY_NAME, Hotel, Room
from locogym.scenarios.funccall.geo import CITIES, CITY_BY_CODE, haversine_km
from locogym.scenarios.funccall.text import hotel_description, review, snippets
from locogym.scenarios.funccall.world import (
    ApiError,
    ApiResponse,
    World,
    parse_currency,
    parse_date,
    parse_page,
)

SORTS = (("popularity", "Popularity"), ("price", "Price (lowest first)"), ("distance", "Distance from city centre"),
         ("class_descending", "Stars (5 to 0)"), ("class_ascending", "Stars (0 to 5)"),
         ("bayesian_review_score", "Best reviewed first"), ("review_score_and_price", "Best reviewed and lowest price"))
PROPERTY_TYPES = (("204", "Hotel"), ("201", "Apartment"), ("203", "Hostel"))


def city_dest_id(code: str) -> str:
    return str(-2_000_000 - 1009 * [c.code for c in CITIES].index(code))


def district_dest_id(code: str, district: str) -> str:
    return str(3000 + 20 * [c.code for c in CITIES].index(code) + DISTRICTS.index(district))


def resolve_destination(world: World, dest_id: str, search_type: str) -> tuple[str, list[Hotel], tuple[float, float]]:
    """(city code, hotels in the destination, its centre) for a dest_id/search_type pair."""
    kind = str(search_type).strip().upper()
    for city in CITIES:
        if kind == "CITY" and str(dest_id) == city_dest_id(city.code):
            return city.code, list(world.catalog.hotels(city.code)), (city.lat, city.lon)
        if kind == "DISTRICT":
            for district in DISTRICTS:
                if str(dest_id) == district_dest_id(city.code, district):
                    hotels = [h for h in world.catalog.hotels(city.code) if h.district == district]
                    return city.code, hotels, (city.lat, city.lon)
    if kind == "HOTEL" and str(dest_id).isdigit():
        hotel = world.catalog.hotel(int(dest_id))
        if hotel is not None:
            city = CITY_BY_CODE[hotel.city]
            return hotel.city, [hotel], (city.lat, city.lon)
    raise ApiError(f"dest_id {dest_id!r} with search_type {search_type!r} is unknown. Get both from "
                   "Search_Hotel_Destination.", status=404, code="DESTINATION_NOT_FOUND")


def search_hotel_destination(world: World, query: str) -> ApiResponse:
    words = [w for w in query.lower().replace(",", " ").split() if len(w) >= 2]
    if not words:
        raise ApiError("query must not be empty.", code="MISSING_QUERY")
    out: list[dict[str, Any]] = []
    for city in CITIES:
        whole_city = all(w in f"{city.name} {city.country}".lower() for w in words)
        if whole_city:
            out.append({"dest_id": city_dest_id(city.code), "search_type": "CITY", "dest_type": "city",
                        "name": city.name, "label": f"{city.name}, {city.country}", "city_name": city.name,
                        "country": city.country, "latitude": city.lat, "longitude": city.lon,
                        "nr_hotels": len(world.catalog.hotels(city.code))})
        if not any(w in city.name.lower() for w in words):
            continue
        hotels = world.catalog.hotels(city.code)
        for district in DISTRICTS:
            n = sum(1 for h in hotels if h.district == district)
            if n and (whole_city or all(w in f"{district} {city.name}".lower() for w in words)):
                out.append({"dest_id": district_dest_id(city.code, district), "search_type": "DISTRICT",
                            "dest_type": "district", "name": district,
                            "label": f"{district}, {city.name}, {city.country}", "city_name": city.name,
                            "country": city.country, "nr_hotels": n})
        for hotel in hotels:
            if all(w in f"{hotel.name} {city.name}".lower() for w in words) and any(
                    w in hotel.name.lower() for w in words if w not in city.name.lower()):
                out.append({"dest_id": str(hotel.hotel_id), "search_type": "HOTEL", "dest_type": "hotel",
                            "name": hotel.name, "label": f"{hotel.name}, {city.name}, {city.country}",
                            "city_name": city.name, "country": city.country, "latitude": hotel.lat,
                            "longitude": hotel.lon, "nr_hotels": 1})
    out = out[: world.page_size(8)]
    return ApiResponse({"status": True, "message": "Success", "data": out}, items=[d["dest_id"] for d in out])


def _stay(arrival_date: str, departure_date: str) -> tuple[date, date, list[date]]:
    arrival = parse_date(arrival_date, "arrival_date")
    departure = parse_date(departure_date, "departure_date")
    if departure <= arrival:
        raise ApiError("departure_date must be after arrival_date.", code="INVALID_STAY")
    if (departure - arrival).days > 30:
        raise ApiError("Stays longer than 30 nights cannot be searched.", code="STAY_TOO_LONG")
    return arrival, departure, [arrival + timedelta(days=i) for i in range((departure - arrival).days)]


def room_left(world: World, room: Room, nights: list[date]) -> int:
    if not world.used:  # nothing booked yet: the catalog's own count
        return world.catalog.stay(room, tuple(nights))[0]
    return min(world.catalog.room_inventory(room, d) - world.taken(f"room|{room.block_id}|{d.isoformat()}")
               for d in nights)


def room_total(world: World, hotel: Hotel, room: Room, nights: list[date]) -> float:
    return world.catalog.stay(room, tuple(nights))[1]


def best_room(world: World, hotel: Hotel, nights: list[date], adults: int, rooms: int,
              room_ok: Callable[[Room], bool] | None = None) -> tuple[Room, float] | None:
    """The cheapest room type that sleeps the party, has ``rooms`` units left on every night and passes the
    room-level filters (free cancellation, breakfast) in ``room_ok``."""
    need = math.ceil(adults / rooms)
    options = [(room_total(world, hotel, r, nights) * rooms, r) for r in hotel.rooms
               if r.max_occupancy >= need and room_left(world, r, nights) >= rooms and (room_ok is None or room_ok(r))]
    if not options:
        return None
    price, room = min(options, key=lambda o: (o[0], o[1].block_id))
    return room, round(price, 2)


def distance_to_centre(hotel: Hotel) -> float:
    city = CITY_BY_CODE[hotel.city]
    return round(haversine_km(hotel.lat, hotel.lon, city.lat, city.lon), 2)


def _filter_groups(world: World, hotels: list[Hotel], priced: dict[int, tuple[Room, float]], nights: list[date],
                   party: int, rooms: int) -> list[dict[str, Any]]:
    def count(pred) -> int:  # type: ignore[no-untyped-def]
        return sum(1 for h in hotels if h.hotel_id in priced and pred(h))

    def has_room(hotel: Hotel, room_ok: Callable[[Room], bool]) -> bool:
        return best_room(world, hotel, nights, party, rooms, room_ok) is not None

    groups: list[tuple[str, str, list[Any]]] = [
        ("Property rating", "class", [(f"class::{s}", f"{s} stars", lambda h, s=s: h.stars == s) for s in range(1, 6)]),
        ("Review score", "reviewscorebuckets",
         [(f"reviewscorebuckets::{v}", label, lambda h, v=v: h.review_score * 10 >= v)
          for v, label in ((90, "Wonderful: 9+"), (80, "Very good: 8+"), (70, "Good: 7+"), (60, "Pleasant: 6+"))]),
        ("Facilities", "facility", [(f"facility::{fid}", name, lambda h, fid=fid: fid in h.facilities)
                                    for fid, name in FACILITIES]),
        ("Distance from centre", "distance",
         [(f"distance::{m}", f"Less than {m // 1000} km", lambda h, m=m: distance_to_centre(h) * 1000 < m)
          for m in (1000, 3000, 5000)]),
        ("Reservation policy", "free_cancellation",
         [("free_cancellation::1", "Free cancellation", lambda h: has_room(h, lambda r: r.refundable))]),
        ("Meals", "mealplan", [("mealplan::1", "Breakfast included", lambda h: has_room(h, lambda r: r.breakfast))]),
        ("Property type", "ht_id", [(f"ht_id::{pid}", name, lambda h, name=name: h.kind == name)
                                    for pid, name in PROPERTY_TYPES]),
    ]
    return [{"title": title, "field": field, "filterStyle": "CHECKBOX",
             "options": [{"genericId": gid, "title": label, "countNotAutoextended": count(pred)}
                         for gid, label, pred in options]} for title, field, options in groups]


def _check_filter(gid: str, hotel: Hotel, room: Room) -> bool:
    field, _, value = gid.partition("::")
    if field == "class":
        return hotel.stars == int(value)
    if field == "reviewscorebuckets":
        return hotel.review_score * 10 >= int(value)
    if field == "facility":
        return int(value) in hotel.facilities
    if field == "distance":
        return distance_to_centre(hotel) * 1000 < int(value)
    if field == "free_cancellation":
        return room.refundable
    if field == "mealplan":
        return room.breakfast
    if field == "ht_id":
        return hotel.kind == dict(PROPERTY_TYPES)[value]
    return False


def get_hotel_filter(world: World, dest_id: str, search_type: str, arrival_date: str, departure_date: str,
                     adults: int | None = None, room_qty: int | None = None) -> ApiResponse:
    _city, hotels, _ = resolve_destination(world, dest_id, search_type)
    _a, _d, nights = _stay(arrival_date, departure_date)
    priced = {h.hotel_id: p for h in hotels if (p := best_room(world, h, nights, adults or 1, room_qty or 1))}
    groups = _filter_groups(world, hotels, priced, nights, adults or 1, room_qty or 1)
    if world.detail == 0:
        for g in groups:
            g.pop("filterStyle")
    payload = {"status": True, "message": "Success", "data": {"filters": groups,
                                                              "pagination": {"nbResultsTotal": len(priced)}}}
    return ApiResponse(payload, items=[o["genericId"] for g in groups for o in g["options"]])


def get_sort_by(world: World, dest_id: str, search_type: str, arrival_date: str, departure_date: str) -> ApiResponse:
    resolve_destination(world, dest_id, search_type)
    _stay(arrival_date, departure_date)
    data = [{"id": sid, "title": title} for sid, title in SORTS]
    return ApiResponse({"status": True, "message": "Success", "data": data}, items=[d["id"] for d in data])


def _sort(hotels: list[tuple[Hotel, Room, float]], sort_by: str | None) -> None:
    key = sort_by or "popularity"
    if key not in dict(SORTS):
        raise ApiError(f"sort_by {sort_by!r} is not a valid sort id. Get the ids from Get_Sort_By.",
                       code="INVALID_SORT")
    if key == "price":
        hotels.sort(key=lambda t: (t[2], t[0].hotel_id))
    elif key == "distance":
        hotels.sort(key=lambda t: (distance_to_centre(t[0]), t[0].hotel_id))
    elif key == "class_descending":
        hotels.sort(key=lambda t: (-t[0].stars, t[2], t[0].hotel_id))
    elif key == "class_ascending":
        hotels.sort(key=lambda t: (t[0].stars, t[2], t[0].hotel_id))
    elif key == "bayesian_review_score":
        hotels.sort(key=lambda t: (-t[0].review_score, t[0].hotel_id))
    elif key == "review_score_and_price":
        hotels.sort(key=lambda t: (-(t[0].review_score * 40 - t[2] / 10), t[0].hotel_id))
    else:
        hotels.sort(key=lambda t: (-(t[0].review_count ** 0.5 * t[0].review_score), t[0].hotel_id))


def _card(world: World, hotel: Hotel, room: Room, price: float, arrival: date, departure: date, currency: str,
          point: tuple[float, float] | None) -> dict[str, Any]:
    nights = (departure - arrival).days
    word = "Wonderful" if hotel.review_score >= 9 else "Very good" if hotel.review_score >= 8 else \
        "Good" if hotel.review_score >= 7 else "Pleasant"
    card: dict[str, Any] = {
        "hotel_id": hotel.hotel_id,
        "accessibilityLabel": (f"{hotel.name}. {hotel.stars} out of 5 stars. {hotel.review_score} {word} "
                               f"{hotel.review_count} reviews. {room.name}: {room.beds}. "
                               f"{nights} night(s) for {world.catalog.convert(price, currency)} {currency}."
                               + (" Free cancellation." if room.refundable else "")
                               + (" Breakfast included." if room.breakfast else "")),
        "property": {"name": hotel.name, "propertyClass": hotel.stars, "reviewScore": hotel.review_score,
                     "reviewScoreWord": word, "reviewCount": hotel.review_count, "latitude": hotel.lat,
                     "longitude": hotel.lon, "checkinDate": arrival.isoformat(), "checkoutDate": departure.isoformat(),
                     "priceBreakdown": {"grossPrice": {"currency": currency,
                                                       "value": world.catalog.convert(price, currency)}},
                     "distanceFromCentreKm": distance_to_centre(hotel)},
    }
    if world.size >= 3:
        rng = world.catalog.rng("snippets", hotel.hotel_id)
        card["featuredReviews"] = snippets(rng, world.size // 2, hotel.review_score)
    if point is not None:
        card["distance_to_point_km"] = round(haversine_km(point[0], point[1], hotel.lat, hotel.lon), 2)
    if world.detail >= 1:
        card["property"]["wishlistName"] = CITY_BY_CODE[hotel.city].name
        card["property"]["checkin"] = {"fromTime": hotel.checkin_from}
        card["property"]["checkout"] = {"untilTime": hotel.checkout_until}
        card["property"]["photoUrls"] = [f"https://img.example/hotels/{hotel.hotel_id}/{i}.jpg" for i in range(3)]
    if world.detail >= 2:
        card["property"]["description"] = hotel_description(hotel.name, hotel.stars, hotel.district,
                                                            CITY_BY_CODE[hotel.city].name,
                                                            [FACILITY_NAME[f] for f in hotel.facilities], world.detail)
    return card


def _search(world: World, hotels: list[Hotel], arrival_date: str, departure_date: str, adults: int | None,
            room_qty: int | None, page_number: int | None, price_min: float | None, price_max: float | None,
            sort_by: str | None, categories_filter: str | None, currency_code: str | None,
            point: tuple[float, float] | None, extra: dict[str, Any], presorted: bool = False) -> ApiResponse:
    arrival, departure, nights = _stay(arrival_date, departure_date)
    currency = parse_currency(currency_code)
    party, rooms = adults or 1, room_qty or 1
    if party < rooms:
        raise ApiError("adults must be at least room_qty.", code="INVALID_OCCUPANCY")
    wanted = [f.strip() for f in (categories_filter or "").split(",") if f.strip()]
    for gid in wanted:
        if not _known_filter(gid):
            raise ApiError(f"Unknown filter {gid!r} in categories_filter. Use genericId values from Get_Hotel_Filter, "
                           "comma-separated (e.g. \"class::4,facility::107\").", code="INVALID_FILTER")
    by_field: dict[str, list[str]] = {}
    for gid in wanted:
        by_field.setdefault(gid.partition("::")[0], []).append(gid)
    needs_refund, needs_breakfast = "free_cancellation" in by_field, "mealplan" in by_field
    room_ok = (lambda r: (r.refundable or not needs_refund) and (r.breakfast or not needs_breakfast)) \
        if needs_refund or needs_breakfast else None
    priced = {h.hotel_id: p for h in hotels if (p := best_room(world, h, nights, party, rooms, room_ok))}
    rows = []
    for hotel in hotels:
        if hotel.hotel_id not in priced:
            continue
        room, price = priced[hotel.hotel_id]
        if not all(any(_check_filter(g, hotel, room) for g in gids) for gids in by_field.values()):
            continue
        shown = world.catalog.convert(price, currency)
        if price_min is not None and shown < price_min or price_max is not None and shown > price_max:
            continue
        rows.append((hotel, room, price))
    if not presorted:
        _sort(rows, sort_by)
    count = world.page_size(2) if world.size >= 2 else 0
    if count:
        listed = {h.hotel_id for h, _r, _p in rows}
        near = [(h, *priced[h.hotel_id]) for h in hotels if h.hotel_id in priced and h.hotel_id not in listed]
        near.sort(key=lambda t: (t[2], t[0].hotel_id))
        extra = {**extra, "outsideFilters": {
            "title": "Properties just outside your filters",
            "hotels": [_card(world, h, r, p, arrival, departure, currency, point) for h, r, p in near[:count]]}}
    per_page = world.page_size(5)
    page = parse_page(page_number, len(rows), per_page, "page_number")
    shown_rows = rows[(page - 1) * per_page: page * per_page]
    payload = {"status": True, "message": "Success", "data": {
        "hotels": [_card(world, h, r, p, arrival, departure, currency, point) for h, r, p in shown_rows],
        "meta": [{"title": f"{len(rows)} properties"}], **extra,
        "page": {"page_number": page, "page_size": per_page, "total_pages": max(1, -(-len(rows) // per_page))}}}
    return ApiResponse(payload, items=[str(h.hotel_id) for h, _r, _p in shown_rows])


def _known_filter(gid: str) -> bool:
    field, _, value = gid.partition("::")
    valid = {"class": {str(s) for s in range(1, 6)}, "reviewscorebuckets": {"90", "80", "70", "60"},
             "facility": {str(f) for f, _ in FACILITIES}, "distance": {"1000", "3000", "5000"},
             "free_cancellation": {"1"}, "mealplan": {"1"}, "ht_id": {p for p, _ in PROPERTY_TYPES}}
    return value in valid.get(field, set())


def search_hotels(world: World, dest_id: str, search_type: str, arrival_date: str, departure_date: str,
                  adults: int | None = None, room_qty: int | None = None, page_number: int | None = None,
                  price_min: float | None = None, price_max: float | None = None, sort_by: str | None = None,
                  categories_filter: str | None = None, currency_code: str | None = None) -> ApiResponse:
    _city, hotels, _centre = resolve_destination(world, dest_id, search_type)
    return _search(world, hotels, arrival_date, departure_date, adults, room_qty, page_number, price_min, price_max,
                   sort_by, categories_filter, currency_code, None, {})


def search_hotels_by_coordinates(world: World, latitude: float, longitude: float, arrival_date: str,
                                 departure_date: str, radius: float | None = None, adults: int | None = None,
                                 room_qty: int | None = None, page_number: int | None = None,
                                 sort_by: str | None = None, currency_code: str | None = None) -> ApiResponse:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError("latitude must be within [-90, 90] and longitude within [-180, 180].",
                       code="INVALID_COORDINATES")
    km = 5.0 if radius is None else float(radius)
    if not 0 < km <= 50:
        raise ApiError("radius must be between 0 and 50 (km).", code="INVALID_RADIUS")
    nearest = min(CITIES, key=lambda c: haversine_km(latitude, longitude, c.lat, c.lon))
    hotels = [h for h in world.catalog.hotels(nearest.code)
              if haversine_km(latitude, longitude, h.lat, h.lon) <= km]
    presorted = sort_by in (None, "distance")
    if presorted:
        hotels.sort(key=lambda h: (haversine_km(latitude, longitude, h.lat, h.lon), h.hotel_id))
    return _search(world, hotels, arrival_date, departure_date, adults, room_qty, page_number, None, None,
                   None if presorted else sort_by, None, currency_code, (latitude, longitude),
                   {"search_radius_km": km}, presorted=presorted)


def _hotel(world: World, hotel_id: int | str) -> Hotel:
    hotel = world.catalog.hotel(int(hotel_id)) if str(hotel_id).isdigit() else None
    if hotel is None:
        raise ApiError(f"hotel_id {hotel_id!r} not found. Copy a hotel_id from Search_Hotels.", status=404,
                       code="HOTEL_NOT_FOUND")
    return hotel


def get_hotel_details(world: World, hotel_id: int, arrival_date: str, departure_date: str, adults: int | None = None,
                      room_qty: int | None = None, currency_code: str | None = None) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    arrival, departure, nights = _stay(arrival_date, departure_date)
    currency = parse_currency(currency_code)
    city = CITY_BY_CODE[hotel.city]
    best = best_room(world, hotel, nights, adults or 1, room_qty or 1)
    data: dict[str, Any] = {
        "hotel_id": hotel.hotel_id, "hotel_name": hotel.name, "accommodation_type_name": hotel.kind,
        "class": hotel.stars, "address": hotel.address, "district": hotel.district, "city": city.name,
        "country_trans": city.country, "latitude": hotel.lat, "longitude": hotel.lon,
        "distance_to_cc": f"{distance_to_centre(hotel)} km", "review_score": hotel.review_score,
        "review_nr": hotel.review_count, "arrival_date": arrival.isoformat(), "departure_date": departure.isoformat(),
        "checkin": {"from": hotel.checkin_from}, "checkout": {"until": hotel.checkout_until},
        "available_rooms": sum(max(0, room_left(world, r, nights)) for r in hotel.rooms),
        "product_price_breakdown": None if best is None else {
            "gross_amount": {"value": world.catalog.convert(best[1], currency), "currency": currency},
            "cheapest_room": best[0].name},
        "facilities_block": {"name": "Most popular facilities",
                             "facilities": [{"name": FACILITY_NAME[f], "id": f} for f in hotel.facilities]},
    }
    data["description"] = hotel_description(hotel.name, hotel.stars, hotel.district, city.name,
                                            [FACILITY_NAME[f] for f in hotel.facilities], max(1, world.detail))
    return ApiResponse({"status": True, "message": "Success", "data": data}, items=[str(hotel.hotel_id)])


def get_room_list(world: World, hotel_id: int, arrival_date: str, departure_date: str, adults: int | None = None,
                  room_qty: int | None = None, currency_code: str | None = None) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    arrival, _departure, nights = _stay(arrival_date, departure_date)
    currency = parse_currency(currency_code)
    rooms = room_qty or 1
    blocks = []
    for room in hotel.rooms:
        total = room_total(world, hotel, room, nights) * rooms
        block: dict[str, Any] = {
            "block_id": room.block_id, "room_id": room.room_id, "room_name": room.name,
            "name_without_policy": room.name, "max_occupancy": room.max_occupancy, "bed_configurations": room.beds,
            "room_surface_in_m2": room.size_m2, "available_rooms": max(0, room_left(world, room, nights)),
            "refundable": room.refundable,
            "refundable_until": ((arrival - timedelta(days=hotel.free_cancel_days)).isoformat() + " 23:59:59")
            if room.refundable else None,
            "mealplan": "Breakfast included" if room.breakfast else "There is no meal option with this room.",
            "product_price_breakdown": {"gross_amount": {"value": world.catalog.convert(total, currency),
                                                         "currency": currency},
                                        "gross_amount_per_night": {
                                            "value": world.catalog.convert(total / len(nights), currency),
                                            "currency": currency}},
        }
        if world.detail >= 1:
            block["room_facilities"] = ["Private bathroom", "Flat-screen TV", "Air conditioning", "Desk",
                                        "Hairdryer", "Free toiletries"][: 2 + 2 * world.detail]
        blocks.append(block)
    payload = {"status": True, "message": "Success", "data": {"hotel_id": hotel.hotel_id, "block": blocks}}
    return ApiResponse(payload, items=[b["block_id"] for b in blocks if b["available_rooms"] > 0])


def get_hotel_policies(world: World, hotel_id: int) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    days = hotel.free_cancel_days
    policies = [
        {"type": "POLICY_HOTEL_CHECKIN", "title": "Check-in", "content": f"From {hotel.checkin_from}"},
        {"type": "POLICY_HOTEL_CHECKOUT", "title": "Check-out", "content": f"Until {hotel.checkout_until}"},
        {"type": "POLICY_CANCELLATION", "title": "Cancellation/prepayment",
         "content": (f"Refundable rates can be cancelled free of charge until {days} day(s) before arrival."
                     if days else "Refundable rates can be cancelled free of charge until 23:59 on the day before "
                                  "arrival.") + " Non-refundable rates are charged in full at booking."},
        {"type": "POLICY_PETS", "title": "Pets", "content": "Pets are allowed on request. Charges may apply."
         if hotel.pets else "Pets are not allowed."},
        {"type": "POLICY_CHILDREN", "title": "Children and beds",
         "content": "Children of all ages are welcome. Cots are available on request."},
        {"type": "POLICY_PAYMENT", "title": "Accepted payment methods",
         "content": "Visa, Mastercard, American Express and cash."},
    ]
    if world.detail >= 1:
        policies += [{"type": "POLICY_QUIET_HOURS", "title": "Quiet hours",
                      "content": "Guests must be quiet between 22:00 and 07:00."},
                     {"type": "POLICY_SMOKING", "title": "Smoking", "content": "Smoking is not allowed."},
                     {"type": "POLICY_PARTIES", "title": "Parties", "content": "Parties and events are not allowed."}]
    return ApiResponse({"status": True, "message": "Success", "data": {"hotel_id": hotel.hotel_id, "policies": policies,
                                                                        "free_cancellation_days": days}},
                       items=[str(hotel.hotel_id)])


def get_hotel_reviews(world: World, hotel_id: int, sort_option_id: str | None = None,
                      page_number: int | None = None) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    rng = world.catalog.rng("reviews", hotel.hotel_id)
    reviews = []
    for i in range(min(hotel.review_count, 60)):
        body = review(rng, hotel.review_score, world.detail)
        body["review_id"] = hotel.hotel_id * 1000 + i
        body["date"] = f"2025-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        reviews.append(body)
    order = sort_option_id or "sort_most_relevant"
    if order not in ("sort_most_relevant", "sort_recent_desc", "sort_score_desc", "sort_score_asc"):
        raise ApiError(f"sort_option_id {sort_option_id!r} is not valid; use sort_most_relevant, sort_recent_desc, "
                       "sort_score_desc or sort_score_asc.", code="INVALID_SORT")
    if order == "sort_recent_desc":
        reviews.sort(key=lambda r: (str(r["date"]), r["review_id"]), reverse=True)
    elif order == "sort_score_desc":
        reviews.sort(key=lambda r: (-float(r["average_score"]), r["review_id"]))  # type: ignore[arg-type]
    elif order == "sort_score_asc":
        reviews.sort(key=lambda r: (float(r["average_score"]), r["review_id"]))  # type: ignore[arg-type]
    per_page = world.page_size(5)
    page = parse_page(page_number, len(reviews), per_page, "page_number")
    shown = reviews[(page - 1) * per_page: page * per_page]
    return ApiResponse({"status": True, "message": "Success", "data": {
        "count": hotel.review_count, "average_score": hotel.review_score, "result": shown}},
        items=[str(r["review_id"]) for r in shown])


def get_hotel_facilities(world: World, hotel_id: int) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    groups = {"General": [], "Activities": [], "Services": []}  # type: dict[str, list[dict[str, Any]]]
    for fid in hotel.facilities:
        group = "Activities" if fid in (11, 54, 301, 433) else "Services" if fid in (5, 8, 17, 46) else "General"
        groups[group].append({"facility_id": fid, "name": FACILITY_NAME[fid],
                              **({"paid": fid in (2, 17, 54)} if world.detail >= 1 else {})})
    data = [{"facilitytype_name": k, "facilities": v} for k, v in groups.items() if v]
    return ApiResponse({"status": True, "message": "Success", "data": data}, items=[str(f) for f in hotel.facilities])


def book_hotel(world: World, hotel_id: int, block_id: str, arrival_date: str, departure_date: str, guest_name: str,
               room_qty: int | None = None, currency_code: str | None = None) -> ApiResponse:
    hotel = _hotel(world, hotel_id)
    arrival, departure, nights = _stay(arrival_date, departure_date)
    currency = parse_currency(currency_code)
    room = next((r for r in hotel.rooms if r.block_id == block_id), None)
    if room is None:
        raise ApiError(f"block_id {block_id!r} does not belong to hotel {hotel.hotel_id}. Copy it from Get_Room_List.",
                       status=404, code="BLOCK_NOT_FOUND")
    rooms = room_qty or 1
    if room_left(world, room, nights) < rooms:
        raise ApiError(f"{room.name} is sold out for some of these nights. Choose another room or dates.",
                       status=409, code="SOLD_OUT")
    if not guest_name.strip():
        raise ApiError("guest_name is required.", code="MISSING_GUEST")
    price = room_total(world, hotel, room, nights) * rooms
    params = {"hotel_id": hotel.hotel_id, "hotel_name": hotel.name, "block_id": room.block_id, "room_name": room.name,
              "arrival_date": arrival.isoformat(), "departure_date": departure.isoformat(), "room_qty": rooms,
              "guest_name": guest_name.strip(), "refundable": room.refundable}
    booking = world.book("hotel", params, price, [(f"room|{room.block_id}|{d.isoformat()}", rooms) for d in nights])
    payload = {"status": True, "message": "Reservation confirmed", "data": {
        "booking_id": booking.booking_id, "reservation_status": "confirmed", "hotel_name": hotel.name,
        "room_name": room.name, "checkin": arrival.isoformat(), "checkout": departure.isoformat(),
        "guest_name": guest_name.strip(), "total_price": {"value": world.catalog.convert(price, currency),
                                                         "currency": currency}}}
    return ApiResponse(payload, items=[booking.booking_id])


HANDLERS = {"Search_Hotel_Destination": search_hotel_destination, "Get_Hotel_Filter": get_hotel_filter,
            "Get_Sort_By": get_sort_by, "Search_Hotels": search_hotels,
            "Search_Hotels_By_Coordinates": search_hotels_by_coordinates, "Get_Hotel_Details": get_hotel_details,
            "Get_Room_List": get_room_list, "Get_Hotel_Policies": get_hotel_policies,
            "Get_Hotel_Reviews": get_hotel_reviews, "Get_Hotel_Facilities": get_hotel_facilities,
            "Book_Hotel": book_hotel}
