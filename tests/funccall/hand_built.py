"""Hand-built tasks, worlds and trajectories for checking the FuncCall grader's rules one at a time, without
generating a task or running an environment."""

from __future__ import annotations

from typing import Any

from locogym.core.types import ErrorKind, ScenarioConfig, StepEvent, Task, ToolCall, ToolResult, Trajectory
from locogym.scenarios.funccall.gold import Fact, FuncCallGold, Proof, Requirement
from locogym.scenarios.funccall.world import Booking, World

HOTEL = Requirement(kind="hotel", match={"hotel_id": "H1"})


def gold(requirements: list[Requirement] | None = None, cancels: list[str] | None = None,
         facts: list[Fact] | None = None, infeasible: bool = False, proof: Proof | None = None,
         keys: list[str] | None = None) -> FuncCallGold:
    """A gold; ``keys`` are the answer fields the request lists (by default the facts' own keys)."""
    facts = facts or []
    answer_keys = {k: ("text", "") for k in keys} if keys is not None else {f.key: (f.type, "") for f in facts}
    return FuncCallGold(template="t", infeasible=infeasible, requirements=requirements or [], cancels=cancels or [],
                        facts=facts, answer_keys=answer_keys, answer={}, proof=proof)


def task(the_gold: FuncCallGold, steps: list[dict[str, Any]] | None = None) -> Task:
    """A task with that gold; ``steps`` are the oracle steps (name, args, digest, subgoal, optional)."""
    return Task(task_id="t", family="funccall", prompt="", tool_names=[], gold=the_gold.model_dump(mode="json"),
                meta={"oracle_steps": steps or [], "template": "tpl", "domain": "dom"})


def oracle_step(name: str, args: dict[str, Any] | None = None, subgoal: str = "", digest: str = "",
                optional: bool = False) -> dict[str, Any]:
    return {"name": name, "args": args or {}, "digest": digest, "subgoal": subgoal or name, "optional": optional}


def booking(booking_id: str, kind: str = "hotel", status: str = "confirmed", preexisting: bool = False,
            history: list[str] | None = None, **params: Any) -> Booking:
    return Booking(booking_id, kind, status, params, 100.0, 0, preexisting,
                   history or (["booked"] if status == "confirmed" else ["booked", "cancelled"]))


def world(*bookings: Booking) -> World:
    """A world holding only these bookings (the grader reads no catalog)."""
    return World(catalog=None, bookings=list(bookings))  # type: ignore[arg-type]


def result(error: ErrorKind | None = None, **data: Any) -> ToolResult:
    return ToolResult(output="", error=error, data=data)


def step(index: int, name: str | None, arguments: dict[str, Any] | None = None, error: ErrorKind | None = None,
         annotations: dict[str, Any] | None = None, **data: Any) -> StepEvent:
    """One recorded step; ``name`` None is an undecodable action."""
    call = ToolCall(name=name, arguments=arguments or {}) if name is not None else None
    return StepEvent(index=index, call=call, result=result(error, **data), annotations=annotations or {})


def trajectory(*steps: StepEvent) -> Trajectory:
    return Trajectory(env_id="LoCo-FuncCall-v0", scenario=ScenarioConfig(family="funccall"), steps=list(steps))


def submit(index: int, answer: Any) -> StepEvent:
    return step(index, "submit", {"answer": answer}, submitted=True, answer=answer)
