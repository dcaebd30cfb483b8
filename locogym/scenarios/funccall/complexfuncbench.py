"""Replaying ComplexFuncBench samples (JSON lines with functions, a conversation and recorded observations).

A sample's recorded path becomes an episode: the agent gets the sample's functions as tools and the user's
request as the prompt; a call whose normalised arguments match a recorded call gets the recorded response, any
other call gets an API error saying that only the recorded path can be replayed. Grading is call accuracy over
the recorded calls (location look-ups optional, as in the original evaluation); the final answer is kept but not
judged, since that needs a model.
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
from locogym.core.types import (
    EpisodeScore,
    ErrorKind,
    Evidence,
    ScenarioConfig,
    Task,
    ToolCall,
    ToolResult,
)
from locogym.scenarios.funccall.normalize import norm_value

OPTIONAL = frozenset({"Search_Hotel_Destination", "Search_Flight_Location", "Search_Car_Location",
                      "Search_Attraction_Location", "Taxi_Search_Location", "Location_to_Lat_Long"})
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
def call_key(name: str, arguments: dict[str, Any]) -> str:
    normal = {k: norm_value(k, v) for k, v in sorted(arguments.items()) if v is not None and v != ""}
    return orjson.dumps([name, normal], option=orjson.OPT_SORT_KEYS, default=str).decode()


@dataclass
class ReplayWorld:
    """The recorded path: each recorded call's key and response; ``matched`` marks those the agent reproduced."""

    calls: list[tuple[str, str, Any]]
    matched: set[int] = field(default_factory=set)

    def answer(self, name: str, arguments: dict[str, Any]) -> tuple[int, Any] | None:
        key = call_key(name, arguments)
        hits = [i for i, (n, k, _r) in enumerate(self.calls) if n == name and k == key]
        if not hits:
            return None
        fresh = [i for i in hits if i not in self.matched]
        index = (fresh or hits)[0]
        self.matched.add(index)
        return index, self.calls[index][2]


def generate(config: ScenarioConfig, samples: tuple[Sample, ...]) -> Task:
    if config.task is not None:
        matches = [s for s in samples if s.sample_id == config.task]
        if not matches:
            raise ConfigError(f"task={config.task!r} is not a sample id of this file.",
                              fix="Use an id from the file, or leave task unset to pick a sample by seed.")
        sample = matches[0]
    else:
        sample = samples[config.seed % len(samples)]
    calls = [(n, a, r) for step in sample.steps for (n, a, r) in step]
    plan = [ToolCall(name=n, arguments=a) for n, a, _r in calls]
    plan.append(ToolCall(name="submit", arguments={"answer": sample.final}))
    observed = sum(tokens.count(r if isinstance(r, str) else orjson.dumps(r).decode()) for _n, _a, r in calls)
    task = Task(task_id=f"complexfuncbench-{sample.sample_id}", family="funccall", prompt=sample.prompt,
                tool_names=sorted({str(f["name"]) for f in sample.functions}) + ["submit"],
                gold={"final": sample.final, "calls": [[n, call_key(n, a)] for n, a, _r in calls]},
                evidence=[Evidence(id=f"obs:{i}", kind="api_response", locator={"api": n, "call": i})
                          for i, (n, _a, _r) in enumerate(calls)],
                oracle_plan=plan, length_tokens=tokens.count(sample.prompt) + observed,
                meta={"source": "complexfuncbench", "sample_id": sample.sample_id, "domain": sample.domain,
                      "responses": [r for _n, _a, r in calls], "optional": [n in OPTIONAL for n, _a, _r in calls],
                      "parallel_groups": _groups(sample), "oracle_obs_tokens": observed, "stop_slack": 2})
    return task.with_hash()


def _groups(sample: Sample) -> list[list[int]]:
    out, index = [], 0
    for step in sample.steps:
        if len(step) > 1:
            out.append(list(range(index, index + len(step))))
        index += len(step)
    return out


def build_world(task: Task) -> ReplayWorld:
    calls = [(n, k, r) for (n, k), r in zip(task.gold["calls"], task.meta["responses"], strict=True)]
    return ReplayWorld(calls)


def verdict(call: ToolCall | None, result: ToolResult, task: Task) -> dict[str, Any]:
    if call is None:
        return {"wrong": True, "error_label": "decode_error", "verdict": "error"}
    if call.name == "submit":
        return {"subgoal": "submit", "verdict": "submit"}
    if result.error == ErrorKind.unknown_tool:
        return {"wrong": True, "error_label": "hallucinated_function", "verdict": "error"}
    if result.error == ErrorKind.invalid_arguments:
        label = "hallucinated_parameter" if result.data.get("unknown") else (
            "missing_parameter" if result.data.get("missing") else "wrong_value")
        return {"wrong": True, "error_label": label, "verdict": "error", "subgoal": call.name}
    if result.error is not None:
        return {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": call.name}
    index = result.data.get("recorded_call")
    return {"wrong": False, "verdict": "oracle", "oracle_step": index, "subgoal": call.name}


def grade(task: Task, world: ReplayWorld, answered: bool) -> EpisodeScore:
    optional = task.meta["optional"]
    required = [i for i, opt in enumerate(optional) if not opt]
    hit = sum(1 for i in required if i in world.matched)
    accuracy = hit / len(required) if required else 1.0
    success = accuracy if answered else 0.0
    outcome = "no_answer" if not answered else ("correct" if accuracy >= 1.0 else "partial" if hit else "wrong")
    return EpisodeScore(success=success, outcome=outcome,
                        metrics={"fc.call_accuracy": accuracy, "fc.recorded_calls": float(len(optional)),
                                 "fc.required_calls_matched": float(hit)},
                        labels={"fc.source": "complexfuncbench", "fc.sample_id": str(task.meta["sample_id"]),
                                "fc.domain": str(task.meta["domain"])})
