"""Usage and cost re-derived from the requests an episode recorded, for ``locogym score``.

A model agent records one ``model_request`` event per request it sent: the prompt and output tokens the provider
reported (cached-prompt tokens too), whether the response cache answered it, and what it cost. The episode's
usage is the sum of those requests, and each request's cost follows from the rates the agent billed at: the price
its settings record (its entry of the price table in force when it ran), else the table in force now (the shipped
table and ``$LOCOGYM_PRICES``). So the row's usage, the trajectory's total, the requests and the prices must all
agree: an edited token count or dollar figure in any one of them is a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from locogym.agents.pricing import Price, PriceTable
from locogym.core.errors import DataError
from locogym.core.types import EpisodeResult, ModelUsage, Trajectory, dumps

TOKEN_FIELDS = ("input", "output", "cache_read", "cache_write")
# a float sum over many requests differs from the recorded one in its last digits only
COST_TOLERANCE_USD = 1e-9


def usage_mismatches(result: EpisodeResult, trajectory: Trajectory) -> list[tuple[str, str, str]]:
    """Each disagreement as (what, recorded, re-derived); empty when the usage holds."""
    total = trajectory.usage or ModelUsage()
    found = []
    if dumps(result.usage) != dumps(total):
        found.append(("row usage / trajectory", _show(result.usage), _show(total)))
    requests = [e for e in trajectory.events if e.get("kind") == "model_request"]
    if not requests:
        if total.total_tokens or total.cost_usd:
            found.append(("usage / requests", _show(total), "no request recorded"))
        return found
    summed = _summed(requests)
    for name in TOKEN_FIELDS:
        if getattr(total, name) != getattr(summed, name):
            found.append((f"usage {name} / requests", str(getattr(total, name)), str(getattr(summed, name))))
    try:
        price = _price(trajectory)
    except DataError as exc:
        return [*found, ("recorded price", str(trajectory.agent_settings.get("price"))[:120], exc.message)]
    derived = sum(_request_cost(price, request) for request in requests)
    if abs(derived - total.cost_usd) > COST_TOLERANCE_USD:
        found.append(("cost / price table", f"${total.cost_usd:.9f}", f"${derived:.9f}"))
    return found


def _summed(requests: list[dict[str, Any]]) -> ModelUsage:
    return ModelUsage(input=sum(int(r.get("prompt_tokens", 0)) for r in requests),
                      output=sum(int(r.get("output_tokens", 0)) for r in requests),
                      cache_read=sum(int(r.get("cache_read_tokens", 0)) for r in requests),
                      cache_write=sum(int(r.get("cache_write_tokens", 0)) for r in requests))


def _request_cost(price: Price | None, request: Mapping[str, Any]) -> float:
    """What one request cost: nothing when the response cache answered it or the model has no price, else its
    tokens at the rates."""
    if price is None or request.get("cache_hit"):
        return 0.0
    usage = ModelUsage(input=int(request.get("prompt_tokens", 0)), output=int(request.get("output_tokens", 0)),
                       cache_read=int(request.get("cache_read_tokens", 0)),
                       cache_write=int(request.get("cache_write_tokens", 0)))
    return price.cost(usage)


def _price(trajectory: Trajectory) -> Price | None:
    """The rates recorded with the agent's settings, else the table in force's entry for the agent's model.

    Raises:
        DataError: the recorded price is not a price.
    """
    recorded = trajectory.agent_settings.get("price")
    if recorded is None:
        return PriceTable.load().lookup(trajectory.agent)
    try:
        return Price.model_validate(recorded)
    except ValidationError as exc:
        raise DataError(f"The recorded price of {trajectory.agent} is not a price: {exc}.",
                        fix="Re-run the episode; a trajectory's settings are written by the agent.") from None


def _show(usage: ModelUsage) -> str:
    return f"{usage.input} in / {usage.output} out / ${usage.cost_usd:.6f}"
