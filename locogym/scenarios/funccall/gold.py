"""The typed gold of LoCo-FuncCall-v0: what the graders compare an episode against.

:class:`FuncCallGold` is a synthetic task's: the final state the request asks for (required bookings as field
matchers, required cancellations), the answer's fields with their kinds and the expected values, the oracle's own
answer (its booking ids included), and, for a request nothing satisfies, the call that proves it. It holds nothing
that depends on the length: the generator solves the task again on the filled world of every length and refuses a
fill that changes any of it. :class:`ReplayGold` is a ComplexFuncBench sample's: its recorded calls and final
answer.
"""

from __future__ import annotations

from typing import Any, Literal

from locogym.core.types import Gold

FactKind = Literal["booking", "id", "text", "number", "date", "time", "datetime", "list"]


class Requirement(Gold):
    """A booking the final state must hold: its kind and the fields it must have (a value, or ``{"in": [...]}``)."""

    kind: str
    match: dict[str, Any]


class Fact(Gold):
    """One answer field: a booking field names the requirement whose booking id it reports (``req``); any other
    field carries its ``value`` (numbers within ``rel``, text equal to the value or one of ``aliases``)."""

    key: str
    type: FactKind
    value: Any = None
    req: int | None = None
    rel: float = 0.005
    aliases: list[str] = []

    def as_field(self) -> dict[str, Any]:
        """The field as the answer grader reads it."""
        return {"key": self.key, "type": self.type, "rel": self.rel, "aliases": list(self.aliases)}


class Proof(Gold):
    """What shows that nothing fits: a successful ``api`` call whose normalised ``match`` arguments equal the
    request's and whose result lists ``witness`` (None: any result of that call)."""

    api: str
    match: dict[str, Any]
    witness: str | None = None


class FuncCallGold(Gold):
    """A synthetic task's gold (see the module docstring)."""

    template: str
    infeasible: bool
    requirements: list[Requirement]
    cancels: list[str]
    facts: list[Fact]
    answer_keys: dict[str, tuple[str, str]]  # field -> (kind, description with the unit), as the request lists them
    answer: dict[str, Any]  # the oracle's submitted answer
    proof: Proof | None = None


class ReplayCall(Gold):
    """One recorded call of a ComplexFuncBench sample: its turn, function, arguments and whether it is an optional
    look-up."""

    turn: int
    name: str
    arguments: dict[str, Any]
    free: bool


class ReplayGold(Gold):
    """A ComplexFuncBench sample's gold: the recorded calls in turn order and the recorded final answer."""

    sample_id: str
    calls: list[ReplayCall]
    final: str
