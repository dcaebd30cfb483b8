"""Pieces shared by the repo task generators: the core's and the context's random streams, the typed golds,
evidence records, the tool list and presentation keys.

A task is a core plus a context (see :mod:`locogym.core.ladder`). Its core — the question or probes, their
answers, the evidence spans and the commits — is drawn from :func:`core_rng`, which sees every option but
``length``, ``depth``, how the task is shown and where the source lives. Its context — the files around the
evidence — comes from :func:`context_rng` (which distractors, in which attempt) and :func:`order_rng` (in which
order the context lists them).
"""

from __future__ import annotations

import random
from typing import Any

from locogym.core.types import Evidence, Gold, ScenarioConfig, ToolCall, stable_hash
from locogym.scenarios.repo.questions import Question

# options that change how a task is shown, never the task itself (the same task in every context mode)
PRESENTATION_KEYS = frozenset({"context", "map_budget"})
TOOL_NAMES = ["list_dir", "read_file", "grep", "find_symbol", "find_references", "repo_map", "write_file",
              "edit_file", "run", "notes_read", "notes_write", "submit"]
HOPS = {"easy": 2, "medium": 3, "hard": 4}
# The first rung of the env's length ladder: the length a task's core is drawn to fit. A synthetic project's core
# is a whole project of this size; on a real source the evidence of a question fits in a share of it.
FIRST_RUNG = 8192


class QAGold(Gold):
    """The answer of a ``qa`` task: its kind (path, qualname, value, qualnames) and the value, as submitted."""

    answer_kind: str
    answer: Any


class ProbesGold(Gold):
    """The answers of a ``multisession`` task: probe id -> the answer true in that probe's session."""

    probes: dict[str, Any]


def is_synthetic(params: dict[str, Any]) -> bool:
    return str(params.get("source", "synthetic")) in {"synthetic", "synthetic:python"}


def core_config(config: ScenarioConfig) -> ScenarioConfig:
    """The config as the core sees it: presentation options dropped, and the source reduced to whether it is
    synthetic (a real source is named by its content instead, so the same repository gives the same task
    wherever its folder or archive sits)."""
    params = {k: v for k, v in config.params.items() if k not in PRESENTATION_KEYS | {"source", "ref"}}
    params["synthetic"] = is_synthetic(config.params)
    return config.model_copy(update={"params": params})


def core_rng(config: ScenarioConfig, source_id: str = "") -> random.Random:
    """The core's stream: from :meth:`ScenarioConfig.core_seed` (no length, no depth) and, for a real source,
    its content digest or commit (``source_id``)."""
    return random.Random(f"{core_config(config).core_seed()}:{source_id}")


def context_rng(config: ScenarioConfig, source_id: str, attempt: int) -> random.Random:
    """Which of a real source's other files join the context, in attempt ``attempt``: one order per task, not
    per length, so a longer length shows the files of a shorter one and more (nested working sets)."""
    return random.Random(f"context:{core_config(config).core_seed()}:{source_id}:{attempt}")


def order_rng(config: ScenarioConfig) -> random.Random:
    """The order of a context's distractor files: from :meth:`ScenarioConfig.fill_seed` (every length its own)."""
    return random.Random(f"order:{core_config(config).fill_seed()}")


def task_id(kind: str, config: ScenarioConfig, core: str) -> str:
    """A task id naming the core and the length (one core is a task at every length)."""
    return f"repo-{kind}-{stable_hash({'core': core, 'length': config.length}, 10)}"


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


def same_question(a: Question | None, b: Question | None) -> bool:
    """Whether two builds of one key ask the same thing with the same answer and the same evidence."""
    return a is not None and b is not None and (a.text, submit_value(a), sorted(set(a.spans))) == \
        (b.text, submit_value(b), sorted(set(b.spans)))
