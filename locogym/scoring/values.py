"""Values a tool result introduced and values a later call reused: the edges along which errors cascade.

A family that knows what its results introduce lists them in ``ToolResult.data["values"]`` (ids, tokens,
titles, paths). Otherwise they are extracted from the output text by shape, chosen so that ordinary prose does
not match: paths and file names, identifiers that mix letters and digits (``FL-2041``, ``usr_42``, hex tokens,
uuids), code identifiers with an underscore or an inner capital, quoted strings, capitalised multi-word titles
(``Eiffel Tower``), dates, and numbers with at least three digits or a decimal point (small counts such as
``2`` or ``10`` are everywhere and would link unrelated steps).

Every value is normalised (case-folded, whitespace collapsed, numbers in one canonical form) so that
``"129.50"`` in an output and ``129.5`` in a later call's arguments are the same value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\w/.-])[\w.-]*[\w-]/[\w./-]*\w"),  # paths: notes/01.txt, src/pkg/mod.py
    re.compile(r"\b[A-Za-z_][\w-]*\.[A-Za-z][A-Za-z0-9]{0,4}\b"),  # file or dotted names: mod.py, obj.attr
    re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{2,}\b"),  # ids/tokens mixing letters and digits
    re.compile(r"\b[A-Za-z][a-z0-9]*(?:_[A-Za-z0-9]+)+\b"),  # snake_case identifiers
    re.compile(r"\b[a-z]+(?:[A-Z][a-z0-9]+)+\b|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b"),  # camelCase, CamelCase
    re.compile(r"\"([^\"\n]{2,80})\"|'([^'\n]{2,80})'"),  # quoted strings (the inner text)
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # dates
    re.compile(r"(?<![\w.-])\d+\.\d+(?![\w.-])|(?<![\w.-])\d{3,}(?![\w.-])"),  # decimals, numbers of 3+ digits
)
# Capitalised multi-word titles ("Eiffel Tower", "Tower of London"); a sentence may put a capital word in front
# ("The Eiffel Tower", "See Eiffel Tower"), so every tail that starts with a capital and keeps two words counts.
_TITLE = re.compile(r"\b[A-Z][\w'-]+(?:\s+(?:of|the|and|de|du|la|le|von|van|[A-Z][\w'-]+))*\s+[A-Z][\w'-]+\b")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_MAX_ATOM = 200


def normalize(value: Any) -> str | None:
    """One canonical string for a value, or ``None`` for values too empty or too long to be an identifier."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _canonical_number(value)
    text = str(value)
    if not text.isprintable() or "  " in text:  # whitespace other than single spaces: collapse it
        text = _SPACE.sub(" ", text)
    text = text.strip().casefold()
    if not text or len(text) > _MAX_ATOM:
        return None
    if (text[0].isdigit() or text[0] in "+-") and _NUMBER.fullmatch(text):
        return _canonical_number(Decimal(text))
    return text


def _canonical_number(number: float | Decimal) -> str | None:
    """Plain decimal digits without trailing zeros, never an exponent and exact for long integers: ``0.00001``
    stays a substring of the text it came from (``repr`` would say ``1e-05``), and a 20-digit id stays itself."""
    exact = number if isinstance(number, Decimal) else Decimal(repr(number))  # repr: a float's shortest spelling
    if not exact.is_finite():
        return None
    digits = format(exact.normalize(), "f")
    return "0" if digits == "-0" else digits


def extract(text: str) -> set[str]:
    """The normalised values in ``text`` that look like something a later call could reuse."""
    raw: set[str] = set()
    for pattern in _PATTERNS:
        if pattern.groups:
            raw.update(g for match in pattern.finditer(text) for g in match.groups() if g)
        else:
            raw.update(pattern.findall(text))
    for match in _TITLE.finditer(text):
        words = match.group(0).split()
        raw.update(" ".join(words[start:]) for start in range(len(words) - 1) if words[start][0].isupper())
    found = {normalize(r) for r in raw}
    found.discard(None)
    return found  # type: ignore[return-value]


def introduced(data: dict[str, Any], output: str) -> set[str]:
    """What a result introduced: the family's ``data["values"]`` when present, else extracted from the output."""
    listed = data.get("values")
    if isinstance(listed, (list, tuple, set)):
        return {atom for atom in (normalize(v) for v in listed) if atom is not None}
    return extract(output)


def introduced_among(candidates: set[str], data: dict[str, Any], output: str) -> set[str]:
    """``introduced(data, output) & candidates``, without extracting from an output that holds none of them.

    Every normalised value is a substring of the case-folded, space-collapsed text it came from (numbers only
    lose trailing zeros or leading zeros), so a candidate absent from that text cannot be among its values.
    """
    if isinstance(data.get("values"), (list, tuple, set)):
        return introduced(data, output) & candidates
    flat = _SPACE.sub(" ", output).casefold()
    if not any(c in flat for c in candidates):
        return set()
    return extract(output) & candidates


def supplied(candidates: set[str], data: dict[str, Any], output: str) -> set[str]:
    """The ``candidates`` a result put in front of the agent: those it introduced, plus those its text shows.

    An answer is a span of text, not an identifier a tool listed, so a result supplied an answer value when the
    value stands in its output as whole words (``1889`` in "completed in 1889", not in "18890").
    """
    found = introduced_among(candidates, data, output)
    rest = candidates - found
    if rest:
        flat = _SPACE.sub(" ", output).casefold()
        found |= {c for c in rest if c in flat and re.search(rf"(?<!\w){re.escape(c)}(?!\w)", flat)}
    return found


def used(arguments: Any) -> set[str]:
    """The values a call's arguments carry: every leaf whole, and the values extracted from string leaves."""
    found: set[str] = set()
    for leaf in _leaves(arguments):
        atom = normalize(leaf)
        if atom is not None:
            found.add(atom)
        if isinstance(leaf, str):
            found |= extract(leaf)
    return found


def _leaves(value: Any, depth: int = 0) -> Iterable[Any]:
    if depth > 16:
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item, depth + 1)
    else:
        yield value
