"""How a pull request states its intended changes: in words that vary, as people write them.

A description with one fixed sentence per intended change can be parsed by a script, which then needs no
judgement to tell an intended change from a bug. People do not write to a template: the same change is stated as
"the threshold moves from 30 to 34", as the new condition next to the old one, as an instruction, or as an arrow.
So each intended change is stated in a phrasing drawn from the description's seed (the same task always gets the
same words), and so are the description's opening, its heading and its list markers. Every phrasing states the
same facts: the function, its file, the old number and the new one, so a careful reader loses nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    """What the description says of one intended change: ``old`` becomes ``new`` in ``function`` (of ``path``),
    where the number sits in ``segment`` (``segment_new`` with the new number), a threshold or a term."""

    function: str
    path: str
    role: str  # "bound" (a threshold of a comparison) or "term" (a number of an expression)
    segment: str
    segment_new: str
    old: str
    new: str

    @property
    def direction(self) -> str:
        return "Raise" if int(self.new) > int(self.old) else "Lower"


def _as_before_after(s: Statement) -> str:
    what = "the threshold of its" if s.role == "bound" else "the number in"
    tail = " check" if s.role == "bound" else ""
    return f"`{s.function}` (`{s.path}`): {what} `{s.segment}`{tail}, `{s.old}` becomes `{s.new}`."


def _as_new_code(s: Statement) -> str:
    verb = "checks" if s.role == "bound" else "computes"
    return f"`{s.function}` in `{s.path}` now {verb} `{s.segment_new}` instead of `{s.segment}`."


def _as_instruction(s: Statement) -> str:
    if s.role == "bound":
        return f"{s.direction} the threshold of `{s.function}` (`{s.path}`) from {s.old} to {s.new}."
    return f"{s.direction} the {s.old} in the `{s.segment}` of `{s.function}` to {s.new} (`{s.path}`)."


def _as_arrow(s: Statement) -> str:
    return f"`{s.path}`, `{s.function}`: `{s.segment}` → `{s.segment_new}`."


def _as_rule(s: Statement) -> str:
    what = "compare against" if s.role == "bound" else "use"
    return f"`{s.function}` should {what} {s.new} where it used {s.old} (`{s.segment}`, in `{s.path}`)."


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
    ordered = sorted(statements, key=lambda s: (s.path, s.function))
    phrased = [rng.choice(PHRASINGS)(s) for s in ordered]
    items = [f"{i}. {line}" if marker == "numbered" else marker + line for i, line in enumerate(phrased, 1)]
    return "\n".join([opening, "", heading, *items, "", closing])
