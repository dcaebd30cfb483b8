"""Grading LoCo-FuncCall-v0 without a model judge.

* Outcome: the final world state (each required booking made with the right parameters, each required
  cancellation done, nothing else booked or cancelled) and the submitted answer's fields, each graded alone
  (:mod:`~locogym.scenarios.funccall.answers`). Any path that reaches that state and those facts scores the same
  as the oracle's. "Unavailable" counts only after a call with the request's own route, dates, entity and party
  whose result showed that nothing fits; otherwise it is labelled an unsupported claim.
* Per call (:func:`verdict`, run as each step happens): a call is right if its normalised arguments equal an
  oracle call's or it returns the same result set; a booking is right if it satisfies a requirement. Errors get
  ComplexEval-style labels: decode_error, hallucinated_function, missing_parameter, hallucinated_parameter,
  wrong_value; stop_early is an episode label.
* Cascades (:func:`cascade_metrics`): which later calls used ids/tokens that a wrong call's output introduced,
  the first wrong call, the longest chain, whether the agent recovered, and credit per oracle step.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from locogym.core.types import EpisodeScore, ErrorKind, Task, ToolCall, ToolResult, Trajectory
from locogym.scenarios.funccall.answers import candidates, claims_unavailable, grade_fields
from locogym.scenarios.funccall.apis import ANCHORS, LOOKUPS, STATE_CHANGING
from locogym.scenarios.funccall.gold import FuncCallGold, Requirement
from locogym.scenarios.funccall.normalize import (
    norm_text,
    norm_value,
    normalize_args,
)
from locogym.scenarios.funccall.world import Booking, World

ERROR_LABELS = ("decode_error", "hallucinated_function", "missing_parameter", "hallucinated_parameter", "wrong_value",
                "stop_early")


def gold_of(task: Task) -> FuncCallGold:
    """The task's typed gold."""
    return task.gold_as(FuncCallGold)


# ---------------------------------------------------------------------- requirements on the final state
def booking_matches(booking: Booking, requirement: Requirement) -> bool:
    if booking.kind != requirement.kind or booking.status != "confirmed":
        return False
    for field, want in requirement.match.items():
        have = norm_value(field, booking.params.get(field))
        if isinstance(want, dict) and "in" in want:
            if have not in [norm_value(field, w) for w in want["in"]]:
                return False
        elif have != norm_value(field, want):
            return False
    return True


def match_requirements(task: Task, world: World) -> tuple[list[Booking | None], list[Booking]]:
    """For each requirement the agent-made booking that satisfies it (or None), and the extra bookings."""
    made = [b for b in world.bookings if not b.preexisting and b.status == "confirmed"]
    used: set[str] = set()
    found: list[Booking | None] = []
    for requirement in gold_of(task).requirements:
        hit = next((b for b in made if b.booking_id not in used and booking_matches(b, requirement)), None)
        if hit is not None:
            used.add(hit.booking_id)
        found.append(hit)
    return found, [b for b in made if b.booking_id not in used]


# ---------------------------------------------------------------------- answer facts
def check_facts(task: Task, answer: Any, matched: list[Booking | None]) -> tuple[list[bool], list[str]]:
    """Each answer field graded alone (:mod:`~locogym.scenarios.funccall.answers`), with the reason it failed."""
    gold = gold_of(task)
    expected: list[Any] = []
    for fact in gold.facts:
        if fact.type == "booking":
            booking = matched[fact.req] if fact.req is not None else None
            expected.append(booking.booking_id if booking is not None else None)
        else:
            expected.append(fact.value)
    return grade_fields([f.as_field() for f in gold.facts], expected, answer, list(gold.answer_keys))


def unavailable_proven(task: Task, trajectory: Trajectory) -> bool:
    """Whether a call showed that nothing fits: the task's proof API, answered without error, with the task's
    route, dates, entity and party (normalised), listing the item that decides it."""
    proof = gold_of(task).proof
    if proof is None:
        return False
    for step in trajectory.steps:
        call = step.call
        if call is None or call.name != proof.api or step.result.error is not None:
            continue
        normal = normalize_args(call.name, call.arguments)
        if any(normal.get(k) != v for k, v in proof.match.items()):
            continue
        if proof.witness is None or proof.witness in step.result.data.get("items", []):
            return True
    return False


# ---------------------------------------------------------------------- per-call verdicts
def _validation_label(api_args: type, arguments: dict[str, Any]) -> str:
    try:
        api_args.model_validate(arguments)  # type: ignore[attr-defined]
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        if "extra_forbidden" in kinds:
            return "hallucinated_parameter"
        if "missing" in kinds:
            return "missing_parameter"
    return "wrong_value"


def _same_name_subgoal(task: Task, name: str, state: dict[str, Any]) -> str | None:
    steps = task.meta.get("oracle_steps", [])
    done = state.setdefault("matched_steps", [])
    for i, step in enumerate(steps):
        if step["name"] == name and i not in done:
            return step["subgoal"]
    return next((s["subgoal"] for s in steps if s["name"] == name), None)


def verdict(task: Task, call: ToolCall | None, result: ToolResult, world: World, state: dict[str, Any]) -> dict[str, Any]:
    """Annotations of one step: wrong, subgoal, error_label, verdict and the oracle step it matched.

    Also remembers which values right and wrong calls introduced, so that a later call built on a wrong call's
    output is itself wrong even where its own arguments look plausible.
    """
    found = _verdict(task, call, result, world, state)
    if result.error is None:
        key = "wrong_values" if found.get("wrong") else "right_values"
        state.setdefault(key, set()).update(str(v) for v in result.data.get("values", []))
    return found


def _tainted(call: ToolCall, state: dict[str, Any]) -> bool:
    wrong, right = state.get("wrong_values", set()), state.get("right_values", set())
    return any(v in wrong and v not in right for v in _leaves(call.arguments))


def _verdict(task: Task, call: ToolCall | None, result: ToolResult, world: World,
             state: dict[str, Any]) -> dict[str, Any]:
    from locogym.scenarios.funccall.schemas import API_SPECS

    if call is None:
        return {"wrong": True, "error_label": "decode_error", "verdict": "error"}
    if call.name == "submit":
        return {"subgoal": "submit", "verdict": "submit"}
    if result.error == ErrorKind.unknown_tool:
        return {"wrong": True, "error_label": "hallucinated_function", "verdict": "error"}
    subgoal = _same_name_subgoal(task, call.name, state)
    if result.error == ErrorKind.invalid_arguments:
        label = _validation_label(API_SPECS[call.name][0], call.arguments) if call.name in API_SPECS else "wrong_value"
        return {"wrong": True, "error_label": label, "verdict": "error", "subgoal": subgoal}
    if result.error is not None:
        return {"wrong": True, "error_label": "wrong_value", "verdict": "error", "subgoal": subgoal}
    steps = task.meta.get("oracle_steps", [])
    done: list[int] = state.setdefault("matched_steps", [])
    if call.name in STATE_CHANGING:
        return _state_verdict(task, call, world, steps, done, subgoal)
    args = normalize_args(call.name, call.arguments)
    digest = result.data.get("digest")
    for how, test in (("oracle", lambda s: s["args"] == args), ("same_result", lambda s: s["digest"] == digest)):
        for i, step in enumerate(steps):
            if step["name"] == call.name and test(step):
                if i not in done:
                    done.append(i)
                return {"wrong": False, "subgoal": step["subgoal"], "verdict": how, "oracle_step": i}
    if _tainted(call, state):
        return {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": subgoal}
    same = [s for s in steps if s["name"] == call.name]
    anchored = [s for s in same if all(s["args"].get(f) == args.get(f) for f in ANCHORS)]
    if same and not anchored and call.name not in LOOKUPS:
        return {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": subgoal}
    return {"wrong": False, "verdict": "extra", **({"subgoal": subgoal} if subgoal else {})}


def _as_confirmed(booking: Booking) -> Booking:
    return Booking(booking.booking_id, booking.kind, "confirmed", booking.params, booking.price_eur, booking.seq,
                   booking.preexisting)


def _state_verdict(task: Task, call: ToolCall, world: World, steps: list[dict[str, Any]], done: list[int],
                   subgoal: str | None) -> dict[str, Any]:
    gold = gold_of(task)
    booking_steps = [i for i, s in enumerate(steps) if s["name"].startswith("Book_")]
    if call.name == "Cancel_Booking":
        wanted = [norm_text(b) for b in gold.cancels]
        target = world.find_booking(str(call.arguments.get("booking_id", "")).strip())
        if target is not None and not target.preexisting:
            # undoing one's own booking is a repair unless that booking was a right one
            was_right = any(booking_matches(_as_confirmed(target), r) for r in gold.requirements)
            return {"wrong": was_right, "verdict": "wrong" if was_right else "repair", "subgoal": subgoal,
                    **({"error_label": "wrong_value"} if was_right else {})}
        if norm_text(call.arguments.get("booking_id", "")) in wanted:
            i = next((j for j, s in enumerate(steps) if s["name"] == "Cancel_Booking"), None)
            if i is not None and i not in done:
                done.append(i)
            return {"wrong": False, "verdict": "oracle", "subgoal": subgoal, "oracle_step": i}
        return {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": subgoal}
    booking = world.bookings[-1] if world.bookings else None
    for r, requirement in enumerate(gold.requirements):
        if booking is not None and booking_matches(booking, requirement):
            i = booking_steps[r] if r < len(booking_steps) else None
            if i is not None and i not in done:
                done.append(i)
            return {"wrong": False, "verdict": "oracle", "oracle_step": i,
                    "subgoal": steps[i]["subgoal"] if i is not None else subgoal}
    return {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": subgoal}


# ---------------------------------------------------------------------- cascades and credit
def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [str(value)] if value is not None and not isinstance(value, bool) else []


def cascade_metrics(task: Task, trajectory: Trajectory) -> dict[str, Any]:
    """A wrong call is *cascaded* when its arguments carry a value first introduced by an earlier wrong call's
    output; right calls that reuse such a value (the right token shown by a wrong search) are not."""
    steps = trajectory.steps
    origin: dict[str, int] = {}
    wrong = [bool(s.annotations.get("wrong")) for s in steps]
    parents: dict[int, list[int]] = {}
    for s in steps:
        if s.call is not None and s.call.name != "submit" and wrong[s.index]:
            sources = sorted({origin[v] for v in _leaves(s.call.arguments) if v in origin and origin[v] < s.index})
            bad = [j for j in sources if wrong[j]]
            if bad:
                parents[s.index] = bad
        for v in s.result.data.get("values", []) if s.result.error is None else []:
            origin.setdefault(str(v), s.index)
    depth: dict[int, int] = {}
    for i in sorted(parents):
        depth[i] = 1 + max(depth.get(j, 0) for j in parents[i])
    first_wrong = next((i for i, w in enumerate(wrong) if w), -1)
    wrong_goals = {s.annotations.get("subgoal") for s in steps if s.annotations.get("wrong")} - {None}
    recovered = 0
    for goal in wrong_goals:
        last_wrong = max(s.index for s in steps if s.annotations.get("subgoal") == goal and s.annotations.get("wrong"))
        if any(s.index > last_wrong and s.annotations.get("subgoal") == goal and not s.annotations.get("wrong")
               for s in steps):
            recovered += 1
    oracle_steps = task.meta.get("oracle_steps", [])
    required = [i for i, s in enumerate(oracle_steps) if not s["optional"]]
    matched = {s.annotations.get("oracle_step") for s in steps if not s.annotations.get("wrong")}
    labels: dict[str, int] = {}
    for s in steps:
        label = s.annotations.get("error_label")
        if label:
            labels[label] = labels.get(label, 0) + 1
    return {"first_wrong_call": first_wrong, "wrong_calls": sum(wrong), "cascaded_calls": len(parents),
            "cascaded_steps": sorted(parents),
            "longest_cascade": (1 + max(depth.values(), default=0)) if any(wrong) else 0,
            "wrong_subgoals": len(wrong_goals), "recovered_subgoals": recovered,
            "step_credit": (sum(1 for i in required if i in matched) / len(required)) if required else 1.0,
            "labels": labels}


# ---------------------------------------------------------------------- the episode score
def grade(task: Task, trajectory: Trajectory, world: World) -> EpisodeScore:
    submits = [s for s in trajectory.steps if s.result.data.get("submitted")]
    answer = submits[-1].result.data.get("answer") if submits else None
    gold = gold_of(task)
    matched, extra = match_requirements(task, world)
    wanted_cancels = set(gold.cancels)
    cancelled = {b.booking_id for b in world.bookings if b.preexisting and b.status == "cancelled"}
    cancels_ok = [c in cancelled for c in sorted(wanted_cancels)]
    wrong_cancels = len(cancelled - wanted_cancels)
    facts, reasons = check_facts(task, answer, matched)
    claim = "not_claimed"
    if claims_unavailable(candidates(answer)):
        claim = "proven" if gold.infeasible and unavailable_proven(task, trajectory) else "unsupported"
    if gold.infeasible and facts and facts[0] and claim != "proven":
        facts[0] = False
        reasons[0] = "unsupported claim: no call with the request's route, dates, entity and party showed it"
    parts = [m is not None for m in matched] + cancels_ok + facts
    penalties = len(extra) + wrong_cancels
    success = sum(parts) / (len(parts) + penalties) if parts else 0.0
    cascade = cascade_metrics(task, trajectory)
    needed = len(gold.requirements) + len(wanted_cancels)
    stop_early = bool(submits) and (sum(m is not None for m in matched) + sum(cancels_ok) < needed
                                    or not all(facts)) and cascade["step_credit"] < 1.0
    labels_count = dict(cascade["labels"])
    if stop_early:
        labels_count["stop_early"] = 1
    if answer is None and not any(m is not None for m in matched) and not any(cancels_ok):
        outcome = "no_answer"
    elif success >= 1.0:
        outcome = "correct"
    elif success > 0:
        outcome = "partial"
    else:
        outcome = "wrong"
    metrics: dict[str, float] = {
        "fc.state_score": (sum(m is not None for m in matched) + sum(cancels_ok)) / needed if needed else float(not extra),
        "fc.facts_score": sum(facts) / len(facts) if facts else 1.0,
        "fc.extra_bookings": float(len(extra)), "fc.wrong_cancellations": float(wrong_cancels),
        "fc.step_credit": float(cascade["step_credit"]), "fc.wrong_calls": float(cascade["wrong_calls"]),
        "fc.first_wrong_call": float(cascade["first_wrong_call"]), "fc.cascaded_calls": float(cascade["cascaded_calls"]),
        "fc.longest_cascade": float(cascade["longest_cascade"]),
        "fc.recovery_rate": (cascade["recovered_subgoals"] / cascade["wrong_subgoals"]) if cascade["wrong_subgoals"] else 1.0,
        **{f"fc.err_{label}": float(labels_count.get(label, 0)) for label in ERROR_LABELS},
    }
    labels = {"fc.template": str(task.meta.get("template", "")), "fc.domain": str(task.meta.get("domain", "")),
              "fc.stop_early": "yes" if stop_early else "no",
              "fc.cascade": "none" if not cascade["wrong_calls"] else (
                  "cascaded" if cascade["cascaded_calls"] else "contained"),
              "fc.error_labels": ",".join(f"{k}:{v}" for k, v in sorted(labels_count.items())),
              "fc.cascaded_steps": ",".join(map(str, cascade["cascaded_steps"])),
              "fc.unavailable_claim": claim,
              "fc.answer_fields": ",".join(f"{f.key}:{'ok' if ok else why}"
                                           for f, ok, why in zip(gold.facts, facts, reasons, strict=True))}
    return EpisodeScore(success=min(1.0, max(0.0, success)), outcome=outcome, metrics=metrics, labels=labels)
