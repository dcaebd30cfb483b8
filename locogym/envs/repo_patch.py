"""LoCo-RepoPatch-v0: fix an injected, test-validated defect in a long codebase; graded by running the tests.

The agent gets an issue written from the failure (the symptom, never the location), the mutated project in its
workspace (the failing tests withheld unless ``show_failing_tests=True``), the LoCo-Repo tools and ``run_tests``.
``submit()`` takes the workspace as the answer. Grading (:mod:`locogym.scenarios.defects.grading`) applies only
the agent's changes to the project's source onto the pristine task (every test present) in a fresh sandbox, reads
every fail-to-pass and pass-to-pass outcome over a sealed channel, checks each defective function against the
original on generated inputs, and scans the diff and commands for tampering (docs/integrity.md). The trajectory's
``final_state`` holds the diff and the changed files, enough to re-grade.
"""

from __future__ import annotations

from typing import Any

from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, Trajectory
from locogym.envs.defects import DefectEnv
from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects.grading import grade_patch
from locogym.scenarios.defects.review import unified_diff
from locogym.scenarios.defects.tasks import build_patch_task
from locogym.scenarios.defects.verdict import patch_score
from locogym.tools.base import Tool, ToolContext
from locogym.tools.testing import RunTests

GRADING_OUTPUT_LIMIT = 16 * 1024 * 1024
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".git", ".mypy_cache", ".ruff_cache"}


class RepoPatchEnv(DefectEnv):
    env_id = "LoCo-RepoPatch-v0"
    family = "repo_patch"
    summary = "Fix an injected, test-validated defect in a long codebase; graded by running tests."
    heuristic_policy = "locogym.agents.heuristic.repo:Policy"
    executes_commands = True
    uses_sandbox = True
    option_names = frozenset({"defects"})
    default_length = 8_192
    min_catching_tests = 2  # the issue quotes one failing test; at least one more stays hidden

    def configure(self, show_failing_tests: bool = False, **kwargs: Any) -> dict[str, Any]:
        params = self.configure_source(**kwargs)
        if not isinstance(show_failing_tests, bool):
            raise ConfigError(f"show_failing_tests={show_failing_tests!r} is not a boolean.", fix="Pass True or False.")
        return {**params, "show_failing_tests": show_failing_tests}

    def build_tools(self) -> list[Tool]:
        return [*self.repo_tools(), RunTests(), self.submit_tool()]

    def generate(self, config: ScenarioConfig) -> Task:
        tree, injection, _ = self.validated(config)
        return build_patch_task(tree, config, injection, self.edit_call, self.toolset_names(),
                                show_failing_tests=bool(config.params.get("show_failing_tests", False)))

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        """The agent's changes to the workspace: a unified diff plus each changed file (``None`` = deleted)."""
        before = ctx.task.workspace or {}
        after: dict[str, str] = {}
        unreadable: list[str] = []
        for path in ctx.sandbox.glob("**/*"):
            if _SKIP_PARTS & set(path.split("/")):
                continue
            try:
                after[path] = ctx.sandbox.read_file(path).decode("utf-8")
            except UnicodeDecodeError:
                unreadable.append(path)
        changed: dict[str, str | None] = {p: t for p, t in after.items() if before.get(p) != t}
        changed.update({p: None for p in before if p not in after and p not in unreadable})
        return {"diff": unified_diff({p: before[p] for p in changed if p in before},
                                     {p: t for p, t in changed.items() if t is not None}),
                "changed": dict(sorted(changed.items())), "unreadable": sorted(unreadable)}

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        changed: dict[str, str | None] = trajectory.final_state.get("changed", {})
        grade = grade_patch(task.gold, dict(task.workspace or {}), changed, trajectory.steps, self.grading_sandbox)
        return patch_score(grade)

    def grading_sandbox(self) -> Sandbox:
        """A fresh sandbox of the episode's backend whose output limit holds one channel line per graded test."""
        return make_sandbox(self.grading_backend(), **self.sandbox_options(), output_limit=GRADING_OUTPUT_LIMIT)
