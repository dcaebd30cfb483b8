"""The stateful travel world an episode acts on: the seeded catalog plus bookings and the inventory they use.

APIs read the catalog through the world (so that sold seats, rooms and slots disappear once booked) and change
it only through :meth:`World.book` and :meth:`World.cancel`. ``response_size`` scales how much every response
shows (results per page, detail per item), so the same task can be played at 8k or at 128k tokens of context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from locogym.core.types import stable_hash
from locogym.scenarios.funccall.catalog import CURRENCY_PER_EUR, LAST_DAY, TODAY, Catalog


class ApiError(Exception):
    """A simulated API rejected a call; ``message`` reads like the provider's own error body."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass
class ApiResponse:
    """A response body plus what scoring needs: the ids of its result set and the values it introduced."""

    payload: Any
    items: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


@dataclass
class Booking:
    booking_id: str
    kind: str  # flight, hotel, car, attraction, taxi
    status: str  # confirmed, cancelled
    params: dict[str, Any]
    price_eur: float
    seq: int
    preexisting: bool = False
    history: list[str] = field(default_factory=lambda: ["booked"])  # every change, in order: booked, cancelled

    def as_dict(self) -> dict[str, Any]:
        return {"booking_id": self.booking_id, "kind": self.kind, "status": self.status, "params": self.params,
                "price_eur": self.price_eur, "seq": self.seq, "preexisting": self.preexisting,
                "history": list(self.history)}


@dataclass
class World:
    """One episode's world. ``size`` is the response-size scale (1 = compact)."""

    catalog: Catalog
    size: int = 1
    bookings: list[Booking] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)  # inventory key -> units taken by bookings
    calls: int = 0

    # ------------------------------------------------------------------ response shaping
    def page_size(self, base: int) -> int:
        """Results per page at this response size: ``base`` at size 1, growing linearly."""
        return max(1, base * self.size)

    @property
    def detail(self) -> int:
        """0 compact, 1 with descriptive fields, 2 with long texts, 3 with everything. The first two sizes stay
        compact (the second only lists more), so that short targets have a size between "bare" and "detailed"."""
        return 0 if self.size <= 2 else 1 if self.size <= 4 else 2 if self.size <= 8 else 3

    # ------------------------------------------------------------------ inventory
    def taken(self, key: str) -> int:
        return self.used.get(key, 0)

    def take(self, key: str, units: int = 1) -> None:
        self.used[key] = self.used.get(key, 0) + units

    # ------------------------------------------------------------------ bookings
    def book(self, kind: str, params: dict[str, Any], price_eur: float, inventory: list[tuple[str, int]],
             preexisting: bool = False) -> Booking:
        seq = len(self.bookings) + 1
        booking_id = f"{kind[:2].upper()}{stable_hash([self.catalog.seed, kind, params, seq], 10).upper()}"
        booking = Booking(booking_id, kind, "confirmed", params, round(price_eur, 2), seq, preexisting)
        for key, units in inventory:
            self.take(key, units)
        booking.params["_inventory"] = [[k, u] for k, u in inventory]
        self.bookings.append(booking)
        return booking

    def find_booking(self, booking_id: str) -> Booking | None:
        for booking in self.bookings:
            if booking.booking_id == booking_id:
                return booking
        return None

    def cancel(self, booking: Booking) -> None:
        booking.status = "cancelled"
        booking.history.append("cancelled")
        for key, units in booking.params.get("_inventory", []):
            self.used[key] = max(0, self.used.get(key, 0) - int(units))

    def snapshot(self) -> dict[str, Any]:
        """The final state the grader reads (stored in the trajectory)."""
        return {"bookings": [b.as_dict() for b in self.bookings], "calls": self.calls}


# ---------------------------------------------------------------------- argument parsing with API-like errors
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_date(value: Any, name: str, earliest: date = TODAY) -> date:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise ApiError(f"{name}: invalid date {value!r}; expected format yyyy-mm-dd (e.g. 2026-03-14).",
                       code="INVALID_DATE")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(f"{name}: {value!r} is not a calendar date.", code="INVALID_DATE") from None
    if day < earliest:
        raise ApiError(f"{name} {day.isoformat()} is in the past (today is {earliest.isoformat()}).",
                       code="DATE_IN_PAST")
    if day > LAST_DAY:
        raise ApiError(f"{name} {day.isoformat()} is beyond the booking horizon ({LAST_DAY.isoformat()}).",
                       code="DATE_OUT_OF_RANGE")
    return day


def parse_time(value: Any, name: str) -> time:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ApiError(f"{name}: invalid time {value!r}; expected HH:MM in 24-hour format (e.g. 09:30).",
                       code="INVALID_TIME")
    return time(int(match.group(1)), int(match.group(2)))


def parse_currency(value: Any, default: str = "EUR") -> str:
    if value in (None, ""):
        return default
    code = str(value).strip().upper()
    if code not in CURRENCY_PER_EUR:
        raise ApiError(f"currency_code {value!r} is not supported. Supported: {', '.join(sorted(CURRENCY_PER_EUR))}.",
                       code="UNSUPPORTED_CURRENCY")
    return code


def parse_page(value: Any, total: int, per_page: int, name: str = "page") -> int:
    page = 1 if value in (None, "") else int(value)
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise ApiError(f"{name} {page} is out of range: there are {pages} page(s) of results.",
                       code="PAGE_OUT_OF_RANGE")
    return page


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
