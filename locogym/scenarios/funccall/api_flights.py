"""Flight APIs: location look-up, offer search with sort and paging, a price calendar, details, seat maps, booking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from locogym.scenarios.funccall.catalog import TODAY, FlightOffer
from locogym.scenarios.funccall.geo import AIRPORT_BY_IATA, CITIES, CITY_BY_CODE
from locogym.scenarios.funccall.text import fare_rules
from locogym.scenarios.funccall.world import (
    ApiError,
    ApiResponse,
    World,
    iso,
    parse_currency,
    parse_date,
    parse_page,
)


def money(world: World, eur: float, currency: str) -> dict[str, Any]:
    """Booking-style money: currency, whole units and nanos (several APIs in this world use other forms)."""
    value = world.catalog.convert(eur, currency)
    units = int(value)
    return {"currencyCode": currency, "units": units, "nanos": int(round((value - units) * 100)) * 10_000_000}


def _matches(query: str, *fields: str) -> bool:
    words = [w for w in query.lower().replace(",", " ").split() if len(w) >= 2]
    text = " ".join(fields).lower()
    return bool(words) and all(w in text for w in words)


def search_flight_location(world: World, query: str) -> ApiResponse:
    if not query.strip():
        raise ApiError("query must not be empty.", code="MISSING_QUERY")
    data = []
    for city in CITIES:
        city_hit = _matches(query, city.name, city.country, city.code)
        for airport in city.airports:
            if city_hit or _matches(query, airport.name, airport.iata):
                data.append({"id": f"{airport.iata}.AIRPORT", "type": "AIRPORT", "name": airport.name,
                             "code": airport.iata, "city": city.code, "cityName": city.name,
                             "country": city.country_code.upper(), "countryName": city.country,
                             **({"distanceToCity": {"value": round(((airport.lat - city.lat) ** 2
                                                                    + (airport.lon - city.lon) ** 2)
                                                                   ** 0.5 * 90, 1),
                                                    "unit": "km"},
                                 "photoUri": f"https://img.example/airport/{airport.iata.lower()}.jpg"}
                                if world.detail >= 1 else {})})
        if city_hit:
            data.insert(len(data) - len(city.airports), {"id": f"{city.code}.CITY", "type": "CITY", "name": city.name,
                                                          "code": city.code, "cityName": city.name,
                                                          "country": city.country_code.upper(),
                                                          "countryName": city.country})
    return ApiResponse({"status": True, "message": "Success", "data": data}, items=[str(d["id"]) for d in data])


def resolve_location(value: str, name: str) -> list[str]:
    """Airport codes behind a location id ("CDG.AIRPORT" or "PAR.CITY")."""
    code, _, kind = str(value).strip().upper().partition(".")
    if kind == "AIRPORT" and code in AIRPORT_BY_IATA and code in {a.iata for c in CITIES for a in c.airports}:
        return [code]
    if kind == "CITY" and code in CITY_BY_CODE:
        return [a.iata for a in CITY_BY_CODE[code].airports]
    raise ApiError(f"{name} {value!r} is not a valid location id. Use an id returned by Search_Flight_Location, "
                   f"such as \"CDG.AIRPORT\" or \"PAR.CITY\".", code="INVALID_LOCATION")


def _airport(code: str) -> dict[str, Any]:
    a = AIRPORT_BY_IATA[code]
    city = CITY_BY_CODE.get(a.city)
    return {"type": "AIRPORT", "code": a.iata, "name": a.name, "cityName": city.name if city else "Frankfurt",
            "countryName": city.country if city else "Germany"}


def offer_body(world: World, offer: FlightOffer, cabin: str, adults: int, currency: str, full: bool) -> dict[str, Any]:
    detail = 3 if full else world.detail
    legs = []
    for leg in offer.legs:
        # the compact view names a leg's airports by code only (the segment above names its two ends in full)
        origin, destination = ((_airport(leg.origin), _airport(leg.destination)) if detail >= 1
                               else ({"code": leg.origin}, {"code": leg.destination}))
        body: dict[str, Any] = {"departureTime": iso(leg.depart), "arrivalTime": iso(leg.arrive),
                                "departureAirport": origin, "arrivalAirport": destination,
                                "flightInfo": {"flightNumber": leg.flight_number,
                                               "carrierInfo": {"operatingCarrier": leg.carrier_code,
                                                               "marketingCarrier": offer.carrier_code}},
                                "totalTime": leg.minutes * 60}
        if detail >= 1:
            body["carriersData"] = [{"name": leg.carrier, "code": leg.carrier_code,
                                     "logo": f"https://img.example/airlines/{leg.carrier_code}.png"}]
            body["cabinClass"] = cabin
            body["flightStops"] = []
        if detail >= 2:
            body["amenities"] = [{"category": "WIFI", "cost": "PAID"}, {"category": "POWER", "cost": "FREE"},
                                 {"category": "MEAL", "cost": "FREE" if cabin != "ECONOMY" else "PAID"}]
            body["aircraft"] = leg.aircraft
        legs.append(body)
    price = offer.price_eur[cabin] * adults
    out: dict[str, Any] = {
        "token": offer.token,
        "segments": [{"departureAirport": _airport(offer.origin), "arrivalAirport": _airport(offer.destination),
                      "departureTime": iso(offer.depart), "arrivalTime": iso(offer.arrive), "legs": legs,
                      "totalTime": offer.total_minutes * 60}],
        "stops": offer.stops,
        "cabinClass": cabin,
        "priceBreakdown": {"total": money(world, price, currency),
                           "baseFare": money(world, price * 0.78, currency),
                           "tax": money(world, price - round(price * 0.78, 2), currency)},
        "tripType": "ONEWAY",
    }
    if detail >= 1:
        out["includedProducts"] = {"checkedBaggage": {"pieces": offer.checked_bags, "maxWeightPerPiece": 23},
                                   "cabinBaggage": {"pieces": 1, "maxWeightPerPiece": 8}}
        out["brandedFareInfo"] = {"fareName": "Flex" if offer.refundable else "Light",
                                  "refundable": offer.refundable}
    if detail >= 2:
        out["fareRules"] = fare_rules(offer.carrier, offer.refundable, offer.checked_bags, detail)
        out["carbonEmissions"] = {"footprintForOffer": offer.co2_kg * adults, "unit": "kg"}
    if world.size >= 3 and not full:
        rng = world.catalog.rng("history", offer.token, cabin)
        out["priceHistory"] = [{"observed": f"2025-12-{1 + i % 28:02d}T{(7 * i) % 24:02d}:00:00",
                                "price": money(world,
                                               offer.price_eur[cabin] * adults * rng.uniform(0.85, 1.3),
                                               currency)}
                               for i in range(world.size // 2)]
    if detail >= 3:
        out["extraProducts"] = [{"type": "checkedInBaggage", "price": money(world, offer.bag_fee_eur, currency)},
                                {"type": "flexibleTicket", "price": money(world, price * 0.18, currency)}]
        out["travellerPrices"] = [{"travellerType": "ADULT", "travellerReference": str(i + 1),
                                   "price": money(world, offer.price_eur[cabin], currency)} for i in range(adults)]
    return out


def _offers(world: World, from_id: str, to_id: str, day: Any, cabin: str) -> list[FlightOffer]:
    origins, destinations = resolve_location(from_id, "fromId"), resolve_location(to_id, "toId")
    offers = [o for a in origins for b in destinations for o in world.catalog.flights(a, b, day) if cabin in o.cabins]
    return offers


def search_flights(world: World, fromId: str, toId: str, departDate: str, pageNo: int | None = None,
                   adults: int | None = None, sort: str | None = None, cabinClass: str | None = None,
                   maxStops: int | None = None, currency_code: str | None = None) -> ApiResponse:
    day = parse_date(departDate, "departDate")
    cabin, adults_n, currency = cabinClass or "ECONOMY", adults or 1, parse_currency(currency_code)
    offers = _offers(world, fromId, toId, day, cabin)
    all_offers = list(offers)
    if maxStops is not None:
        offers = [o for o in offers if o.stops <= maxStops]
    order = sort or "BEST"
    if order == "CHEAPEST":
        offers.sort(key=lambda o: (o.price_eur[cabin], o.token))
    elif order == "FASTEST":
        offers.sort(key=lambda o: (o.total_minutes, o.token))
    else:
        offers.sort(key=lambda o: (o.price_eur[cabin] / 100 + o.total_minutes / 60 + 1.5 * o.stops, o.token))
    per_page = world.page_size(5)
    page = parse_page(pageNo, len(offers), per_page, "pageNo")
    shown = offers[(page - 1) * per_page: page * per_page]
    stops = [{"numberOfStops": n, "count": sum(1 for o in all_offers if o.stops == n),
              "minPrice": money(world, min(o.price_eur[cabin] for o in all_offers if o.stops == n) * adults_n,
                                currency)}
             for n in (0, 1, 2) if any(o.stops == n for o in all_offers)]
    airlines = sorted({o.carrier for o in all_offers})
    payload = {"status": True, "message": "Success", "data": {
        **_alternatives(world, fromId, toId, day, cabin, adults_n, currency),
        "aggregation": {"totalCount": len(all_offers), "filteredTotalCount": len(offers), "stops": stops,
                        "airlines": [{"name": n, "count": sum(1 for o in all_offers if o.carrier == n)}
                                     for n in airlines]},
        "flightOffers": [offer_body(world, o, cabin, adults_n, currency, False) for o in shown],
        "page": {"pageNo": page, "pageSize": per_page, "totalPages": max(1, -(-len(offers) // per_page))},
    }}
    return ApiResponse(payload, items=[o.token for o in shown])


def _alternatives(world: World, from_id: str, to_id: str, day: Any, cabin: str, adults: int,
                  currency: str) -> dict[str, Any]:
    """Near misses shown at larger response sizes: offers of the same route on the days either side."""
    count = world.page_size(2) if world.size >= 2 else 0
    if not count:
        return {}
    others: list[FlightOffer] = []
    for delta in (-1, 1):
        other = day + timedelta(days=delta)
        if other >= TODAY:
            others += _offers(world, from_id, to_id, other, cabin)
    others.sort(key=lambda o: (o.price_eur[cabin], o.token))
    return {"flexibleDateOffers": [{"departDate": o.day.isoformat(),
                                    **offer_body(world, o, cabin, adults, currency, False)}
                                   for o in others[:count]]}


def get_min_price(world: World, fromId: str, toId: str, departDate: str, cabinClass: str | None = None,
                  currency_code: str | None = None) -> ApiResponse:
    day = parse_date(departDate, "departDate")
    cabin, currency = cabinClass or "ECONOMY", parse_currency(currency_code)
    rows: list[dict[str, Any]] = []
    for delta in range(-3, 4):
        other = day + timedelta(days=delta)
        try:
            parse_date(other.isoformat(), "departDate")
        except ApiError:
            continue
        offers = _offers(world, fromId, toId, other, cabin)
        if offers:
            rows.append({"day": other.strftime("%d %b %Y"), "isCheapest": False,
                         "price": money(world, min(o.price_eur[cabin] for o in offers), currency)})
    if rows:
        cheapest = min(range(len(rows)),
                       key=lambda i: rows[i]["price"]["units"] * 100 + rows[i]["price"]["nanos"] // 10**7)
        rows[cheapest]["isCheapest"] = True
    return ApiResponse({"status": True, "message": "Success", "data": rows}, items=[r["day"] for r in rows])


def _offer(world: World, token: str) -> FlightOffer:
    offer = world.catalog.flight_by_token(token)
    if offer is None:
        raise ApiError("Invalid or expired token. Search again with Search_Flights and copy an offer's token.",
                       status=404, code="TOKEN_NOT_FOUND")
    return offer


def get_flight_details(world: World, token: str, currency_code: str | None = None) -> ApiResponse:
    offer = _offer(world, token)
    currency = parse_currency(currency_code)
    body = offer_body(world, offer, "ECONOMY", 1, currency, True)
    body["cabinPrices"] = [{"cabinClass": c, "price": money(world, offer.price_eur[c], currency)} for c in offer.cabins]
    body["seatAvailability"] = {"numberOfSeatsAvailable": sum(
        1 for s, _p, _x, free in world.catalog.seat_map(offer, "ECONOMY") if free
        and not world.taken(f"seat|{offer.token}|ECONOMY|{s}"))}
    return ApiResponse({"status": True, "message": "Success", "data": body}, items=[offer.token])


def _cabin(offer: FlightOffer, cabin: str) -> str:
    if cabin not in offer.cabins:
        raise ApiError(f"cabinClass {cabin} is not offered on this flight; offered: {', '.join(offer.cabins)}.",
                       code="CABIN_NOT_OFFERED")
    return cabin


def get_seat_map(world: World, token: str, cabinClass: str | None = None,
                 currency_code: str | None = None) -> ApiResponse:
    """The cabin's seats by row. The compact view (the smallest response sizes) lists only the seats still free:
    a whole economy cabin is close to 5,000 tokens, more than the shortest rung of the length ladder holds."""
    offer = _offer(world, token)
    cabin, currency = _cabin(offer, cabinClass or "ECONOMY"), parse_currency(currency_code)
    rows: dict[int, list[dict[str, Any]]] = {}
    for seat, position, extra, free in world.catalog.seat_map(offer, cabin):
        available = free and not world.taken(f"seat|{offer.token}|{cabin}|{seat}")
        if world.detail == 0 and not available:
            continue  # the compact view lists the seats one can still take
        entry: dict[str, Any] = {"seatNumber": seat, "type": position, "available": available}
        if world.detail >= 1 or extra:
            entry["price"] = money(world, extra, currency)
        rows.setdefault(int(seat[:-1]), []).append(entry)
    payload = {"status": True, "message": "Success", "data": {
        "flightNumber": offer.legs[0].flight_number, "cabinClass": cabin, "aircraft": offer.legs[0].aircraft,
        "seatMap": [{"rowNumber": r, "exitRow": r in (14, 15), "seats": s} for r, s in sorted(rows.items())],
        **({"view": "available seats only"} if world.detail == 0 else {})}}
    return ApiResponse(payload, items=[e["seatNumber"] for s in rows.values() for e in s if e["available"]])


def book_flight(world: World, token: str, passenger_name: str, cabinClass: str | None = None, seat: str | None = None,
                currency_code: str | None = None) -> ApiResponse:
    offer = _offer(world, token)
    cabin, currency = _cabin(offer, cabinClass or "ECONOMY"), parse_currency(currency_code)
    if not passenger_name.strip():
        raise ApiError("passenger_name is required for ticketing.", code="MISSING_PASSENGER")
    inventory = []
    extra = 0.0
    if seat:
        seat = seat.strip().upper()
        found = [s for s in world.catalog.seat_map(offer, cabin) if s[0] == seat]
        if not found:
            raise ApiError(f"Seat {seat} does not exist in {cabin} on this flight.", code="SEAT_NOT_FOUND")
        key = f"seat|{offer.token}|{cabin}|{seat}"
        if not found[0][3] or world.taken(key):
            raise ApiError(f"Seat {seat} is no longer available. Pick another seat from Get_Seat_Map.",
                           status=409, code="SEAT_UNAVAILABLE")
        inventory.append((key, 1))
        extra = found[0][2]
    params = {"token": offer.token, "flight_numbers": [leg.flight_number for leg in offer.legs], "cabin": cabin,
              "seat": seat, "passenger_name": passenger_name.strip(), "origin": offer.origin,
              "destination": offer.destination, "depart": iso(offer.depart), "arrive": iso(offer.arrive)}
    price = offer.price_eur[cabin] + extra
    booking = world.book("flight", params, price, inventory)
    payload = {"status": True, "message": "Booking confirmed", "data": {
        "booking_id": booking.booking_id, "bookingStatus": "CONFIRMED", "passenger": passenger_name.strip(),
        "flightNumbers": params["flight_numbers"], "departureTime": params["depart"], "arrivalTime": params["arrive"],
        "cabinClass": cabin, "seat": seat, "total": money(world, price, currency)}}
    return ApiResponse(payload, items=[booking.booking_id])


HANDLERS = {"Search_Flight_Location": search_flight_location, "Search_Flights": search_flights,
            "Get_Min_Price": get_min_price, "Get_Flight_Details": get_flight_details, "Get_Seat_Map": get_seat_map,
            "Book_Flight": book_flight}
