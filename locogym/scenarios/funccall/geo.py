"""Places of the travel world: real cities and airports with approximate coordinates, and distance helpers.

The city table is public geography (names, IATA codes, rough coordinates, a fixed UTC offset without daylight
saving); everything else in the world (flights, hotels, prices) is generated from a seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Airport:
    iata: str
    name: str
    city: str  # city code
    lat: float
    lon: float


@dataclass(frozen=True)
class City:
    code: str
    name: str
    country: str
    country_code: str
    currency: str
    lat: float
    lon: float
    utc_offset: int  # hours, fixed for the whole year in this world
    airports: tuple[Airport, ...]


def _city(code: str, name: str, country: str, cc: str, cur: str, lat: float, lon: float, tz: int,
          *airports: tuple[str, str, float, float]) -> City:
    return City(code, name, country, cc, cur, lat, lon, tz,
                tuple(Airport(iata, aname, code, alat, alon) for iata, aname, alat, alon in airports))


CITIES: tuple[City, ...] = (
    _city("PAR", "Paris", "France", "fr", "EUR", 48.8566, 2.3522, 1,
          ("CDG", "Paris - Charles de Gaulle Airport", 49.0097, 2.5479),
          ("ORY", "Paris - Orly Airport", 48.7262, 2.3652)),
    _city("LON", "London", "United Kingdom", "gb", "GBP", 51.5072, -0.1276, 0,
          ("LHR", "London Heathrow Airport", 51.4700, -0.4543), ("LGW", "London Gatwick Airport", 51.1537, -0.1821)),
    _city("NYC", "New York", "United States", "us", "USD", 40.7128, -74.0060, -5,
          ("JFK", "John F. Kennedy International Airport", 40.6413, -73.7781),
          ("EWR", "Newark Liberty International Airport", 40.6895, -74.1745),
          ("LGA", "LaGuardia Airport", 40.7769, -73.8740)),
    _city("TYO", "Tokyo", "Japan", "jp", "JPY", 35.6762, 139.6503, 9,
          ("HND", "Tokyo Haneda Airport", 35.5494, 139.7798),
          ("NRT", "Narita International Airport", 35.7720, 140.3929)),
    _city("BER", "Berlin", "Germany", "de", "EUR", 52.5200, 13.4050, 1,
          ("BER", "Berlin Brandenburg Airport", 52.3667, 13.5033)),
    _city("MAD", "Madrid", "Spain", "es", "EUR", 40.4168, -3.7038, 1,
          ("MAD", "Adolfo Suarez Madrid-Barajas Airport", 40.4983, -3.5676)),
    _city("ROM", "Rome", "Italy", "it", "EUR", 41.9028, 12.4964, 1,
          ("FCO", "Rome Fiumicino Airport", 41.8003, 12.2389), ("CIA", "Rome Ciampino Airport", 41.7994, 12.5949)),
    _city("AMS", "Amsterdam", "Netherlands", "nl", "EUR", 52.3676, 4.9041, 1,
          ("AMS", "Amsterdam Airport Schiphol", 52.3105, 4.7683)),
    _city("BCN", "Barcelona", "Spain", "es", "EUR", 41.3874, 2.1686, 1,
          ("BCN", "Barcelona El Prat Airport", 41.2974, 2.0833)),
    _city("LIS", "Lisbon", "Portugal", "pt", "EUR", 38.7223, -9.1393, 0,
          ("LIS", "Lisbon Humberto Delgado Airport", 38.7742, -9.1342)),
    _city("VIE", "Vienna", "Austria", "at", "EUR", 48.2082, 16.3738, 1,
          ("VIE", "Vienna International Airport", 48.1103, 16.5697)),
    _city("PRG", "Prague", "Czech Republic", "cz", "CZK", 50.0755, 14.4378, 1,
          ("PRG", "Vaclav Havel Airport Prague", 50.1008, 14.2600)),
    _city("ZRH", "Zurich", "Switzerland", "ch", "CHF", 47.3769, 8.5417, 1,
          ("ZRH", "Zurich Airport", 47.4582, 8.5555)),
    _city("OSL", "Oslo", "Norway", "no", "NOK", 59.9139, 10.7522, 1,
          ("OSL", "Oslo Gardermoen Airport", 60.1976, 11.1004)),
    _city("STO", "Stockholm", "Sweden", "se", "SEK", 59.3293, 18.0686, 1,
          ("ARN", "Stockholm Arlanda Airport", 59.6498, 17.9238)),
    _city("CPH", "Copenhagen", "Denmark", "dk", "DKK", 55.6761, 12.5683, 1,
          ("CPH", "Copenhagen Airport", 55.6180, 12.6508)),
    _city("DUB", "Dublin", "Ireland", "ie", "EUR", 53.3498, -6.2603, 0,
          ("DUB", "Dublin Airport", 53.4264, -6.2499)),
    _city("MIL", "Milan", "Italy", "it", "EUR", 45.4642, 9.1900, 1,
          ("MXP", "Milan Malpensa Airport", 45.6306, 8.7281), ("LIN", "Milan Linate Airport", 45.4451, 9.2767)),
    _city("MUC", "Munich", "Germany", "de", "EUR", 48.1351, 11.5820, 1,
          ("MUC", "Munich Airport", 48.3538, 11.7861)),
    _city("IST", "Istanbul", "Turkey", "tr", "TRY", 41.0082, 28.9784, 3,
          ("IST", "Istanbul Airport", 41.2753, 28.7519),
          ("SAW", "Sabiha Gokcen International Airport", 40.8986, 29.3092)),
    _city("DXB", "Dubai", "United Arab Emirates", "ae", "AED", 25.2048, 55.2708, 4,
          ("DXB", "Dubai International Airport", 25.2532, 55.3657)),
    _city("SIN", "Singapore", "Singapore", "sg", "SGD", 1.3521, 103.8198, 8,
          ("SIN", "Singapore Changi Airport", 1.3644, 103.9915)),
    _city("BKK", "Bangkok", "Thailand", "th", "THB", 13.7563, 100.5018, 7,
          ("BKK", "Suvarnabhumi Airport", 13.6900, 100.7501),
          ("DMK", "Don Mueang International Airport", 13.9126, 100.6068)),
    _city("SYD", "Sydney", "Australia", "au", "AUD", -33.8688, 151.2093, 10,
          ("SYD", "Sydney Kingsford Smith Airport", -33.9399, 151.1753)),
    _city("LAX", "Los Angeles", "United States", "us", "USD", 34.0522, -118.2437, -8,
          ("LAX", "Los Angeles International Airport", 33.9416, -118.4085)),
    _city("SFO", "San Francisco", "United States", "us", "USD", 37.7749, -122.4194, -8,
          ("SFO", "San Francisco International Airport", 37.6213, -122.3790)),
    _city("CHI", "Chicago", "United States", "us", "USD", 41.8781, -87.6298, -6,
          ("ORD", "O'Hare International Airport", 41.9742, -87.9073),
          ("MDW", "Chicago Midway International Airport", 41.7868, -87.7522)),
    _city("YTO", "Toronto", "Canada", "ca", "CAD", 43.6532, -79.3832, -5,
          ("YYZ", "Toronto Pearson International Airport", 43.6777, -79.6248)),
    _city("BOS", "Boston", "United States", "us", "USD", 42.3601, -71.0589, -5,
          ("BOS", "Boston Logan International Airport", 42.3656, -71.0096)),
    _city("EDI", "Edinburgh", "United Kingdom", "gb", "GBP", 55.9533, -3.1883, 0,
          ("EDI", "Edinburgh Airport", 55.9508, -3.3615)),
)

CITY_BY_CODE: dict[str, City] = {c.code: c for c in CITIES}
AIRPORT_BY_IATA: dict[str, Airport] = {a.iata: a for c in CITIES for a in c.airports}
HUBS: tuple[str, ...] = ("FRA", "AMS", "CDG", "LHR", "IST", "DXB", "MUC", "ZRH", "CPH", "MAD", "JFK", "ORD", "SIN")
# FRA is a transfer hub only (no city in the table): it appears in connections, never as an origin.
AIRPORT_BY_IATA["FRA"] = Airport("FRA", "Frankfurt Airport", "FRA", 50.0379, 8.5622)
HUB_OFFSET = {"FRA": 1}


def utc_offset_of_airport(iata: str) -> int:
    airport = AIRPORT_BY_IATA[iata]
    city = CITY_BY_CODE.get(airport.city)
    return city.utc_offset if city is not None else HUB_OFFSET[iata]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (mean Earth radius 6,371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def offset_point(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """A point ``north_km``/``east_km`` away from (lat, lon), rounded to 6 decimals like a geocoder's output."""
    dlat = north_km / 111.32
    dlon = east_km / (111.32 * max(0.1, math.cos(math.radians(lat))))
    return round(lat + dlat, 6), round(lon + dlon, 6)
