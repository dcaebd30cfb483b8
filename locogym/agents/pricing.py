"""Prices per million tokens, and the cost of one model call from the provider's own usage fields.

The table ships as ``prices.json`` beside this module. Prices change more often than releases, so a user can
override any entry: ``prices={"openai/gpt-4o": {"input": 2.5, "output": 10}}`` on the agent, a JSON file passed
as ``prices="my-prices.json"``, or a file named by the ``LOCOGYM_PRICES`` environment variable. Later sources win
per model. Keys are full agent names (``provider/model``); a dated name such as
``anthropic/claude-sonnet-4-20250514`` matches the longest key it starts with.

Cost follows :class:`~locogym.core.types.ModelUsage`'s meaning: ``input`` counts every prompt token, of which
``cache_read`` were served from the provider's prompt cache and ``cache_write`` were written to it; those two are
billed at their own rates and the rest at the input rate. ``output`` counts every generated token, reasoning
included (providers bill reasoning as output).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from locogym.core.errors import DataError
from locogym.core.types import ModelUsage

DEFAULT_TABLE = Path(__file__).with_name("prices.json")
PRICES_ENV = "LOCOGYM_PRICES"
PricesOverride = Mapping[str, Any] | str | Path | None


class Price(BaseModel):
    """US dollars per million tokens. Cache rates default to the input rate when a provider has none."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)

    def cost(self, usage: ModelUsage) -> float:
        """Dollar cost of ``usage``; ``usage.cost_usd`` is ignored."""
        read_rate = self.input if self.cache_read is None else self.cache_read
        write_rate = self.input if self.cache_write is None else self.cache_write
        fresh = max(0, usage.input - usage.cache_read - usage.cache_write)
        dollars = (fresh * self.input + usage.cache_read * read_rate + usage.cache_write * write_rate
                   + usage.output * self.output)
        return dollars / 1_000_000


class PriceTable:
    """Model name -> :class:`Price`, looked up by longest matching prefix."""

    def __init__(self, models: Mapping[str, Price]) -> None:
        self.models = dict(models)
        self._keys = sorted(self.models, key=len, reverse=True)

    def lookup(self, name: str) -> Price | None:
        """The price of ``name`` (``provider/model``), or None when no key matches."""
        for key in self._keys:
            if name == key or name.startswith(key):
                return self.models[key]
        return None

    def cost(self, name: str, usage: ModelUsage) -> float:
        """Dollar cost of ``usage`` for model ``name``; 0.0 for models the table does not know (local servers)."""
        price = self.lookup(name)
        return price.cost(usage) if price is not None else 0.0

    @classmethod
    def load(cls, override: PricesOverride = None) -> PriceTable:
        """The shipped table, then ``$LOCOGYM_PRICES``, then ``override`` (a mapping or a JSON file path).

        Raises:
            DataError: a price file is missing, is not JSON, or has an entry that is not a price.
        """
        models = dict(_shipped())
        env_path = os.environ.get(PRICES_ENV)
        if env_path:
            models.update(_read_file(Path(env_path)))
        if isinstance(override, (str, Path)):
            models.update(_read_file(Path(override)))
        elif override is not None:
            models.update(_parse(dict(override), source="prices="))
        return cls(models)


@functools.cache
def _shipped() -> dict[str, Price]:
    return _read_file(DEFAULT_TABLE)


def _read_file(path: Path) -> dict[str, Price]:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DataError("The price file does not exist.", path=str(path),
                        fix=f"Point prices= or {PRICES_ENV} at a JSON file like the shipped prices.json.") from None
    except orjson.JSONDecodeError as exc:
        raise DataError(f"The price file is not valid JSON ({exc}).", path=str(path),
                        fix='Write {"models": {"openai/gpt-4o": {"input": 2.5, "output": 10.0}}}.') from None
    if not isinstance(data, dict):
        raise DataError("The price file must hold a JSON object.", path=str(path),
                        fix='Write {"models": {"openai/gpt-4o": {"input": 2.5, "output": 10.0}}}.')
    return _parse(data.get("models", data), source=str(path))


def _parse(entries: Any, source: str) -> dict[str, Price]:
    if not isinstance(entries, dict):
        raise DataError("Prices must be an object mapping model names to prices.", path=source, field="models",
                        fix='Write {"openai/gpt-4o": {"input": 2.5, "output": 10.0}}.')
    parsed: dict[str, Price] = {}
    for name, value in entries.items():
        if name.startswith("_") or name == "as_of":
            continue
        if isinstance(value, Price):
            parsed[name] = value
            continue
        try:
            parsed[name] = Price.model_validate(value)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise DataError(f"Bad price for {name!r}: {where} {problem['msg']}.", path=source, field=name,
                            fix="Give input and output (and optionally cache_read, cache_write) in US dollars "
                                "per million tokens.") from None
    return parsed
