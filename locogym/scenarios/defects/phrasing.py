"""How a pull request states its intended changes: in words that vary, as people write them.

A description with one fixed sentence per intended change can be parsed by a script, which then needs no
judgement to tell an intended change from a bug. People do not write to a template: the same change is stated as
"the threshold moves from 30 to 34", as the new condition next to the old one, as an instruction, or as an arrow.
So each intended change is stated in a phrasing drawn from the description's seed (the same task always gets the
same words), and so are the description's opening, its heading and its list markers. Every phrasing states the
same facts: the function (or the functions a rule holds in), its file, the old number and the new one, so a
careful reader loses nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Spot:
    """One place a stated change applies to: ``function`` of ``path``, where the number sits in ``segment``
    (``segment_new`` with the new number)."""

    function: str
    path: str
    segment: str
    segment_new: str


@dataclass(frozen=True)
class Statement:
    """What the description says of one intended change: ``old`` becomes ``new`` at each of its ``spots`` (one
    function, or a rule that holds in two), a threshold or a term."""

    spots: tuple[Spot, ...]
    role: str  # "bound" (a threshold of a comparison) or "term" (a number of an expression)
    old: str
    new: str

    @property
    def direction(self) -> str:
        return "Raise" if int(self.new) > int(self.old) else "Lower"

    @property
    def first(self) -> Spot:
        return self.spots[0]


def _names(s: Statement) -> str:
    return " and ".join(f"`{p.function}`" for p in s.spots)


def _as_before_after(s: Statement) -> str:
    what = "the threshold of its" if s.role == "bound" else "the number in"
    if len(s.spots) > 1:
        what = "the thresholds of their" if s.role == "bound" else "the number in"
    tail = " check" + "s" * (len(s.spots) > 1) if s.role == "bound" else ""
    where = " and ".join(f"`{p.function}` (`{p.path}`)" for p in s.spots)
    segments = " and ".join(f"`{p.segment}`" for p in s.spots)
    return f"{where}: {what} {segments}{tail}, `{s.old}` becomes `{s.new}`."


def _as_new_code(s: Statement) -> str:
    verb = "checks" if s.role == "bound" else "computes"
    return ", and ".join(f"`{p.function}` in `{p.path}` now {verb} `{p.segment_new}` instead of `{p.segment}`"
                         for p in s.spots) + "."


def _as_instruction(s: Statement) -> str:
    if s.role == "bound":
        places = " and of ".join(f"`{p.function}` (`{p.path}`)" for p in s.spots)
        return f"{s.direction} the threshold of {places} from {s.old} to {s.new}."
    places = " and in ".join(f"the `{p.segment}` of `{p.function}` (`{p.path}`)" for p in s.spots)
    return f"{s.direction} the {s.old} in {places} to {s.new}."


def _as_arrow(s: Statement) -> str:
    return "; ".join(f"`{p.path}`, `{p.function}`: `{p.segment}` → `{p.segment_new}`" for p in s.spots) + "."


def _as_rule(s: Statement) -> str:
    what = "compare against" if s.role == "bound" else "use"
    they = "they" if len(s.spots) > 1 else "it"
    where = "; ".join(f"`{p.segment}`, in `{p.path}`" for p in s.spots)
    return f"{_names(s)} should {what} {s.new} where {they} used {s.old} ({where})."


PHRASINGS = (_as_before_after, _as_new_code, _as_instruction, _as_arrow, _as_rule)
_OPENINGS = ("This change retunes a few pricing and scoring rules and tidies the code around them.",
             "Rules tuned after the quarterly review, plus some clean-up of the touched modules.",
             "Adjusts several thresholds and rates to the new policy; the rest is refactoring.",
             "Implements the agreed policy update and cleans up nearby code while at it.",
             "Follow-up to the pricing discussion: new numbers for a handful of rules.")
_HEADINGS = ("Intended behaviour changes (the updated tests pin them):", "What changes on purpose:",
             "Behaviour changes (tests updated accordingly):", "Changes in behaviour:")
_CLOSINGS = ("Everything else in the diff is meant to keep behaviour as it is.",
             "The rest is refactoring and should not change behaviour.",
             "No other behaviour is meant to change.")
_MARKERS = ("- ", "* ", "numbered")


def describe(statements: list[Statement], rng: random.Random) -> str:
    """The pull-request description: an opening, then every intended change in a phrasing of its own (drawn from
    ``rng``), in the order of its file and function, then a closing line."""
    opening, heading, closing, marker = (rng.choice(_OPENINGS), rng.choice(_HEADINGS), rng.choice(_CLOSINGS),
                                         rng.choice(_MARKERS))
    ordered = sorted(statements, key=lambda s: (s.first.path, s.first.function))
    phrased = [rng.choice(PHRASINGS)(s) for s in ordered]
    items = [f"{i}. {line}" if marker == "numbered" else marker + line for i, line in enumerate(phrased, 1)]
    return "\n".join([opening, "", heading, *items, "", closing])
