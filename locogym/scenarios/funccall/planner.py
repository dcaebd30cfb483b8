"""Building a task's oracle plan by running it: every oracle call goes through the same API path as an agent's.

Running the plan while generating the task checks the plan (an oracle call that errors is a generator defect,
raised at once), records what each step returned (the result-set digest that grading compares agent calls
against, the ids it introduced) and measures the observation tokens, which ``response_size="auto"`` uses to fit
an episode to its target length.

A planner holds two worlds. ``world`` is the one the task is played in: at longer lengths its catalog carries the
context fill (near-miss entries), and the template solves the request on it, so a fill that would change the
answer shows up as a changed gold. ``draws`` is the core's own world without fill: a template makes every choice
that shapes the *request* (which hotel to cancel, whether some star class has a match at all) on it, so the fill
can never change what is asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from locogym.core import tokens
from locogym.core.types import ToolCall
from locogym.scenarios.funccall.world import World


class PlanError(RuntimeError):
    """An oracle call failed: the template built an impossible plan (a defect, never the agent's fault)."""


class Retry(Exception):
    """The template's random draw has no usable answer; draw again."""


@dataclass
class PlanStep:
    call: ToolCall
    subgoal: str
    digest: str
    items: list[str]
    values: list[str]
    tokens: int


@dataclass
class Planner:
    world: World
    strictness: float = 0.8  # the chance to redraw when a task's constraints would not change the answer
    steps: list[PlanStep] = field(default_factory=list)
    draws: World | None = None  # the world without fill, for choices that shape the request (None: ``world``)

    def __post_init__(self) -> None:
        if self.draws is None:
            self.draws = self.world

    @property
    def base(self) -> World:
        """The world the request is drawn on (the core's, without fill)."""
        assert self.draws is not None
        return self.draws

    def call(self, subgoal: str, name: str, **arguments: Any) -> Any:
        """Run one oracle call and return its parsed response body."""
        from locogym.scenarios.funccall.calls import run_api
        from locogym.scenarios.funccall.schemas import API_SPECS

        arguments = {k: v for k, v in arguments.items() if v is not None}
        params = API_SPECS[name][0].model_validate(arguments).model_dump()
        result = run_api(self.world, name, params)
        if result.error is not None:
            raise PlanError(f"oracle call {name}({arguments}) failed: {result.output}")
        self.steps.append(PlanStep(ToolCall(name=name, arguments=arguments), subgoal, result.data["digest"],
                                   list(result.data["items"]), list(result.data["values"]),
                                   tokens.count(result.output)))
        return orjson.loads(result.output)

    @property
    def obs_tokens(self) -> int:
        return sum(s.tokens for s in self.steps)
