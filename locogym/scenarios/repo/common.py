"""Pieces shared by the repo task generators: the task seed, evidence records, the tool list and presentation keys."""

from __future__ import annotations

import random
from typing import Any

from locogym.core.types import Evidence, ScenarioConfig, ToolCall, stable_hash
from locogym.scenarios.repo.questions import Question

# options that change how a task is shown, never the task itself (the same task in every context mode)
PRESENTATION_KEYS = frozenset({"context", "map_budget"})
TOOL_NAMES = ["list_dir", "read_file", "grep", "find_symbol", "find_references", "repo_map", "write_file",
              "edit_file", "run", "notes_read", "notes_write", "submit"]
HOPS = {"easy": 2, "medium": 3, "hard": 4}


def task_seed(config: ScenarioConfig) -> int:
    """A 64-bit seed from everything that defines the task apart from where the source lives.

    Presentation options are left out (the same task in every context mode), and so are ``source``/``ref``: the
    generators mix in the loaded tree's commit instead (:func:`tree_rng`), so the same repository gives the same
    tasks wherever its folder or archive sits.
    """
    params = {k: v for k, v in config.params.items() if k not in PRESENTATION_KEYS | {"source", "ref"}}
    body = {"family": config.family, "seed": config.seed, "length": config.length, "task": config.task,
            "difficulty": config.difficulty, "params": params,
            "synthetic": str(config.params.get("source", "synthetic")).startswith("synthetic")}
    return int(stable_hash(body, 16), 16)


def tree_rng(config: ScenarioConfig, commit: str) -> random.Random:
    """The task's random stream once its source tree is known."""
    return random.Random(f"{task_seed(config)}:{commit}")


def task_key(config: ScenarioConfig, commit: str) -> str:
    return stable_hash({"seed": task_seed(config), "commit": commit}, 10)


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
