"""Dates and times in any common spelling, brought to one canonical form (ISO dates, HH:MM times).

Shared by the function-calling grader (arguments and answers compare by meaning) and the model-free agents
(which read dates out of a request).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y",
                 "%b %d, %Y", "%A %d %B %Y", "%Y%m%d")
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)

def norm_date(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return text


def norm_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    match = _TIME.match(value)
    if match is None:
        try:
            return datetime.fromisoformat(value.strip()).strftime("%H:%M")
        except ValueError:
            return value.strip()
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower().replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


def norm_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip().replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value.strip()) else value.strip()
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return text


__all__ = ["norm_date", "norm_datetime", "norm_time"]
