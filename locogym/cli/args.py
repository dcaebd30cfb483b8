"""Parsing of the command line's free-form ``KEY=VALUE`` arguments, shared by every command that takes them."""

from __future__ import annotations

import json
from typing import Any

from locogym.core.errors import ConfigError


def parse_env_args(pairs: list[str], flag: str = "--env-arg", example: str = "corpus=synthetic") -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that parses as JSON (numbers, true, lists) is taken as that value."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {pair!r} is not KEY=VALUE.", fix=f"Write it like {flag} {example}.")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out
