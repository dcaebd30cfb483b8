"""Pieces shared by the repo task generators: the task seed, evidence records, the tool list and presentation keys."""

from __future__ import annotations

from typing import Any

from locogym.core.types import Evidence, ScenarioConfig, ToolCall, stable_hash
from locogym.scenarios.repo.questions import Question

# options that change how a task is shown, never the task itself (the same task in every context mode)
PRESENTATION_KEYS = frozenset({"context", "map_budget"})
TOOL_NAMES = ["list_dir", "read_file", "grep", "find_symbol", "find_references", "repo_map", "write_file",
              "edit_file", "run", "notes_read", "notes_write", "submit"]
HOPS = {"easy": 2, "medium": 3, "hard": 4}


def task_seed(config: ScenarioConfig) -> int:
    """A 64-bit seed from everything that defines the task (presentation options excluded)."""
    params = {k: v for k, v in config.params.items() if k not in PRESENTATION_KEYS}
    body = {"family": config.family, "seed": config.seed, "length": config.length, "task": config.task,
            "difficulty": config.difficulty, "params": params}
    return int(stable_hash(body, 16), 16)


def task_key(config: ScenarioConfig) -> str:
    return stable_hash({"seed": task_seed(config)}, 10)


def evidence_id(path: str, start: int, end: int) -> str:
    return f"{path}:{start}-{end}"


def evidence_of(spans: list[tuple[str, int, int]]) -> list[Evidence]:
    return [Evidence(id=evidence_id(p, s, e), kind="file_span", locator={"path": p, "start": s, "end": e})
            for p, s, e in sorted(set(spans))]


def submit_value(question: Question) -> Any:
    """The gold answer as an agent would submit it (JSON-friendly)."""
    return list(question.gold) if question.answer_kind == "qualnames" else question.gold


def submit_call(answer: Any) -> ToolCall:
    return ToolCall(name="submit", arguments={"answer": answer})
