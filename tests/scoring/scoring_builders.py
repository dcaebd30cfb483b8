"""Hand-written trajectories for the scoring tests: a few lines per step, every field that scoring reads."""

from __future__ import annotations

from typing import Any

from locogym.core import tokens
from locogym.core.types import (
    ErrorKind,
    Evidence,
    Probe,
    ScenarioConfig,
    SessionSpec,
    StepEvent,
    Task,
    Termination,
    ToolCall,
    ToolResult,
    Trajectory,
)


def make_task(evidence: list[str] | list[Evidence] = (), plan: list[str] = ("read", "submit"),  # type: ignore[assignment]
              sessions: list[list[str]] | None = None, probes: list[Probe] | None = None,
              meta: dict[str, Any] | None = None, prompt: str = "Find the answer.") -> Task:
    items = [e if isinstance(e, Evidence) else Evidence(id=e, kind="span") for e in evidence]
    specs = None
    if sessions is not None:
        specs = [SessionSpec(index=i, prompt=f"Session {i}.", oracle_plan=[ToolCall(name=n) for n in names])
                 for i, names in enumerate(sessions)]
    return Task(task_id="t", family="fixture", prompt=prompt, tool_names=["read", "submit"], evidence=items,
                oracle_plan=[ToolCall(name=n) for n in plan], sessions=specs, probes=probes, meta=meta or {})


def step(name: str = "read", args: dict[str, Any] | None = None, output: str = "ok", *,
         error: ErrorKind | None = None, data: dict[str, Any] | None = None, evidence: tuple[str, ...] = (),
         session: int = 0, wrong: bool | None = None, subgoal: str | None = None,
         obs_tokens: int | None = None) -> StepEvent:
    """One tool step; ``index`` is filled in by :func:`make_traj`."""
    annotations: dict[str, Any] = {}
    if wrong is not None:
        annotations["wrong"] = wrong
    if subgoal is not None:
        annotations["subgoal"] = subgoal
    result_data = dict(data or {})
    result_data.setdefault("evidence", list(evidence))
    return StepEvent(index=-1, session=session, call=ToolCall(name=name, arguments=args or {}),
                     result=ToolResult(output=output, error=error, data=result_data),
                     obs_tokens=tokens.count(output) if obs_tokens is None else obs_tokens,
                     evidence_seen=list(evidence), annotations=annotations)


def submit(answer: Any = None, *, session: int = 0, wrong: bool | None = None, obs_tokens: int = 3) -> StepEvent:
    return step("submit", {"answer": answer} if answer is not None else {}, "Answer submitted.",
                data={"submitted": True, "answer": answer}, session=session, wrong=wrong, obs_tokens=obs_tokens)


def parse_error() -> StepEvent:
    return StepEvent(index=-1, action_raw="garbage", call=None,
                     result=ToolResult(output="Not a tool call.", error=ErrorKind.parse), obs_tokens=4)


def make_traj(task: Task, steps: list[StepEvent], termination: Termination = "submitted") -> Trajectory:
    numbered = [s.model_copy(update={"index": i}) for i, s in enumerate(steps)]
    return Trajectory(env_id="LoCo-Fixture-v0", scenario=ScenarioConfig(family="fixture"), task=task,
                      steps=numbered, termination=termination)
