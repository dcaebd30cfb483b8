"""A spending cap shared by every agent of a run: reserve before a request, settle with what it cost.

A cap checked only when an episode finishes lets each running episode spend freely until then; one checked per
agent restarts with every process. So a model agent asks a :class:`SpendGate` before *every* request it sends:
``reserve`` books an upper estimate of the request's cost (its prompt at the input rate plus its whole output
allowance) and refuses with :class:`SpendCapReached` when the booked and spent total would pass the cap; when the
answer comes, ``settle`` replaces the booking with the real cost (0 for a request that failed: providers do not
bill refused or failed requests). The harness implements the gate over a file in the run folder, so the total
holds across the processes of one run and across invocations.
"""

from __future__ import annotations

from typing import Protocol

from locogym.agents.base import BudgetExceeded


class SpendCapReached(BudgetExceeded):
    """The run's spending cap leaves no room for the next request; the episode stops unplayed, not failed."""


class SpendGate(Protocol):
    """Books spend against a shared cap (see the module docstring)."""

    def reserve(self, estimate_usd: float) -> str:
        """Book ``estimate_usd`` and return the booking's id; raise :class:`SpendCapReached` when it does not fit."""
        ...

    def settle(self, booking: str, cost_usd: float) -> None:
        """Replace booking ``booking`` by the request's real cost."""
        ...
