"""The funccall scenario: a seeded, stateful travel-booking world, its task generator and a ComplexFuncBench loader.

Modules: ``geo`` (places), ``catalog`` (everything that exists, derived lazily from a seed), ``world`` (bookings
and inventory on top of a catalog), ``api_*`` and ``apis`` (the 40 endpoints), ``templates``/``planner``/
``generator`` (tasks and their oracle plans), ``answers`` (answer fields: how a request states them and how an
answer is read and graded), ``normalize`` and ``grading`` (typed comparison, per-call verdicts, cascades, the
episode score), ``complexfuncbench`` and ``complexeval`` (replaying published samples, judged by the rules of
their own evaluator).
"""

from locogym.scenarios.funccall.generator import generate, make_world
from locogym.scenarios.funccall.templates import TEMPLATES

__all__ = ["TEMPLATES", "generate", "make_world"]
