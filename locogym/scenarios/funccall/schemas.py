"""Argument models of the simulated travel APIs (one pydantic model per endpoint) and their descriptions.

The world validates calls with them (the oracle planner, argument normalisation, grading) and the tools expose
them as JSON Schema. Models are strict, as a real API and the ComplexFuncBench replay are: an unknown parameter is
rejected (graded a hallucinated parameter), and a value of the wrong JSON type is an error the agent is shown,
never coerced: ``"2"`` or ``2.0`` or ``true`` for an integer, ``"12.5"`` for a number. Codes are spelled as the
API spells them (``pattern`` in the schema): currencies and location ids in capitals (``USD``, ``AMS.AIRPORT``),
seats as ``14A``. Free text (names, queries) is free text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from locogym.core.args import ToolArgs
from locogym.scenarios.funccall.apis import HANDLERS

CURRENCY_CODE = r"^[A-Z]{3}$"
LOCATION_ID = r"^[A-Z]{3}\.(AIRPORT|CITY)$"
SEAT = r"^[0-9]{1,2}[A-Z]$"
Currency = Field(default=None, pattern=CURRENCY_CODE,
                 description="ISO 4217 code of the prices in the response, in capitals (default EUR).")
Date = "Date in yyyy-mm-dd format."


class ApiArgs(ToolArgs):
    """Every API's arguments: no coercion between JSON types (see the module docstring)."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class QueryArgs(ApiArgs):
    query: str = Field(description="Free-text place name, e.g. a city, an airport or a landmark.")


# ---------------------------------------------------------------------- flights
class SearchFlightsArgs(ApiArgs):
    fromId: str = Field(pattern=LOCATION_ID, description='Departure location id from Search_Flight_Location, e.g. '
                                                         '"CDG.AIRPORT" or "PAR.CITY".')
    toId: str = Field(pattern=LOCATION_ID, description="Arrival location id from Search_Flight_Location.")
    departDate: str = Field(description=Date)
    pageNo: int | None = Field(default=None, ge=1, description="Page of results, from 1.")
    adults: int | None = Field(default=None, ge=1, le=9, description="Number of adult passengers (default 1).")
    sort: Literal["BEST", "CHEAPEST", "FASTEST"] | None = Field(default=None, description="Sort order (default BEST).")
    cabinClass: Literal["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"] | None = Field(default=None)
    maxStops: int | None = Field(default=None, ge=0, le=2, description="Only offers with at most this many stops.")
    currency_code: str | None = Currency


class MinPriceArgs(ApiArgs):
    fromId: str = Field(pattern=LOCATION_ID, description="Departure location id.")
    toId: str = Field(pattern=LOCATION_ID, description="Arrival location id.")
    departDate: str = Field(description=Date + " The calendar covers three days either side.")
    cabinClass: Literal["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"] | None = None
    currency_code: str | None = Currency


class TokenArgs(ApiArgs):
    token: str = Field(description="The offer token copied from Search_Flights.")
    currency_code: str | None = Currency


class SeatMapArgs(TokenArgs):
    cabinClass: Literal["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"] | None = None


class BookFlightArgs(SeatMapArgs):
    passenger_name: str = Field(description="Full name of the passenger as on the passport.")
    seat: str | None = Field(default=None, pattern=SEAT, description='Seat to reserve, e.g. "14A" (from Get_Seat_Map).')


# ---------------------------------------------------------------------- hotels
class DestArgs(ApiArgs):
    dest_id: str = Field(description="dest_id from Search_Hotel_Destination.")
    search_type: Literal["CITY", "DISTRICT", "HOTEL"] = Field(description="search_type from Search_Hotel_Destination.")
    arrival_date: str = Field(description="Check-in date, yyyy-mm-dd.")
    departure_date: str = Field(description="Check-out date, yyyy-mm-dd.")


class HotelFilterArgs(DestArgs):
    adults: int | None = Field(default=None, ge=1, le=30)
    room_qty: int | None = Field(default=None, ge=1, le=10)


class SearchHotelsArgs(HotelFilterArgs):
    page_number: int | None = Field(default=None, ge=1)
    price_min: float | None = Field(default=None, ge=0, description="Minimum total price for the stay.")
    price_max: float | None = Field(default=None, ge=0, description="Maximum total price for the stay.")
    sort_by: str | None = Field(default=None, description="A sort id from Get_Sort_By (default popularity).")
    categories_filter: str | None = Field(default=None, description='Comma-separated genericId values from '
                                                                    'Get_Hotel_Filter, e.g. "class::4,facility::107".')
    currency_code: str | None = Currency


class SearchByCoordinatesArgs(ApiArgs):
    latitude: float
    longitude: float
    arrival_date: str = Field(description="Check-in date, yyyy-mm-dd.")
    departure_date: str = Field(description="Check-out date, yyyy-mm-dd.")
    radius: float | None = Field(default=None, description="Search radius in km (default 5, at most 50).")
    adults: int | None = Field(default=None, ge=1, le=30)
    room_qty: int | None = Field(default=None, ge=1, le=10)
    page_number: int | None = Field(default=None, ge=1)
    sort_by: str | None = Field(default=None, description='"distance" (default) or a sort id from Get_Sort_By.')
    currency_code: str | None = Currency


class HotelStayArgs(ApiArgs):
    hotel_id: int = Field(description="hotel_id from a hotel search.")
    arrival_date: str = Field(description="Check-in date, yyyy-mm-dd.")
    departure_date: str = Field(description="Check-out date, yyyy-mm-dd.")
    adults: int | None = Field(default=None, ge=1, le=30)
    room_qty: int | None = Field(default=None, ge=1, le=10)
    currency_code: str | None = Currency


class HotelIdArgs(ApiArgs):
    hotel_id: int = Field(description="hotel_id from a hotel search.")


class HotelReviewArgs(HotelIdArgs):
    sort_option_id: Literal["sort_most_relevant", "sort_recent_desc", "sort_score_desc", "sort_score_asc"] | None = None
    page_number: int | None = Field(default=None, ge=1)


class BookHotelArgs(ApiArgs):
    hotel_id: int
    block_id: str = Field(description="block_id of the room from Get_Room_List.")
    arrival_date: str = Field(description="Check-in date, yyyy-mm-dd.")
    departure_date: str = Field(description="Check-out date, yyyy-mm-dd.")
    guest_name: str
    room_qty: int | None = Field(default=None, ge=1, le=10)
    currency_code: str | None = Currency


# ---------------------------------------------------------------------- cars and taxis
class SearchCarsArgs(ApiArgs):
    pick_up_latitude: float
    pick_up_longitude: float
    drop_off_latitude: float
    drop_off_longitude: float
    pick_up_date: str = Field(description=Date)
    pick_up_time: str = Field(description="HH:MM, 24-hour clock.")
    drop_off_date: str = Field(description=Date)
    drop_off_time: str = Field(description="HH:MM, 24-hour clock.")
    driver_age: int | None = Field(default=None, description="Age of the main driver (default 30).")
    sort_by: Literal["recommended", "price_low_to_high", "price_high_to_low", "distance",
                     "supplier_rating"] | None = None
    page_number: int | None = Field(default=None, ge=1)
    currency_code: str | None = Currency


class VehicleArgs(ApiArgs):
    vehicle_id: str = Field(description="vehicle_id from Search_Car_Rentals.")
    search_key: str = Field(description="search_key of the same Search_Car_Rentals response.")
    currency_code: str | None = Currency


class BookCarArgs(VehicleArgs):
    driver_name: str


class SearchTaxiArgs(ApiArgs):
    pick_up_place_id: str = Field(description="googlePlaceId from Taxi_Search_Location.")
    drop_off_place_id: str = Field(description="googlePlaceId from Taxi_Search_Location.")
    pick_up_date: str = Field(description=Date)
    pick_up_time: str = Field(description="HH:MM, 24-hour clock.")
    currency_code: str | None = Currency


class BookTaxiArgs(ApiArgs):
    result_id: str = Field(description="resultId from Search_Taxi.")
    passenger_name: str
    passengers: int | None = Field(default=None, ge=1, le=16)
    flight_number: str | None = Field(default=None, description="Arriving flight number, for airport pick-ups.")
    currency_code: str | None = Currency


# ---------------------------------------------------------------------- attractions
class SearchAttractionsArgs(ApiArgs):
    id: str = Field(description="A destination id from Search_Attraction_Location (data.destinations[].id).")
    sortBy: Literal["trending", "attr_book_score", "lowest_price", "highest_weighted_rating"] | None = None
    page: int | None = Field(default=None, ge=1)
    typeFilters: str | None = Field(default=None, description="Comma-separated tagname values from filterOptions.")
    priceFilters: str | None = Field(default=None, description='Adult price range, e.g. "20-50".')
    currency_code: str | None = Currency


class SlugArgs(ApiArgs):
    slug: str = Field(description="Product slug from Search_Attractions or Search_Attraction_Location.")
    currency_code: str | None = Currency


class CalendarArgs(ApiArgs):
    slug: str = Field(description="Product slug.")
    month: str = Field(description="Month in yyyy-mm format.")


class AvailabilityArgs(SlugArgs):
    date: str = Field(description=Date)


class BookAttractionArgs(ApiArgs):
    slot_id: str = Field(description="slot_id from Get_Attraction_Availability.")
    adults: int = Field(ge=0, le=30)
    children: int | None = Field(default=None, ge=0, le=30)
    contact_name: str
    currency_code: str | None = Currency


# ---------------------------------------------------------------------- utilities and bookings
class RatesArgs(ApiArgs):
    base_currency: str = Field(pattern=CURRENCY_CODE, description="ISO 4217 code, e.g. EUR.")


class ConvertArgs(ApiArgs):
    amount: float
    from_currency: str = Field(pattern=CURRENCY_CODE, description="ISO 4217 code, e.g. EUR.")
    to_currency: str = Field(pattern=CURRENCY_CODE, description="ISO 4217 code, e.g. USD.")


class DistanceArgs(ApiArgs):
    from_latitude: float
    from_longitude: float
    to_latitude: float
    to_longitude: float
    unit: Literal["km", "mi"] | None = None


class NearbyArgs(ApiArgs):
    latitude: float
    longitude: float
    radius_km: float | None = Field(default=None, gt=0)


class PointArgs(ApiArgs):
    latitude: float
    longitude: float


class ListBookingsArgs(ApiArgs):
    status: Literal["CONFIRMED", "CANCELLED"] | None = None


class BookingIdArgs(ApiArgs):
    booking_id: str


class CancelArgs(BookingIdArgs):
    reason: str | None = None


class NoParams(ApiArgs):
    pass


# name -> (argument model, description)
API_SPECS: dict[str, tuple[type[ToolArgs], str]] = {
    "Search_Flight_Location": (QueryArgs, "Find airports and cities by name; returns location ids for Search_Flights."),
    "Search_Flights": (SearchFlightsArgs, "Search one-way flight offers on a day, with sort order and paging. "
                                          "Each offer has a token used by the other flight APIs."),
    "Get_Min_Price": (MinPriceArgs, "Cheapest fare per day for three days either side of a date."),
    "Get_Flight_Details": (TokenArgs, "Full details of a flight offer: legs, baggage, fare rules, cabin prices."),
    "Get_Seat_Map": (SeatMapArgs, "Seat map of an offer's first flight in a cabin: seat type, availability, price."),
    "Book_Flight": (BookFlightArgs, "Book a flight offer for a passenger, optionally reserving a seat."),
    "Search_Hotel_Destination": (QueryArgs, "Find a city, district or hotel; returns dest_id and search_type."),
    "Get_Hotel_Filter": (HotelFilterArgs, "Filters available for a hotel search, with genericId values to pass "
                                          "to Search_Hotels as categories_filter."),
    "Get_Sort_By": (DestArgs, "Sort options (ids) for a hotel search."),
    "Search_Hotels": (SearchHotelsArgs, "Available hotels at a destination for the dates, with filters, sort and "
                                        "paging. Prices are for the whole stay."),
    "Search_Hotels_By_Coordinates": (SearchByCoordinatesArgs, "Available hotels within a radius of a point."),
    "Get_Hotel_Details": (HotelStayArgs, "Details of a hotel for the dates: address, distance to centre, "
                                         "check-in/out times, facilities, cheapest price."),
    "Get_Room_List": (HotelStayArgs, "Room types (blocks) of a hotel for the dates with price, occupancy, meal plan, "
                                     "refundability and rooms left. block_id is needed to book."),
    "Get_Hotel_Policies": (HotelIdArgs, "House rules: check-in/out, cancellation, pets, children, payment."),
    "Get_Hotel_Reviews": (HotelReviewArgs, "Guest reviews of a hotel, sorted and paged."),
    "Get_Hotel_Facilities": (HotelIdArgs, "Facilities of a hotel by group."),
    "Book_Hotel": (BookHotelArgs, "Book a room block for the dates."),
    "Search_Car_Location": (QueryArgs, "Find coordinates of airports, cities and rental depots by name."),
    "Search_Car_Rentals": (SearchCarsArgs, "Rental cars available near the pick-up coordinates for the period. "
                                           "Returns a search_key and vehicle_ids."),
    "Get_Vehicle_Details": (VehicleArgs, "Details of one vehicle of a car search: conditions, insurance, times."),
    "Book_Car": (BookCarArgs, "Book a vehicle from a car search."),
    "Taxi_Search_Location": (QueryArgs, "Find taxi pick-up/drop-off places (airports, hotels, sights, stations); "
                                        "returns googlePlaceId values."),
    "Search_Taxi": (SearchTaxiArgs, "Taxi quotes between two places at a date and time."),
    "Book_Taxi": (BookTaxiArgs, "Book a taxi quote."),
    "Search_Attraction_Location": (QueryArgs, "Find attraction destinations (ids) and products (slugs) by name."),
    "Search_Attractions": (SearchAttractionsArgs, "Attractions of a destination with sort, type and price filters."),
    "Get_Attraction_Details": (SlugArgs, "Details of an attraction: description, hours, closing day, tickets."),
    "Get_Availability_Calendar": (CalendarArgs, "Days of a month on which an attraction has free slots."),
    "Get_Attraction_Availability": (AvailabilityArgs, "Time slots of an attraction on a day with spots left."),
    "Book_Attraction": (BookAttractionArgs, "Book tickets for a time slot."),
    "Location_to_Lat_Long": (QueryArgs, "Geocode a place name to latitude and longitude."),
    "Get_Exchange_Rates": (RatesArgs, "Exchange rates from a base currency."),
    "Convert_Currency": (ConvertArgs, "Convert an amount between currencies at today's rate."),
    "Get_Currency_List": (NoParams, "Supported currencies."),
    "Get_Distance": (DistanceArgs, "Great-circle distance between two points."),
    "Get_Nearby_Cities": (NearbyArgs, "Cities within a radius of a point, nearest first."),
    "Get_Timezone": (PointArgs, "UTC offset at a point."),
    "List_Bookings": (ListBookingsArgs, "Your bookings, optionally by status."),
    "Get_Booking": (BookingIdArgs, "One booking by id."),
    "Cancel_Booking": (CancelArgs, "Cancel a booking; returns the fee and refund."),
}
assert set(API_SPECS) == set(HANDLERS), "every API needs an argument model and a description"
