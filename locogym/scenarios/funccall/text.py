"""Seeded prose for long responses: descriptions, fare rules, policies and reviews built from phrase banks.

The texts carry the item's real attributes (so reading them is never wasted) wrapped in the boilerplate that
makes real travel APIs long.
"""

from __future__ import annotations

import random

REVIEW_PROS = ("The location was perfect for exploring on foot.", "Staff were friendly and quick to help.",
               "Breakfast had plenty of choice and fresh fruit.", "The bed was very comfortable.",
               "Spotless room and bathroom.", "Great value for the price.", "Quiet at night despite the central spot.",
               "Check-in was fast and the lobby is lovely.", "Close to the metro and the main sights.",
               "The view from the upper floors is wonderful.")
REVIEW_CONS = ("The walls are a bit thin.", "WiFi was slow in the evenings.", "The shower pressure was weak.",
               "Breakfast is expensive if not included.", "The room was smaller than the photos suggest.",
               "Street noise in rooms facing the front.", "Lift was out of order one day.",
               "Air conditioning was hard to adjust.", "Parking is limited and costly.", "Nothing to complain about.")
FIRST_NAMES = ("Ana", "Ben", "Chiara", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
               "Liam", "Maya", "Nils", "Olivia", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
               "Wen", "Ximena", "Yusuf", "Zoe")
LAST_NAMES = ("Ortiz", "Keller", "Rossi", "Novak", "Haddad", "Lindqvist", "Moreau", "Tanaka", "Silva", "Brennan",
              "Kowalski", "Dubois", "Okafor", "Jensen", "Marino", "Fischer", "Costa", "Nakamura", "Petrov", "Walsh")
COUNTRIES = ("Germany", "France", "United Kingdom", "Spain", "Italy", "United States", "Japan", "Brazil",
             "Netherlands", "Canada", "Australia", "Poland", "Sweden", "India", "Ireland")


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def fare_rules(carrier: str, refundable: bool, bags: int, detail: int) -> str:
    parts = [f"Fare conditions of {carrier}.",
             "Changes: permitted before departure for a fee of 60 EUR plus any fare difference." if refundable
             else "Changes: not permitted after ticketing.",
             "Cancellation: refundable minus a 40 EUR service fee." if refundable
             else "Cancellation: non-refundable; taxes may be reclaimed on request.",
             f"Checked baggage: {bags} piece(s) of 23 kg included." if bags
             else "Checked baggage: not included; can be added during booking.",
             "Cabin baggage: 1 personal item (40x30x15 cm) and 1 cabin bag up to 8 kg."]
    if detail >= 2:
        parts += ["No-show: if a segment is not used, all subsequent segments are cancelled automatically.",
                  "Name changes are not allowed. Tickets are valid for travel only on the flights shown.",
                  "Special assistance must be requested at least 48 hours before departure.",
                  "Fares include all mandatory taxes and carrier-imposed surcharges at the time of booking."]
    if detail >= 3:
        parts += ["Minors travelling alone are subject to the carrier's unaccompanied minor service and fee.",
                  "Sporting equipment counts against the checked allowance unless declared as special baggage.",
                  "Travel documents are the passenger's responsibility; check entry rules before departure."]
    return " ".join(parts)


def hotel_description(name: str, stars: int, district: str, city: str, facilities: list[str], detail: int) -> str:
    text = (f"{name} is a {stars}-star property in the {district} area of {city}. "
            f"Guests can enjoy {', '.join(facilities[:6]).lower() or 'a simple, quiet stay'}.")
    if detail >= 1:
        text += (" Every room has a wardrobe, a desk and a private bathroom with a shower, and some units offer "
                 "a seating area. Bed linen and towels are provided, and the property is cleaned daily.")
    if detail >= 2:
        text += (f" Popular points of interest near {name} include the main square, the central station and the "
                 "old market. The nearest airport is reachable by public transport or taxi. Couples in particular "
                 "like the location and rate it highly for a trip for two.")
    if detail >= 3:
        text += (" The front desk can arrange tours, luggage storage and late check-out on request, subject to "
                 "availability. Please note that the property may pre-authorise the first night on arrival.")
    return text


def review(rng: random.Random, score: float, detail: int) -> dict[str, object]:
    value = max(1.0, min(10.0, round(rng.gauss(score, 1.1), 1)))
    body = {"reviewer": {"name": rng.choice(FIRST_NAMES), "countrycode": rng.choice(COUNTRIES)},
            "average_score": value, "title": rng.choice(("Exceptional", "Very good", "Good stay", "Pleasant",
                                                        "Okay", "Disappointing", "Would come back")),
            "pros": rng.choice(REVIEW_PROS)}
    body["cons"] = rng.choice(REVIEW_CONS)
    if detail >= 1:
        body["pros"] = " ".join(rng.sample(REVIEW_PROS, 2 + detail))
        body["travel_purpose"] = rng.choice(("leisure", "business"))
        body["tags"] = rng.sample(("Couple", "Solo traveller", "Family with young children", "Group",
                                   "Stayed 2 nights", "Stayed 3 nights", "Submitted via mobile"), 2)
    return body


def attraction_description(name: str, kind: str, city: str, minutes: int, detail: int) -> str:
    text = f"{name}: a {minutes}-minute {kind.lower()} experience in {city}."
    if detail >= 1:
        text += (" Skip the queues with a timed-entry ticket, discover the highlights with expert insight and "
                 "take your time at the end to explore on your own.")
    if detail >= 2:
        text += (" The meeting point is shown on your ticket. Wheelchair users should contact the operator in "
                 "advance. Comfortable shoes and weather-appropriate clothing are recommended.")
    if detail >= 3:
        text += (" Tickets are mobile; you can show them on your phone. Large bags are not allowed and must be "
                 "left in the lockers near the entrance, which require a coin deposit.")
    return text


def snippets(rng: random.Random, count: int, score: float) -> list[dict[str, object]]:
    """Short review snippets that list cards carry at larger response sizes (real search APIs embed them too)."""
    out: list[dict[str, object]] = []
    for i in range(count):
        out.append({"author": f"{rng.choice(FIRST_NAMES)} ({rng.choice(COUNTRIES)})",
                    "rating": max(1.0, min(10.0, round(rng.gauss(score, 1.0), 1))),
                    "text": f"{rng.choice(REVIEW_PROS)} {rng.choice(REVIEW_CONS)}",
                    "date": f"2025-{1 + (i * 5) % 12:02d}-{1 + (i * 11) % 28:02d}"})
    return out
