"""The typed golds of LoCo-RepoPatch and LoCo-RepoReview: what each grader compares an answer against, and the
review grader that reads them.

A gold holds the task's core only, so it is the same, byte for byte, at every length of a seed: the project it
names is the core project (``commit`` is the core's), the tests are the core's. What grows with the length (the
fill's own tests, which must keep passing; the benign hunks of a review diff) lives in the task's ``meta``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from locogym.core.types import Gold, Model, Task
from locogym.scenarios.defects.review_grading import DEFAULT_WINDOW, Location, grade_findings


class PatchDefect(Model):
    """One injected defect as the patch grader knows it."""

    id: str
    kind: str
    path: str
    function: str
    line: int
    summary: str
    fail_to_pass: list[str]  # the tests this defect alone made fail during validation
    original: str | None = None  # the clean function's definition, for the differential oracle (None: not rebuilt)


class PatchGold(Gold):
    """A patch task's answer key: the defects, the tests that must pass again and those that must keep passing."""

    repository: str
    commit: str  # the core project's commit (or content digest)
    defects: list[PatchDefect]
    fail_to_pass: list[str]
    pass_to_pass: list[str]  # the core's; the fill's own tests are in ``Task.meta["context_pass_to_pass"]``
    withheld: dict[str, str] = Field(default_factory=dict)  # path -> original text of each file tests were cut from
    test_args: list[str] = Field(default_factory=list)


class ReviewGold(Gold):
    """A review task's answer key: where each defect's lines are in the changed files, and the matching window."""

    repository: str
    commit: str  # the core project's commit (or content digest)
    window: int = DEFAULT_WINDOW
    defects: list[Location]
    fail_to_pass: list[str]


def grade_review(task: Task, findings: list[dict[str, Any]]) -> dict[str, float]:
    """The review grader's metrics for ``findings``: matched against the gold's defects, and against the task's
    benign hunks (``meta["benign"]``, which grow with the length) for the false-positive counts.

    A task recorded before the golds were typed kept its benign hunks in the gold; it is graded as it was."""
    raw = dict(task.gold or {})
    benign: list[Any] = task.meta.get("benign", raw.pop("benign", None)) or []
    gold = ReviewGold.model_validate(raw)
    return grade_findings(findings, gold.defects, [Location.model_validate(b) for b in benign], gold.window)
