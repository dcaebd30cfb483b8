"""Prices per million tokens, and the cost of one model call from the provider's own usage fields.

The table ships as ``prices.json`` beside this module. Prices change more often than releases, so a user can
override any entry: ``prices={"openai/gpt-4o": {"input": 2.5, "output": 10}}`` on the agent, a JSON file passed
as ``prices="my-prices.json"``, or a file named by the ``LOCOGYM_PRICES`` environment variable. Later sources win
per model. Keys are full agent names (``provider/model``) and match exactly: ``openai/gpt-5-pro`` is not
``openai/gpt-5``. A dated snapshot (``anthropic/claude-sonnet-4-5-20250929``, ``openai/gpt-4o-2024-08-06``) or a
``-latest`` alias falls back to its undated name when it has no entry of its own. A model with no price costs
0 and gets a warning (:func:`warn_unpriced`); a spending cap refuses it.

A price may have ``tiers``: rates that apply to a whole request once its prompt is longer than
``above_input_tokens`` (Anthropic and Google charge more above 200k input tokens).

Cost follows :class:`~locogym.core.types.ModelUsage`'s meaning: ``input`` counts every prompt token, of which
``cache_read`` were served from the provider's prompt cache and ``cache_write`` were written to it; those two are
billed at their own rates and the rest at the input rate. ``output`` counts every generated token, reasoning
included (providers bill reasoning as output).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from locogym.core.errors import DataError
from locogym.core.types import ModelUsage

DEFAULT_TABLE = Path(__file__).with_name("prices.json")
PRICES_ENV = "LOCOGYM_PRICES"
PricesOverride = Mapping[str, Any] | str | Path | None
_SNAPSHOT = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$")
log = logging.getLogger(__name__)
_warned: set[str] = set()


class Rates(BaseModel):
    """US dollars per million tokens. Cache rates default to the input rate when a provider has none."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)

    def dollars(self, usage: ModelUsage) -> float:
        read_rate = self.input if self.cache_read is None else self.cache_read
        write_rate = self.input if self.cache_write is None else self.cache_write
        fresh = max(0, usage.input - usage.cache_read - usage.cache_write)
        dollars = (fresh * self.input + usage.cache_read * read_rate + usage.cache_write * write_rate
                   + usage.output * self.output)
        return dollars / 1_000_000


class Tier(Rates):
    """Rates for a request whose prompt (``input``, cached tokens included) is longer than ``above_input_tokens``."""

    above_input_tokens: int = Field(gt=0)


class Price(Rates):
    """A model's rates, with optional long-prompt ``tiers``."""

    tiers: list[Tier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sorted_tiers(self) -> Price:
        self.tiers.sort(key=lambda t: t.above_input_tokens)
        return self

    def rates_for(self, input_tokens: int) -> Rates:
        """The rates one request with ``input_tokens`` of prompt pays: the highest tier it passes, else the base."""
        chosen: Rates = self
        for tier in self.tiers:
            if input_tokens > tier.above_input_tokens:
                chosen = tier
        return chosen

    def cost(self, usage: ModelUsage) -> float:
        """Dollar cost of one request's ``usage``; ``usage.cost_usd`` is ignored."""
        return self.rates_for(usage.input).dollars(usage)


class PriceTable:
    """Model name -> :class:`Price`, looked up by exact name, then by the name without a snapshot date."""

    def __init__(self, models: Mapping[str, Price]) -> None:
        self.models = dict(models)

    def lookup(self, name: str) -> Price | None:
        """The price of ``name`` (``provider/model``), or None when the table has no entry for it."""
        price = self.models.get(name)
        if price is None and _SNAPSHOT.search(name):
            price = self.models.get(_SNAPSHOT.sub("", name))
        return price

    def cost(self, name: str, usage: ModelUsage) -> float:
        """Dollar cost of ``usage`` for model ``name``; 0.0 for models the table does not know (local servers)."""
        price = self.lookup(name)
        return price.cost(usage) if price is not None else 0.0

    def warn_unpriced(self, name: str) -> None:
        """Warn once per process that ``name`` has no price, so its cost shows as $0."""
        if name in _warned or self.lookup(name) is not None:
            return
        _warned.add(name)
        message = (f"No price is known for {name}: its cost is recorded as $0. Pass prices={{\"{name}\": "
                   "{\"input\": ..., \"output\": ...}} (US dollars per million tokens) or a price file "
                   f"({PRICES_ENV}) if it is billed.")
        log.warning(message)
        warnings.warn(message, stacklevel=3)

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
                            fix="Give input and output (and optionally cache_read, cache_write, and tiers of "
                                "{above_input_tokens, input, output, ...}) in US dollars per million "
                                "tokens.") from None
    return parsed
