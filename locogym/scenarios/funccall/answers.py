"""Structured answers: how a task states its answer fields and how a submitted answer is read and graded.

A task lists its fields with a name, a kind (which fixes the JSON type and the spelling that is accepted) and a
description that carries the unit. The answer is a JSON object, JSON text (an object on its own or inside a
message), or labelled lines such as ``fare_eur: 412.50``. Every field is graded on its own:

* text by normalised equality with one of its aliases (``"Grand Hotel"`` is not ``"Grand Hotel Oslo"``);
* numbers within a tolerance, from a number or a string that holds exactly one number (``"412.50 EUR"``);
* dates, times and date-times in any common spelling; ids and booking ids ignoring case and punctuation;
* lists as sets.

A field for which the answer offers several different values (a list where one value is asked for, a string with
two numbers, the same label twice with different values) is wrong: listing every candidate must never beat
choosing. Content nobody asked for earns nothing, and prose is not searched for values, so a dump of everything
seen scores no more than the same values given as labelled fields. An answer that says ``unavailable`` and also
fills the fields of a booking contradicts itself and gets no field right.
"""

from __future__ import annotations

import json
import re
from typing import Any

from locogym.core.dates import norm_date, norm_datetime, norm_time
from locogym.scenarios.funccall.normalize import norm_text

# kind -> how the request spells the expected value
KIND_FORMATS: dict[str, str] = {
    "booking": "string, a booking id",
    "id": "string",
    "text": "string",
    "number": "number",
    "date": "string, yyyy-mm-dd",
    "time": "string, HH:MM (24-hour)",
    "datetime": "string, yyyy-mm-ddTHH:MM",
    "list": "array of strings",
}
UNAVAILABLE = "unavailable"
_LABELLED = re.compile(r"^\s*(?:[-*\u2022]\s*)?[\"'`]?([A-Za-z][\w \-]{0,40}?)[\"'`]?\s*[:=]\s*(.+?)\s*,?\s*$")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def key_of(label: Any) -> str:
    """A field label with case, spaces and punctuation removed: "Booking ID", "booking-id" and "booking_id" meet."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def answer_clause(fields: dict[str, tuple[str, str]]) -> str:
    """The sentence of the request that states the answer fields (name, type, unit) and the accepted forms."""
    lines = "; ".join(f'"{name}" ({KIND_FORMATS[kind]}): {description}' for name, (kind, description) in fields.items())
    return ("When you are done, call submit with answer = a JSON object with exactly one value for each of these "
            f"fields: {lines}. Labelled lines such as `{next(iter(fields))}: ...` are accepted too; a field given "
            "several values counts as wrong. If nothing satisfies all of the constraints, book nothing and submit "
            '{"status": "unavailable"}.')


# ---------------------------------------------------------------------- reading an answer
def _json_objects(text: str) -> tuple[list[dict[str, Any]], str]:
    """Every top-level JSON object in ``text`` and the text left outside them."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    rest: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("{", i)
        if start < 0:
            rest.append(text[i:])
            break
        rest.append(text[i:start])
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            rest.append("{")
            i = start + 1
            continue
        if isinstance(value, dict):
            found.append(value)
        i = end
    return found, "".join(rest)


def candidates(answer: Any) -> dict[str, list[Any]]:
    """Every value the answer gives, by field key (several entries for one key mean several candidate values)."""
    out: dict[str, list[Any]] = {}

    def add(label: Any, value: Any) -> None:
        out.setdefault(key_of(label), []).append(value)

    if isinstance(answer, dict):
        for label, value in answer.items():
            add(label, value)
    elif isinstance(answer, str):
        objects, rest = _json_objects(answer)
        for obj in objects:
            for label, value in obj.items():
                add(label, value)
        for line in rest.splitlines():
            match = _LABELLED.match(line)
            if match is not None:
                add(match.group(1), match.group(2).strip().strip("\"'`"))
    return out


def claims_unavailable(found: dict[str, list[Any]]) -> bool:
    return any(isinstance(v, str) and norm_text(v) == UNAVAILABLE for v in found.get("status", []))


# ---------------------------------------------------------------------- grading one field
def _words(value: Any) -> str:
    return " ".join(re.findall(r"[^\W_]+", norm_text(value)))


def _one_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        numbers = _NUMBER.findall(value)
        if len(numbers) == 1:
            return float(numbers[0].replace(",", ""))
    return None


def canonical(kind: str, value: Any) -> Any:
    """The value in the field kind's canonical form, or None when it is not one value of that kind."""
    if value is None or isinstance(value, dict):
        return None
    if kind == "list":
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(sorted({_words(v) for v in items if str(v).strip()}))
    if kind == "number":
        return _one_number(value)  # a list (several values where one is asked for) is no number
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None  # a list, as above, or a flag
    if kind == "date":
        return norm_date(str(value))
    if kind == "time":
        return norm_time(str(value))
    if kind == "datetime":
        return norm_datetime(str(value))
    if kind in ("id", "booking"):
        return key_of(value) or None
    return _words(value) or None


def field_ok(field: dict[str, Any], expected: Any, given: list[Any]) -> tuple[bool, str]:
    """Whether the values given for one field answer it, with the reason when they do not."""
    if not given:
        return False, "missing"
    kind = str(field["type"])
    forms = {repr(canonical(kind, v)) for v in given}
    values = [canonical(kind, v) for v in given]
    if len(forms) > 1:
        return False, "several values"
    value = values[0]
    if value is None:
        return False, "several values" if isinstance(given[0], list) else "not a " + KIND_FORMATS[kind]
    if kind == "number":
        tolerance = max(0.011, abs(float(expected)) * float(field.get("rel", 0.005)))
        return (abs(float(value) - float(expected)) <= tolerance), "wrong value"
    aliases = [expected, *field.get("aliases", [])]
    return any(value == canonical(kind, a) for a in aliases), "wrong value"


def grade_fields(fields: list[dict[str, Any]], expected: list[Any], answer: Any,
                 requested: list[str]) -> tuple[list[bool], list[str]]:
    """Per field: right or not, and why not. ``requested`` are all the field names the request listed."""
    found = candidates(answer)
    hedged = claims_unavailable(found) and any(key_of(k) in found for k in requested)
    results, reasons = [], []
    for field, want in zip(fields, expected, strict=True):
        if want is None:
            results.append(False)
            reasons.append("nothing to report")
            continue
        if hedged:
            results.append(False)
            reasons.append("unavailable and a booking at once")
            continue
        ok, why = field_ok(field, want, found.get(key_of(field["key"]), []))
        results.append(ok)
        reasons.append("" if ok else why)
    return results, reasons
