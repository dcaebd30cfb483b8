"""Replaying ComplexFuncBench samples (JSON lines with functions, a conversation and recorded observations).

A sample's recorded path becomes an episode judged the way ComplexFuncBench's evaluator judges it (the rules are
in :mod:`~locogym.scenarios.funccall.complexeval`): the agent gets the sample's own functions as tools and the
user's request as the prompt; calls are accepted turn by turn (a turn's parallel calls in any order, optional
look-ups at any point) and answered with the recorded response; a malformed call gets its format error; any
other call is labelled with the reference's error category and answered with an API error. The verdict per
sample is the reference's (``success`` or the category of the error that would have ended it); the final
answer is kept but not judged, since that needs a model.

A sample is a fixed conversation, so ``length`` changes nothing here: the seed picks the same sample at every
length, with the same recorded responses and gold (``length_tokens`` says how long its oracle episode is), and the
task has no depth to place (``Task.depth`` is None): the recorded responses are what they are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from locogym.core import tokens
from locogym.core.errors import ConfigError, DataError
from locogym.core.ladder import core_hash
from locogym.core.types import (
    EpisodeScore,
    ErrorKind,
    Evidence,
    ScenarioConfig,
    Task,
    ToolCall,
    ToolResult,
    Trajectory,
)
from locogym.scenarios.funccall.complexeval import classify, is_free, same_call
from locogym.scenarios.funccall.gold import ReplayCall, ReplayGold

PREFIX = "complexfuncbench:"


@dataclass(frozen=True)
class Sample:
    sample_id: str
    domain: str
    functions: tuple[dict[str, Any], ...]
    prompt: str
    steps: tuple[tuple[tuple[str, dict[str, Any], Any], ...], ...]  # per assistant turn: (name, args, response)
    final: str


def _fail(path: Path, line: int, fieldname: str, message: str) -> DataError:
    return DataError(message, path=str(path), line=line, field=fieldname,
                     fix="Each line must be a ComplexFuncBench record: id, functions, conversations "
                         "(user, assistant function_call lists, observation lists, a final assistant answer).")


def _parse(path: Path, line: int, record: Any) -> Sample:
    if not isinstance(record, dict):
        raise _fail(path, line, "(record)", "the line is not a JSON object")
    for key in ("id", "functions", "conversations"):
        if key not in record:
            raise _fail(path, line, key, f"the record has no {key!r}")
    functions = record["functions"]
    if not isinstance(functions, list) or not all(isinstance(f, dict) and "name" in f for f in functions):
        raise _fail(path, line, "functions", "functions must be a list of objects with a name")
    names = [str(f["name"]) for f in functions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(path, line, "functions", f"function(s) {twice} are defined twice in the record")
    for i, fn in enumerate(functions):
        if not isinstance(fn.get("parameters", {}), dict):
            raise _fail(path, line, f"functions[{i}].parameters", "parameters must be a JSON Schema object")
    turns = record["conversations"]
    if not isinstance(turns, list) or not turns or turns[0].get("role") != "user":
        raise _fail(path, line, "conversations", "the conversation must start with a user turn")
    steps, final, pending = [], "", None
    for i, turn in enumerate(turns[1:], start=1):
        role = turn.get("role")
        if role == "assistant" and "function_call" in turn:
            calls = turn["function_call"]
            if not isinstance(calls, list) or not calls:
                raise _fail(path, line, f"conversations[{i}].function_call", "expected a non-empty list of calls")
            pending = [(c.get("name"), c.get("arguments") if isinstance(c.get("arguments"), dict)
                        else _json_args(path, line, i, c.get("arguments"))) for c in calls]
        elif role == "observation":
            if pending is None:
                raise _fail(path, line, f"conversations[{i}]", "an observation with no function call before it")
            content = turn.get("content")
            if not isinstance(content, list) or len(content) != len(pending):
                raise _fail(path, line, f"conversations[{i}].content",
                            f"expected {len(pending)} responses (one per call), got "
                            f"{len(content) if isinstance(content, list) else type(content).__name__}")
            steps.append(tuple((n, a, r) for (n, a), r in zip(pending, content, strict=True)))
            pending = None
        elif role == "assistant":
            final = str(turn.get("content", ""))
        else:
            raise _fail(path, line, f"conversations[{i}].role", f"unknown role {role!r}")
    if pending is not None:
        raise _fail(path, line, "conversations", "the last function call has no observation")
    if not steps:
        raise _fail(path, line, "conversations", "the sample has no function calls")
    sample_id = str(record["id"])
    return Sample(sample_id, sample_id.rsplit("-", 1)[0], tuple(functions), str(turns[0].get("content", "")),
                  tuple(steps), final)


def _json_args(path: Path, line: int, turn: int, raw: Any) -> dict[str, Any]:
    try:
        value = orjson.loads(raw) if isinstance(raw, (str, bytes)) else None
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise _fail(path, line, f"conversations[{turn}].function_call.arguments", "arguments must be a JSON object")
    return value


def resolve_path(spec: str) -> Path:
    path = Path(os.path.expanduser(spec[len(PREFIX):]))
    if not path.is_file():
        raise ConfigError(f"The ComplexFuncBench file {str(path)!r} does not exist.",
                          fix='Pass data="complexfuncbench:/path/to/ComplexFuncBench.jsonl".')
    return path


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[Sample, ...]:
    samples = []
    with open(path, "rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise _fail(Path(path), line, "(line)", f"not valid JSON ({exc})") from None
            samples.append(_parse(Path(path), line, record))
    if not samples:
        raise DataError("the file holds no records", path=path, fix="Point data= at a non-empty JSONL file.")
    return tuple(samples)


def load(path: Path) -> tuple[Sample, ...]:
    return _load(str(path), path.stat().st_mtime)


# ---------------------------------------------------------------------- replay world
@dataclass(frozen=True)
class Answer:
    """What the replay world says about one call: the recorded call it stands for (or None), its response, and
    the verdict: ``oracle`` (an expected call of an open turn), ``free`` (an optional look-up) or ``wrong`` with
    the reference's error category (a call already made is expected no more: it is judged like any other)."""

    index: int | None
    response: Any
    verdict: str
    category: str | None = None


@dataclass
class ReplayWorld:
    """The recorded path of one sample and the evaluator's state, as ComplexFuncBench's runner keeps it
    (``runner/base_runner.py``: ``init_golden``, ``update_current_golden``, ``process_matches``).

    The calls it expects (the *window*) are those not yet made of the turns opened so far. The first turn is
    open at the start, and one more opens after every assistant message that made at least one expected call;
    a window of look-ups only (or of nothing) opens the next turn too. So a model that sends one call per message
    may make a later turn's call before a parallel sibling of the current one, as in the reference. A message is
    the calls of one model turn: a step whose action came with model usage starts one, a step served from the same
    turn's queue (no usage reported) continues it, and a step with no usage reported at all is a message alone.
    A recorded look-up is answered at any point (the reference keeps them in a table of free calls)."""

    calls: list[dict[str, Any]]  # turn, name, arguments, free
    responses: list[Any]
    matched: set[int] = field(default_factory=set)
    opened: int = 0  # the last turn opened (the reference's turn_id)
    message: int = -1  # the current message's index
    message_from_model: bool = False
    message_hits: int = 0

    def __post_init__(self) -> None:
        self._open_if_only_free()

    @property
    def turns(self) -> int:
        return 1 + max((c["turn"] for c in self.calls), default=-1)

    def window(self) -> list[int]:
        """The recorded calls expected now: those not made of the turns opened so far."""
        return [i for i, c in enumerate(self.calls) if c["turn"] <= self.opened and i not in self.matched]

    def current_turn(self) -> int | None:
        """The earliest turn with a required call not yet made (None when every one is made)."""
        turns = [c["turn"] for i, c in enumerate(self.calls) if not c["free"] and i not in self.matched]
        return min(turns) if turns else None

    def _open_if_only_free(self) -> None:
        if all(self.calls[i]["free"] for i in self.window()):
            self.opened += 1

    def begin_step(self, from_model: bool, queued: bool) -> None:
        """A step is about to run: it continues the current message when its action was queued behind a model
        turn's first call; otherwise the current message ends (opening the next turn after a message with an
        expected call, as the reference does) and a new one begins."""
        if queued and self.message_from_model and self.message >= 0:
            return
        if self.message >= 0:
            if self.message_hits:
                self.opened += 1
            self._open_if_only_free()
        self.message, self.message_from_model, self.message_hits = self.message + 1, from_model, 0

    def _find(self, name: str, arguments: dict[str, Any], indices: list[int]) -> int | None:
        return next((i for i in indices if same_call(name, arguments, self.calls[i]["name"],
                                                     self.calls[i]["arguments"])), None)

    def answer(self, name: str, arguments: dict[str, Any]) -> Answer:
        """The recorded call this one stands for and its response, or the reference's error category: with
        nothing left to expect every call is a hallucinated one (checked first, as the reference does)."""
        window = self.window()
        if not window:
            return Answer(None, None, "wrong", "func_hallucination")
        required = [i for i in window if not self.calls[i]["free"]]
        free = [i for i, c in enumerate(self.calls) if c["free"]]
        for verdict, indices in (("oracle", required), ("free", free)):
            hit = self._find(name, arguments, indices)
            if hit is not None:
                self.matched.add(hit)
                self.message_hits += 1
                return Answer(hit, self.responses[hit], verdict)
        expected = [(self.calls[i]["name"], self.calls[i]["arguments"]) for i in window]
        return Answer(None, None, "wrong", classify(name, arguments, expected))


def generate(config: ScenarioConfig, samples: tuple[Sample, ...]) -> Task:
    if config.task is not None:
        matches = [s for s in samples if s.sample_id == config.task]
        if not matches:
            raise ConfigError(f"task={config.task!r} is not a sample id of this file.",
                              fix="Use an id from the file, or leave task unset to pick a sample by seed.")
        sample = matches[0]
    else:
        sample = samples[config.seed % len(samples)]
    calls = [(t, n, a, r) for t, step in enumerate(sample.steps) for (n, a, r) in step]
    plan = [ToolCall(name=n, arguments=a) for _t, n, a, _r in calls]
    plan.append(ToolCall(name="submit", arguments={"answer": sample.final}))
    observed = sum(tokens.count(r if isinstance(r, str) else orjson.dumps(r).decode()) for *_x, r in calls)
    gold = ReplayGold(sample_id=sample.sample_id, final=sample.final, calls=[
        ReplayCall(turn=t, name=n, arguments=a, free=is_free(n, a)) for t, n, a, _r in calls]).model_dump(mode="json")
    record = {"sample": sample.sample_id, "question": sample.prompt, "gold": gold}
    task = Task(task_id=f"complexfuncbench-{sample.sample_id}", family="funccall", prompt=sample.prompt,
                question=sample.prompt, core_hash=core_hash(config, record), depth=None,
                tool_names=[str(f["name"]) for f in sample.functions] + ["submit"],
                gold=gold,
                evidence=[Evidence(id=f"obs:{i}", kind="api_response", locator={"api": n, "call": i})
                          for i, (_t, n, _a, _r) in enumerate(calls)],
                oracle_plan=plan, length_tokens=tokens.count(sample.prompt) + observed,
                meta={"source": "complexfuncbench", "sample_id": sample.sample_id, "domain": sample.domain,
                      "functions": list(sample.functions), "responses": [r for *_x, r in calls],
                      "turns": len(sample.steps), "parallel_groups": _groups(sample), "oracle_obs_tokens": observed,
                      "stop_slack": 2})
    return task.with_hash()


def _groups(sample: Sample) -> list[list[int]]:
    out, index = [], 0
    for step in sample.steps:
        if len(step) > 1:
            out.append(list(range(index, index + len(step))))
        index += len(step)
    return out


def build_world(task: Task) -> ReplayWorld:
    calls = [c.model_dump(mode="json") for c in task.gold_as(ReplayGold).calls]
    return ReplayWorld(calls=calls, responses=list(task.meta["responses"]))


def verdict(call: ToolCall | None, result: ToolResult, task: Task, world: ReplayWorld) -> dict[str, Any]:
    """Per step: the reference's category of the call (format errors included), the recorded call it made, and
    the assistant message it belongs to."""
    return {**_verdict(call, result), "message": world.message}


def _verdict(call: ToolCall | None, result: ToolResult) -> dict[str, Any]:
    if call is None:
        return {"wrong": True, "error_label": "decode_error", "verdict": "error"}
    if call.name == "submit":
        return {"subgoal": "submit", "verdict": "submit"}
    if result.error in (ErrorKind.unknown_tool, ErrorKind.invalid_arguments):
        return {"wrong": True, "error_label": "format_error", "verdict": "error", "subgoal": call.name}
    category = result.data.get("category")
    if category is not None:
        return {"wrong": True, "error_label": category, "verdict": "wrong", "subgoal": call.name}
    index = result.data.get("recorded_call")
    return {"wrong": False, "verdict": result.data.get("verdict", "oracle"), "oracle_step": index,
            "subgoal": call.name}


# The errors that end a sample when a message answered nothing it was expected to (a format error never does);
# an undecodable call, or a call with nothing left to expect, ends it whatever else the message holds.
STOPPING = frozenset({"func_error", "param_missing", "value_error", "param_hallucination"})
ALWAYS_STOPPING = frozenset({"decode_error", "func_hallucination"})


def stopping_step(steps: list[Any]) -> Any | None:
    """The step whose error ends the sample, as the reference's runner decides per assistant message: an
    undecodable call or a call with nothing left to expect ends it at once; otherwise a message ends it when none
    of its calls was expected and none was a format error (a wrong call beside a right one does not)."""
    messages: dict[int, list[Any]] = {}
    for step in steps:
        messages.setdefault(int(step.annotations.get("message", step.index)), []).append(step)
    for group in messages.values():
        labels = [s.annotations.get("error_label") for s in group]
        hard = next((s for s, label in zip(group, labels, strict=True) if label in ALWAYS_STOPPING), None)
        if hard is not None:
            return hard
        hit = any(s.annotations.get("verdict") in ("oracle", "free") for s in group)
        if not hit and "format_error" not in labels:
            wrong = next((s for s, label in zip(group, labels, strict=True) if label in STOPPING), None)
            if wrong is not None:
                return wrong
    return None


def grade(task: Task, trajectory: Trajectory) -> EpisodeScore:
    """The reference's verdict and figures. ComplexEval ends a sample at its first stopping error; the gym lets
    the agent go on, but nothing after that error counts. Success is 1 exactly when the verdict is ``success``:
    every required recorded call made in turn order, no stopping error, and a final answer submitted."""
    calls = task.gold_as(ReplayGold).calls
    steps = trajectory.steps
    stop = stopping_step(steps)
    before = [s for s in steps if stop is None or s.index < stop.index]
    made = {s.annotations["oracle_step"] for s in before if s.annotations.get("verdict") in ("oracle", "free")}
    required = [i for i, c in enumerate(calls) if not c.free]
    submits = [s for s in before if s.result.data.get("submitted")]
    answered = bool(submits) and submits[-1].result.data.get("answer") not in (None, "")
    if stop is not None:
        category = str(stop.annotations["error_label"])
    else:
        category = "success" if answered and all(i in made for i in required) else "stop_early"
    open_turns = [c.turn for i, c in enumerate(calls) if i not in made and not c.free]
    turns_done = min(open_turns) if open_turns else int(task.meta["turns"])
    format_errors = sum(1 for s in steps if s.annotations.get("error_label") == "format_error")
    hit = sum(1 for i in required if i in made)
    if category == "success":
        outcome = "correct"
    elif not answered and not made:
        outcome = "no_answer"
    else:
        outcome = "partial" if hit else "wrong"
    return EpisodeScore(
        success=1.0 if category == "success" else 0.0, outcome=outcome,
        metrics={"fc.call_accuracy": len(made) / len(calls) if calls else 1.0,
                 "fc.required_call_accuracy": hit / len(required) if required else 1.0,
                 "fc.recorded_calls": float(len(calls)), "fc.required_calls_matched": float(hit),
                 "fc.success_turns": float(turns_done), "fc.total_turns": float(task.meta["turns"]),
                 "fc.format_errors": float(format_errors)},
        labels={"fc.source": "complexfuncbench", "fc.sample_id": str(task.meta["sample_id"]),
                "fc.domain": str(task.meta["domain"]), "fc.cfb_verdict": category,
                "fc.cfb_stop_step": "" if stop is None else str(stop.index)})
