"""Grading LoCo-FuncCall-v0 without a model judge.

* Outcome (:func:`end_state`, :func:`check_facts`): the world's whole end state against the gold's (every
  booking with its status and history: each required booking confirmed, each named cancellation made, nothing
  else booked, cancelled or changed, so any collateral change, ``fc.collateral``, scores 0) and the submitted
  answer's fields, each graded alone (:mod:`~locogym.scenarios.funccall.answers`). Any path that reaches that
  state and those facts scores the same as the oracle's. "Unavailable" counts only after the deciding search with
  every anchor and filter of the request, answered without error and listing the item that decides it, and with
  no booking of the agent's standing (:func:`claim_of`).
* Per call (:func:`verdict`, run as each step happens): a call is right if its normalised arguments equal an
  oracle call's or it returns the same result set; a booking is right if it satisfies a requirement. Errors get
  ComplexEval-style labels: decode_error, hallucinated_function, missing_parameter, hallucinated_parameter,
  wrong_value; stop_early is an episode label.
* Cascades (:func:`cascade_metrics`): which later calls used ids/tokens that a wrong call's output introduced,
  the first wrong call, the longest chain, whether the agent recovered, and credit per oracle step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from locogym.core.args import ToolArgs
from locogym.core.types import EpisodeScore, ErrorKind, StepEvent, Task, ToolCall, ToolResult, Trajectory
from locogym.scenarios.funccall.answers import candidates, claims_unavailable, grade_fields
from locogym.scenarios.funccall.apis import ANCHORS, LOOKUPS, STATE_CHANGING
from locogym.scenarios.funccall.gold import FuncCallGold, Proof, Requirement
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


# ---------------------------------------------------------------------- the whole final state
def booking_matches(booking: Booking, requirement: Requirement) -> bool:
    """Whether a booking, as it stands at the end, is the one a requirement asks for (a cancelled one never is)."""
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
    """For each requirement the agent-made booking that satisfies it (or None), and every other booking the agent
    made, cancelled or not (each one a change nobody asked for)."""
    made = [b for b in world.bookings if not b.preexisting]
    used: set[str] = set()
    found: list[Booking | None] = []
    for requirement in gold_of(task).requirements:
        hit = next((b for b in made if b.booking_id not in used and booking_matches(b, requirement)), None)
        if hit is not None:
            used.add(hit.booking_id)
        found.append(hit)
    return found, [b for b in made if b.booking_id not in used]


@dataclass
class EndState:
    """The world's end state against the gold's: which required bookings stand (each confirmed, booked once and
    never changed), which required cancellations were made, and every change nobody asked for (``collateral``:
    another booking, even one cancelled again; a cancellation of a booking made before the episode that the
    request did not name)."""

    matched: list[Booking | None]
    cancels_ok: list[bool]
    collateral: list[str]

    @property
    def done(self) -> int:
        return sum(m is not None for m in self.matched) + sum(self.cancels_ok)


def end_state(task: Task, world: World) -> EndState:
    """Compare every booking of the world, with its status and history, with the gold end state: the
    requirements confirmed, the named cancellations made, every other booking made before the episode untouched,
    and nothing else booked."""
    gold = gold_of(task)
    matched, extra = match_requirements(task, world)
    wanted = set(gold.cancels)
    before = [b for b in world.bookings if b.preexisting]
    cancels_ok = [any(b.booking_id == c and b.status == "cancelled" for b in before) for c in sorted(wanted)]
    collateral = [f"unasked booking {b.booking_id} ({b.kind}, {'/'.join(b.history)})" for b in extra]
    collateral += [f"unasked cancellation of {b.booking_id}" for b in before
                   if b.status == "cancelled" and b.booking_id not in wanted]
    return EndState(matched, cancels_ok, collateral)


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


def proves(proof: Proof, step: StepEvent) -> bool:
    """Whether one step is the proof: a call of the proof's API answered without error, whose normalised
    arguments equal the request's on every anchor and filter the proof names, and whose result lists the item
    that decides it."""
    call = step.call
    if call is None or call.name != proof.api or step.result.error is not None:
        return False
    normal = normalize_args(call.name, call.arguments)
    if any(normal.get(k) != v for k, v in proof.match.items()):
        return False
    return proof.witness is None or proof.witness in step.result.data.get("items", [])


def unavailable_proven(task: Task, trajectory: Trajectory) -> bool:
    """Whether a call showed that nothing fits (see :func:`proves`)."""
    proof = gold_of(task).proof
    return proof is not None and any(proves(proof, step) for step in trajectory.steps)


def claim_of(task: Task, trajectory: Trajectory, answer: Any, world: World) -> str:
    """What became of an "unavailable" answer: ``not_claimed``, ``proven``, ``contradicted`` (the agent holds a
    booking of its own at the end) or ``unsupported`` (no proof, or the request is feasible)."""
    if not claims_unavailable(candidates(answer)):
        return "not_claimed"
    if any(not b.preexisting and b.status == "confirmed" for b in world.bookings):
        return "contradicted"
    return "proven" if gold_of(task).infeasible and unavailable_proven(task, trajectory) else "unsupported"


# ---------------------------------------------------------------------- per-call verdicts
def _validation_label(api_args: type[ToolArgs], arguments: dict[str, Any]) -> str:
    try:
        api_args.model_validate(arguments)
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
            return str(step["subgoal"])
    return next((str(s["subgoal"]) for s in steps if s["name"] == name), None)


def verdict(task: Task, call: ToolCall | None, result: ToolResult, world: World,
            state: dict[str, Any]) -> dict[str, Any]:
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


def _wrong(subgoal: str | None, label: str = "wrong_value", verdict: str = "wrong") -> dict[str, Any]:
    return {"wrong": True, "error_label": label, "verdict": verdict, "subgoal": subgoal}


def _verdict(task: Task, call: ToolCall | None, result: ToolResult, world: World,
             state: dict[str, Any]) -> dict[str, Any]:
    """The step's verdict: undecodable, submit, unknown tool, failed call, state change or read, in that order."""
    if call is None:
        return {"wrong": True, "error_label": "decode_error", "verdict": "error"}
    if call.name == "submit":
        return {"subgoal": "submit", "verdict": "submit"}
    if result.error == ErrorKind.unknown_tool:
        return {"wrong": True, "error_label": "hallucinated_function", "verdict": "error"}
    subgoal = _same_name_subgoal(task, call.name, state)
    if result.error is not None:
        return _wrong(subgoal, _error_label(call, result.error), "error")
    steps = task.meta.get("oracle_steps", [])
    done: list[int] = state.setdefault("matched_steps", [])
    if call.name in STATE_CHANGING:
        return _state_verdict(task, call, world, steps, done, subgoal)
    return _read_verdict(call, result, steps, done, state, subgoal)


def _error_label(call: ToolCall, error: ErrorKind) -> str:
    """ComplexEval's label of a call the tool refused: the schema tells a missing from an invented parameter."""
    from locogym.scenarios.funccall.schemas import API_SPECS

    if error == ErrorKind.invalid_arguments and call.name in API_SPECS:
        return _validation_label(API_SPECS[call.name][0], call.arguments)
    return "wrong_value"


def _matched_step(call: ToolCall, args: dict[str, Any], digest: Any, steps: list[dict[str, Any]],
                  done: list[int]) -> tuple[str, int] | None:
    """The oracle step a read call repeats: by its normalised arguments first, else by the same result set."""
    for how, field, value in (("oracle", "args", args), ("same_result", "digest", digest)):
        for i, step in enumerate(steps):
            if step["name"] == call.name and step[field] == value:
                _take_step(i, done)
                return how, i
    return None


def _read_verdict(call: ToolCall, result: ToolResult, steps: list[dict[str, Any]], done: list[int],
                  state: dict[str, Any], subgoal: str | None) -> dict[str, Any]:
    """A read is right when it repeats an oracle step; wrong when built on a wrong call's output or when it
    searches other anchors than every oracle call of its name (lookups excepted); else an extra."""
    args = normalize_args(call.name, call.arguments)
    matched = _matched_step(call, args, result.data.get("digest"), steps, done)
    if matched is not None:
        how, i = matched
        return {"wrong": False, "subgoal": steps[i]["subgoal"], "verdict": how, "oracle_step": i}
    if _tainted(call, state):
        return _wrong(subgoal)
    same = [s for s in steps if s["name"] == call.name]
    anchored = [s for s in same if all(s["args"].get(f) == args.get(f) for f in ANCHORS)]
    if same and not anchored and call.name not in LOOKUPS:
        return _wrong(subgoal)
    return {"wrong": False, "verdict": "extra", **({"subgoal": subgoal} if subgoal else {})}


def _as_confirmed(booking: Booking) -> Booking:
    return Booking(booking.booking_id, booking.kind, "confirmed", booking.params, booking.price_eur, booking.seq,
                   booking.preexisting)


def _take_step(i: int | None, done: list[int]) -> None:
    """Mark an oracle step as matched (once)."""
    if i is not None and i not in done:
        done.append(i)


def _state_verdict(task: Task, call: ToolCall, world: World, steps: list[dict[str, Any]], done: list[int],
                   subgoal: str | None) -> dict[str, Any]:
    if call.name == "Cancel_Booking":
        return _cancel_verdict(gold_of(task), call, world, steps, done, subgoal)
    return _booking_verdict(gold_of(task), world, steps, done, subgoal)


def _cancel_verdict(gold: FuncCallGold, call: ToolCall, world: World, steps: list[dict[str, Any]], done: list[int],
                    subgoal: str | None) -> dict[str, Any]:
    """Cancelling one's own booking is a repair unless that booking was a right one; cancelling a standing
    booking is right only when the gold names it."""
    target = world.find_booking(str(call.arguments.get("booking_id", "")).strip())
    if target is not None and not target.preexisting:
        if any(booking_matches(_as_confirmed(target), r) for r in gold.requirements):
            return {"wrong": True, "verdict": "wrong", "subgoal": subgoal, "error_label": "wrong_value"}
        return {"wrong": False, "verdict": "repair", "subgoal": subgoal}
    if norm_text(call.arguments.get("booking_id", "")) in [norm_text(b) for b in gold.cancels]:
        i = next((j for j, s in enumerate(steps) if s["name"] == "Cancel_Booking"), None)
        _take_step(i, done)
        return {"wrong": False, "verdict": "oracle", "subgoal": subgoal, "oracle_step": i}
    return _wrong(subgoal)


def _booking_verdict(gold: FuncCallGold, world: World, steps: list[dict[str, Any]], done: list[int],
                     subgoal: str | None) -> dict[str, Any]:
    """The booking just made is right when it meets a requirement; it is matched to that requirement's step."""
    booking = world.bookings[-1] if world.bookings else None
    booking_steps = [i for i, s in enumerate(steps) if s["name"].startswith("Book_")]
    for r, requirement in enumerate(gold.requirements):
        if booking is not None and booking_matches(booking, requirement):
            i = booking_steps[r] if r < len(booking_steps) else None
            _take_step(i, done)
            return {"wrong": False, "verdict": "oracle", "oracle_step": i,
                    "subgoal": steps[i]["subgoal"] if i is not None else subgoal}
    return _wrong(subgoal)


# ---------------------------------------------------------------------- cascades and credit
def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [str(value)] if value is not None and not isinstance(value, bool) else []


def _cascade_parents(steps: list[StepEvent], wrong: list[bool]) -> dict[int, list[int]]:
    """For each wrong call, the earlier wrong calls whose output first introduced a value its arguments carry."""
    origin: dict[str, int] = {}
    parents: dict[int, list[int]] = {}
    for s in steps:
        if s.call is not None and s.call.name != "submit" and wrong[s.index]:
            sources = sorted({origin[v] for v in _leaves(s.call.arguments) if v in origin})  # origin: the steps before
            bad = [j for j in sources if wrong[j]]
            if bad:
                parents[s.index] = bad
        for v in s.result.data.get("values", []) if s.result.error is None else []:
            origin.setdefault(str(v), s.index)
    return parents


def _longest_cascade(parents: dict[int, list[int]], any_wrong: bool) -> int:
    depth: dict[int, int] = {}
    for i in sorted(parents):
        depth[i] = 1 + max(depth.get(j, 0) for j in parents[i])
    return (1 + max(depth.values(), default=0)) if any_wrong else 0


def _recovery(steps: list[StepEvent]) -> tuple[int, int]:
    """Subgoals with a wrong call, and how many of them a later right call of the same subgoal recovered: those
    whose last call (steps are in the order they happened) is right."""
    wrong_goals = {s.annotations.get("subgoal") for s in steps if s.annotations.get("wrong")} - {None}
    last = {s.annotations.get("subgoal"): s for s in steps}
    return len(wrong_goals), sum(1 for goal in wrong_goals if not last[goal].annotations.get("wrong"))


def _step_credit(task: Task, steps: list[StepEvent]) -> float:
    """Required (non look-up) oracle steps that some right call matched, over all of them."""
    required = [i for i, s in enumerate(task.meta.get("oracle_steps", [])) if not s["optional"]]
    matched = {s.annotations.get("oracle_step") for s in steps if not s.annotations.get("wrong")}
    return (sum(1 for i in required if i in matched) / len(required)) if required else 1.0


def _label_counts(steps: list[StepEvent]) -> dict[str, int]:
    labels: dict[str, int] = {}
    for s in steps:
        label = s.annotations.get("error_label")
        if label:
            labels[label] = labels.get(label, 0) + 1
    return labels


def cascade_metrics(task: Task, trajectory: Trajectory) -> dict[str, Any]:
    """A wrong call is *cascaded* when its arguments carry a value first introduced by an earlier wrong call's
    output; right calls that reuse such a value (the right token shown by a wrong search) are not."""
    steps = trajectory.steps
    wrong = [bool(s.annotations.get("wrong")) for s in steps]
    parents = _cascade_parents(steps, wrong)
    wrong_subgoals, recovered = _recovery(steps)
    return {"first_wrong_call": next((i for i, w in enumerate(wrong) if w), -1), "wrong_calls": sum(wrong),
            "cascaded_calls": len(parents), "cascaded_steps": sorted(parents),
            "longest_cascade": _longest_cascade(parents, any(wrong)),
            "wrong_subgoals": wrong_subgoals, "recovered_subgoals": recovered,
            "step_credit": _step_credit(task, steps), "labels": _label_counts(steps)}


# ---------------------------------------------------------------------- the episode score
UNSUPPORTED = "unsupported claim: no error-free deciding search with every constraint of the request showed it"


def _success(state: EndState, facts: list[bool]) -> float:
    """The share of required bookings, cancellations and answer fields that are right; 0 when anything was
    booked, cancelled or changed that the request did not ask for, so churn is never free."""
    parts = [m is not None for m in state.matched] + state.cancels_ok + facts
    if state.collateral or not parts:
        return 0.0
    return sum(parts) / len(parts)


def _outcome(answer: Any, state: EndState, success: float) -> str:
    if answer is None and not state.done:
        return "no_answer"
    if success >= 1.0:
        return "correct"
    return "partial" if success > 0 else "wrong"


def _stop_early(task: Task, submitted: bool, state: EndState, facts: list[bool], credit: float) -> bool:
    needed = len(gold_of(task).requirements) + len(gold_of(task).cancels)
    return submitted and (state.done < needed or not all(facts)) and credit < 1.0


def _metrics(task: Task, state: EndState, facts: list[bool], cascade: dict[str, Any],
             labels_count: dict[str, int]) -> dict[str, float]:
    needed = len(gold_of(task).requirements) + len(gold_of(task).cancels)
    extra = sum(1 for c in state.collateral if c.startswith("unasked booking"))
    return {
        "fc.state_score": state.done / needed if needed else float(not state.collateral),
        "fc.facts_score": sum(facts) / len(facts) if facts else 1.0,
        "fc.collateral": float(len(state.collateral)),
        "fc.extra_bookings": float(extra), "fc.wrong_cancellations": float(len(state.collateral) - extra),
        "fc.step_credit": float(cascade["step_credit"]), "fc.wrong_calls": float(cascade["wrong_calls"]),
        "fc.first_wrong_call": float(cascade["first_wrong_call"]),
        "fc.cascaded_calls": float(cascade["cascaded_calls"]), "fc.longest_cascade": float(cascade["longest_cascade"]),
        "fc.recovery_rate": (cascade["recovered_subgoals"] / cascade["wrong_subgoals"]
                             if cascade["wrong_subgoals"] else 1.0),
        **{f"fc.err_{label}": float(labels_count.get(label, 0)) for label in ERROR_LABELS},
    }


def _labels(task: Task, state: EndState, facts: list[bool], reasons: list[str], cascade: dict[str, Any],
            labels_count: dict[str, int], claim: str) -> dict[str, str]:
    gold = gold_of(task)
    return {"fc.template": str(task.meta.get("template", "")), "fc.domain": str(task.meta.get("domain", "")),
            "fc.stop_early": "yes" if labels_count.get("stop_early") else "no",
            "fc.cascade": "none" if not cascade["wrong_calls"] else (
                "cascaded" if cascade["cascaded_calls"] else "contained"),
            "fc.error_labels": ",".join(f"{k}:{v}" for k, v in sorted(labels_count.items())),
            "fc.cascaded_steps": ",".join(map(str, cascade["cascaded_steps"])),
            "fc.unavailable_claim": claim, "fc.collateral": "; ".join(state.collateral),
            "fc.answer_fields": ",".join(f"{f.key}:{'ok' if ok else why}"
                                         for f, ok, why in zip(gold.facts, facts, reasons, strict=True))}


def grade(task: Task, trajectory: Trajectory, world: World) -> EpisodeScore:
    """The episode's score: the whole end state against the gold's, then the answer's fields (an infeasible
    request's "unavailable" counts only when proven); behaviour metrics and labels beside it."""
    submits = [s for s in trajectory.steps if s.result.data.get("submitted")]
    answer = submits[-1].result.data.get("answer") if submits else None
    state = end_state(task, world)
    facts, reasons = check_facts(task, answer, state.matched)
    claim = claim_of(task, trajectory, answer, world)
    if gold_of(task).infeasible and facts and facts[0] and claim != "proven":
        facts[0], reasons[0] = False, UNSUPPORTED
    cascade = cascade_metrics(task, trajectory)
    labels_count = dict(cascade["labels"])
    if _stop_early(task, bool(submits), state, facts, cascade["step_credit"]):
        labels_count["stop_early"] = 1
    success = _success(state, facts)
    return EpisodeScore(success=success, outcome=_outcome(answer, state, success),
                        metrics=_metrics(task, state, facts, cascade, labels_count),
                        labels=_labels(task, state, facts, reasons, cascade, labels_count, claim))
