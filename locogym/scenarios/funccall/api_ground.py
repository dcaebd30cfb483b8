"""Car rental and taxi APIs: location look-ups, searches keyed by coordinates or place ids, details and booking."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from locogym.scenarios.funccall.catalog import TODAY, Depot, Vehicle, season_factor
from locogym.scenarios.funccall.geo import CITIES, haversine_km
from locogym.scenarios.funccall.text import snippets
from locogym.scenarios.funccall.world import (
    ApiError,
    ApiResponse,
    World,
    iso,
    parse_currency,
    parse_date,
    parse_page,
    parse_time,
)

PICKUP_RADIUS_KM = 8.0


def _words(query: str) -> list[str]:
    words = [w for w in query.lower().replace(",", " ").split() if len(w) >= 2]
    if not words:
        raise ApiError("query must not be empty.", code="MISSING_QUERY")
    return words


def search_car_location(world: World, query: str) -> ApiResponse:
    words = _words(query)
    out: list[dict[str, Any]] = []
    for city in CITIES:
        if all(w in f"{city.name} {city.country}".lower() for w in words):
            out.append({"name": city.name, "type": "city", "city": city.name, "country": city.country,
                        "coordinates": {"latitude": city.lat, "longitude": city.lon}})
        for airport in city.airports:
            if all(w in f"{airport.name} {airport.iata} {city.name}".lower() for w in words):
                out.append({"name": airport.name, "type": "airport", "iata_code": airport.iata, "city": city.name,
                            "country": city.country,
                            "coordinates": {"latitude": airport.lat, "longitude": airport.lon}})
        if any(w in city.name.lower() for w in words):
            for depot in world.catalog.depots(city.code):
                if world.detail >= 1 or all(w in depot.name.lower() for w in words):
                    out.append({"name": depot.name, "type": "depot", "city": city.name, "country": city.country,
                                "coordinates": {"latitude": depot.lat, "longitude": depot.lon}})
    return ApiResponse({"status": True, "message": "Success", "data": out}, items=[d["name"] for d in out])


def _when(day: str, at: str, name: str) -> datetime:
    return datetime.combine(parse_date(day, f"{name}_date"), parse_time(at, f"{name}_time"))


def _search_key(world: World, plat: float, plon: float, dlat: float, dlon: float, start: datetime, end: datetime,
                age: int) -> str:
    return world.catalog.token(f"C|{plat:.3f}|{plon:.3f}|{dlat:.3f}|{dlon:.3f}|{iso(start)}|{iso(end)}|{age}")


def _decode_key(world: World, search_key: str) -> tuple[float, float, float, float, datetime, datetime, int]:
    payload = world.catalog.untoken(search_key)
    if payload is None or not payload.startswith("C|"):
        raise ApiError("search_key is invalid or expired. Run Search_Car_Rentals again and copy its search_key.",
                       status=404, code="SEARCH_KEY_NOT_FOUND")
    _, plat, plon, dlat, dlon, start, end, age = payload.split("|")
    return (float(plat), float(plon), float(dlat), float(dlon), datetime.fromisoformat(start),
            datetime.fromisoformat(end), int(age))


def _rental_days(start: datetime, end: datetime) -> int:
    return max(1, math.ceil((end - start).total_seconds() / 86400 - 1 / 48))


def _quote(vehicle: Vehicle, start: datetime, end: datetime, dlat: float, dlon: float, age: int) -> float:
    days = _rental_days(start, end)
    price = vehicle.day_rate_eur * days * season_factor(start.date())
    if haversine_km(vehicle.depot.lat, vehicle.depot.lon, dlat, dlon) > PICKUP_RADIUS_KM:
        price += 95.0  # one-way fee
    if age < 25:
        price += 12.5 * days
    return round(price, 2)


def _offers(world: World, plat: float, plon: float, dlat: float, dlon: float, start: datetime, end: datetime,
            age: int) -> list[tuple[Vehicle, float, float]]:
    out = []
    for city in CITIES:
        if haversine_km(plat, plon, city.lat, city.lon) > 60:
            continue
        for depot in world.catalog.depots(city.code):
            km = haversine_km(plat, plon, depot.lat, depot.lon)
            if km > PICKUP_RADIUS_KM:
                continue
            for vehicle in world.catalog.vehicles(depot):
                if age < 25 and vehicle.group.startswith("Premium"):
                    continue
                out.append((vehicle, _quote(vehicle, start, end, dlat, dlon, age), round(km, 2)))
    return out


def _car_body(world: World, vehicle: Vehicle, price: float, km: float, currency: str, full: bool) -> dict[str, Any]:
    detail = 3 if full else world.detail
    depot: Depot = vehicle.depot
    body: dict[str, Any] = {
        "vehicle_id": vehicle.vehicle_id,
        "vehicle_info": {"v_name": vehicle.model, "group": vehicle.group, "seats": vehicle.seats,
                         "doors": vehicle.doors, "transmission": vehicle.transmission, "aircon": vehicle.aircon,
                         "suitcases": {"big": vehicle.bags // 2, "small": vehicle.bags - vehicle.bags // 2},
                         "mileage": vehicle.mileage, "fuel_policy": vehicle.fuel_policy},
        "supplier_info": {"name": depot.supplier, "rating": depot.rating, "address": depot.name,
                          "latitude": depot.lat, "longitude": depot.lon, "distance_km": km,
                          "location_type": "IN_TERMINAL" if depot.at_airport else "CITY"},
        "pricing_info": {"price": world.catalog.convert(price, currency), "currency": currency,
                         "deposit": world.catalog.convert(vehicle.deposit_eur, currency)},
    }
    if detail >= 1:
        body["content"] = {"badges": [b for b, ok in (("Free cancellation", True), ("Great value", price < 150),
                                                      ("Top rated supplier", depot.rating >= 8.5)) if ok]}
    if world.size >= 3 and not full:
        body["customerReviews"] = snippets(world.catalog.rng("snippets", depot.depot_id, vehicle.vehicle_id),
                                           world.size // 2, depot.rating)
    if detail >= 2:
        body["rental_conditions"] = ("Driver must hold a full licence for at least 1 year. A credit card in the main "
                                     "driver's name is required for the deposit. Cross-border travel needs prior "
                                     "approval. Additional drivers cost extra at the counter.")
    if detail >= 3:
        body["insurance"] = {"collision_damage_waiver": True, "theft_protection": True,
                             "excess": world.catalog.convert(vehicle.deposit_eur * 1.5, currency)}
    return body


def search_car_rentals(world: World, pick_up_latitude: float, pick_up_longitude: float, drop_off_latitude: float,
                       drop_off_longitude: float, pick_up_date: str, pick_up_time: str, drop_off_date: str,
                       drop_off_time: str, driver_age: int | None = None, sort_by: str | None = None,
                       page_number: int | None = None, currency_code: str | None = None) -> ApiResponse:
    start = _when(pick_up_date, pick_up_time, "pick_up")
    end = _when(drop_off_date, drop_off_time, "drop_off")
    if end <= start:
        raise ApiError("drop_off date and time must be after pick_up date and time.", code="INVALID_PERIOD")
    age = 30 if driver_age is None else driver_age
    if age < 18:
        raise ApiError("driver_age must be at least 18.", code="INVALID_AGE")
    if haversine_km(pick_up_latitude, pick_up_longitude, drop_off_latitude, drop_off_longitude) > 400:
        raise ApiError("Drop-off is more than 400 km from pick-up; one-way rentals are limited to 400 km.",
                       code="ONE_WAY_TOO_FAR")
    currency = parse_currency(currency_code)
    plat, plon = round(pick_up_latitude, 3), round(pick_up_longitude, 3)
    dlat, dlon = round(drop_off_latitude, 3), round(drop_off_longitude, 3)
    offers = _offers(world, plat, plon, dlat, dlon, start, end, age)
    order = sort_by or "recommended"
    if order == "price_low_to_high":
        offers.sort(key=lambda o: (o[1], o[0].vehicle_id))
    elif order == "price_high_to_low":
        offers.sort(key=lambda o: (-o[1], o[0].vehicle_id))
    elif order == "distance":
        offers.sort(key=lambda o: (o[2], o[0].vehicle_id))
    elif order == "supplier_rating":
        offers.sort(key=lambda o: (-o[0].depot.rating, o[1], o[0].vehicle_id))
    else:
        offers.sort(key=lambda o: (o[1] / 50 - o[0].depot.rating, o[0].vehicle_id))
    per_page = world.page_size(6)
    page = parse_page(page_number, len(offers), per_page, "page_number")
    shown = offers[(page - 1) * per_page: page * per_page]
    key = _search_key(world, plat, plon, dlat, dlon, start, end, age)
    count = world.page_size(2) if world.size >= 2 else 0
    nearby = []
    if count:
        for city in CITIES:
            for depot in world.catalog.depots(city.code):
                km = haversine_km(plat, plon, depot.lat, depot.lon)
                if PICKUP_RADIUS_KM < km <= 60:
                    nearby += [(v, _quote(v, start, end, dlat, dlon, age), round(km, 2))
                               for v in world.catalog.vehicles(depot)]
        nearby.sort(key=lambda o: (o[1], o[0].vehicle_id))
    payload = {"status": True, "message": "Success", "data": {
        "search_key": key, "count": len(offers), "rental_days": _rental_days(start, end),
        "search_results": [_car_body(world, v, p, km, currency, False) for v, p, km in shown],
        **({"nearby_locations": {"note": "Other depots up to 60 km away; not bookable with this search_key.",
                                 "results": [_car_body(world, v, p, km, currency, False)
                                             for v, p, km in nearby[:count]]}}
           if nearby else {}),
        "page": {"page_number": page, "total_pages": max(1, -(-len(offers) // per_page))}}}
    return ApiResponse(payload, items=[v.vehicle_id for v, _p, _k in shown])


def _find_offer(world: World, vehicle_id: str, search_key: str) -> tuple[Vehicle, float, float, tuple[Any, ...]]:
    key = _decode_key(world, search_key)
    plat, plon, dlat, dlon, start, end, age = key
    for vehicle, price, km in _offers(world, plat, plon, dlat, dlon, start, end, age):
        if vehicle.vehicle_id == str(vehicle_id):
            return vehicle, price, km, key
    raise ApiError(f"vehicle_id {vehicle_id!r} is not part of this search. Copy a vehicle_id from the same "
                   "Search_Car_Rentals response as the search_key.", status=404, code="VEHICLE_NOT_FOUND")


def get_vehicle_details(world: World, vehicle_id: str, search_key: str,
                        currency_code: str | None = None) -> ApiResponse:
    vehicle, price, km, key = _find_offer(world, vehicle_id, search_key)
    body = _car_body(world, vehicle, price, km, parse_currency(currency_code), True)
    body["pick_up"] = {"datetime": iso(key[4]), "location": vehicle.depot.name}
    body["drop_off"] = {"datetime": iso(key[5]), "latitude": key[2], "longitude": key[3]}
    body["cancellation"] = "Free cancellation up to 48 hours before pick-up."
    return ApiResponse({"status": True, "message": "Success", "data": body}, items=[vehicle.vehicle_id])


def book_car(world: World, vehicle_id: str, search_key: str, driver_name: str,
             currency_code: str | None = None) -> ApiResponse:
    vehicle, price, _km, key = _find_offer(world, vehicle_id, search_key)
    if not driver_name.strip():
        raise ApiError("driver_name is required.", code="MISSING_DRIVER")
    currency = parse_currency(currency_code)
    params = {"vehicle_id": vehicle.vehicle_id, "model": vehicle.model, "supplier": vehicle.depot.supplier,
              "pick_up": iso(key[4]), "drop_off": iso(key[5]), "driver_name": driver_name.strip(),
              "driver_age": key[6], "drop_off_latitude": key[2], "drop_off_longitude": key[3]}
    booking = world.book("car", params, price, [])
    return ApiResponse({"status": True, "message": "Booking confirmed", "data": {
        "booking_id": booking.booking_id, "status": "CONFIRMED", "vehicle": vehicle.model,
        "supplier": vehicle.depot.supplier, "pick_up": params["pick_up"], "drop_off": params["drop_off"],
        "price": {"amount": f"{world.catalog.convert(price, currency):.2f}", "currency": currency}}},
        items=[booking.booking_id])


# ---------------------------------------------------------------------- taxis
def taxi_search_location(world: World, query: str) -> ApiResponse:
    words = _words(query)
    out = []
    for city in CITIES:
        for place in world.catalog.places(city.code):
            if all(w in f"{place.name} {city.name}".lower() for w in words):
                out.append({"googlePlaceId": place.place_id, "name": place.name, "type": place.kind.upper(),
                            "city": city.name, "country": city.country, "latitude": place.lat,
                            "longitude": place.lon})
    out = out[: world.page_size(8)]
    return ApiResponse({"status": True, "message": "Success", "data": out},
                       items=[str(d["googlePlaceId"]) for d in out])


# Other pick-up times an aggregator offers next to the requested one, closest first: every quarter hour up to
# three hours either side, then the same time on the neighbouring days. Each is a near miss (same route and
# vehicles, often cheaper), and the list is what lets a taxi response grow to a long target length.
ALTERNATIVE_PICKUPS = (*(timedelta(minutes=sign * 15 * k) for k in range(1, 13) for sign in (-1, 1)),
                       *(timedelta(days=sign * k) for k in (1, 2) for sign in (-1, 1)))


def _alternative_pickups(world: World, when: datetime) -> list[datetime]:
    """One more alternative time per two response sizes (all 28 from size 56), none before the first bookable day."""
    count = min(len(ALTERNATIVE_PICKUPS), world.size // 2) if world.size >= 2 else 0
    return [when + delta for delta in ALTERNATIVE_PICKUPS[:count] if (when + delta).date() >= TODAY]


def search_taxi(world: World, pick_up_place_id: str, drop_off_place_id: str, pick_up_date: str, pick_up_time: str,
                currency_code: str | None = None) -> ApiResponse:
    pickup, dropoff = world.catalog.place(pick_up_place_id), world.catalog.place(drop_off_place_id)
    for name, value, place in (("pick_up_place_id", pick_up_place_id, pickup),
                               ("drop_off_place_id", drop_off_place_id, dropoff)):
        if place is None:
            raise ApiError(f"{name} {value!r} is unknown. Use a googlePlaceId from Taxi_Search_Location.",
                           status=404, code="PLACE_NOT_FOUND")
    assert pickup is not None and dropoff is not None
    if pickup.place_id == dropoff.place_id:
        raise ApiError("Pick-up and drop-off are the same place.", code="SAME_PLACE")
    km = haversine_km(pickup.lat, pickup.lon, dropoff.lat, dropoff.lon)
    if km > 150:
        raise ApiError(f"Pick-up and drop-off are {km:.0f} km apart; taxi transfers are limited to 150 km.",
                       code="TOO_FAR")
    when = _when(pick_up_date, pick_up_time, "pick_up")
    currency = parse_currency(currency_code)
    quotes = sorted(world.catalog.taxi_quotes(pickup, dropoff, when), key=lambda q: (q.price_eur, q.result_id))
    results = []
    for q in quotes:
        row: dict[str, Any] = {"resultId": q.result_id, "vehicleType": q.category, "supplierName": q.supplier,
                               "maxPassenger": q.seats, "bags": q.bags,
                               "price": {"amount": f"{world.catalog.convert(q.price_eur, currency):.2f}",
                                         "currencyCode": currency},
                               "drivingDistance": q.km, "duration": q.minutes}
        if world.detail >= 1:
            row["cancellationPolicy"] = f"Free cancellation up to {q.cancellation_hours} hour(s) before pick-up."
            row["meetAndGreet"] = pickup.kind == "airport"
        if world.size >= 3:
            row["passengerReviews"] = snippets(world.catalog.rng("snippets", q.supplier, q.category), world.size, 8.0)
        if world.detail >= 2:
            row["description"] = (f"{q.category} car for up to {q.seats} passengers and {q.bags} bags. The driver "
                                  "tracks your flight and waits up to 45 minutes after landing at no extra cost.")
        results.append(row)
    alternatives = []
    for moment in _alternative_pickups(world, when):
        for q in sorted(world.catalog.taxi_quotes(pickup, dropoff, moment), key=lambda q: (q.price_eur, q.result_id)):
            alt: dict[str, Any] = {"resultId": q.result_id, "pickupDateTime": iso(moment), "vehicleType": q.category,
                                   "supplierName": q.supplier, "maxPassenger": q.seats, "bags": q.bags,
                                   "price": {"amount": f"{world.catalog.convert(q.price_eur, currency):.2f}",
                                             "currencyCode": currency}}
            if world.size >= 8:
                alt["passengerReviews"] = snippets(world.catalog.rng("snippets", q.supplier, q.category, "alt"),
                                                   world.size // 8, 8.0)
            alternatives.append(alt)
    payload = {"status": True, "message": "Success", "data": {
        **({"alternativePickupTimes": alternatives} if alternatives else {}),
        "journeys": [{
        "pickupLocation": {"name": pickup.name, "googlePlaceId": pickup.place_id},
        "dropoffLocation": {"name": dropoff.name, "googlePlaceId": dropoff.place_id},
        "requestedPickupDateTime": iso(when)}], "results": results}}
    return ApiResponse(payload, items=[q.result_id for q in quotes])


def book_taxi(world: World, result_id: str, passenger_name: str, passengers: int | None = None,
              flight_number: str | None = None, currency_code: str | None = None) -> ApiResponse:
    found = world.catalog.taxi_by_id(result_id)
    if found is None:
        raise ApiError("resultId is invalid or expired. Copy one from Search_Taxi.", status=404,
                       code="RESULT_NOT_FOUND")
    pickup, dropoff, when, quote = found
    party = passengers or 1
    if party > quote.seats:
        raise ApiError(f"{quote.category} takes at most {quote.seats} passengers; {party} requested.",
                       code="TOO_MANY_PASSENGERS")
    if not passenger_name.strip():
        raise ApiError("passenger_name is required.", code="MISSING_PASSENGER")
    currency = parse_currency(currency_code)
    params = {"result_id": result_id, "category": quote.category, "pick_up_place_id": pickup.place_id,
              "drop_off_place_id": dropoff.place_id, "pick_up": iso(when), "passenger_name": passenger_name.strip(),
              "passengers": party, "flight_number": (flight_number or "").strip().upper() or None}
    booking = world.book("taxi", params, quote.price_eur, [])
    return ApiResponse({"status": True, "message": "Booking confirmed", "data": {
        "booking_id": booking.booking_id, "status": "CONFIRMED", "vehicleType": quote.category,
        "pickup": pickup.name, "dropoff": dropoff.name, "pickupDateTime": iso(when),
        "price": {"amount": f"{world.catalog.convert(quote.price_eur, currency):.2f}", "currencyCode": currency}}},
        items=[booking.booking_id])


HANDLERS = {"Search_Car_Location": search_car_location, "Search_Car_Rentals": search_car_rentals,
            "Get_Vehicle_Details": get_vehicle_details, "Book_Car": book_car,
            "Taxi_Search_Location": taxi_search_location, "Search_Taxi": search_taxi, "Book_Taxi": book_taxi}
