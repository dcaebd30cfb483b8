"""LoCo-RepoPatch-v0: fix an injected, test-validated defect in a long codebase; graded by running the tests.

The agent gets an issue written from the failure (the symptom, never the location), the mutated project in its
workspace (the failing tests withheld unless ``show_failing_tests=True``), the LoCo-Repo tools and ``run_tests``.
``submit()`` takes the workspace as the answer: the grader applies the agent's changes to non-test files onto a
clean checkout of the task (all tests present) in a fresh sandbox and runs the fail-to-pass and pass-to-pass
tests. Success is 1 when all pass; otherwise the share of fail-to-pass tests fixed, and 0 whenever a pass-to-pass
test broke. The trajectory's ``final_state`` holds the diff and the changed files, enough to re-grade.
"""

from __future__ import annotations

from typing import Any

from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, Trajectory, stable_hash
from locogym.envs.defects import DefectEnv
from locogym.scenarios.defects.mutations import is_test_path
from locogym.scenarios.defects.review import unified_diff
from locogym.scenarios.defects.suite import Suite
from locogym.scenarios.defects.tasks import build_patch_task
from locogym.tools.base import Tool, ToolContext
from locogym.tools.testing import RunTests

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

    def configure(self, show_failing_tests: bool = False, **kwargs: Any) -> dict[str, Any]:
        params = self.configure_source(**kwargs)
        if not isinstance(show_failing_tests, bool):
            raise ConfigError(f"show_failing_tests={show_failing_tests!r} is not a boolean.", fix="Pass True or False.")
        return {**params, "show_failing_tests": show_failing_tests}

    def build_tools(self) -> list[Tool]:
        return [*self.repo_tools(), RunTests(), self.submit_tool()]

    def generate(self, config: ScenarioConfig) -> Task:
        tree, injection = self.validated(config)
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
        gold = task.gold
        changed: dict[str, str | None] = trajectory.final_state.get("changed", {})
        withheld: dict[str, str] = gold["withheld"]
        code_changes = {p: t for p, t in changed.items() if not is_test_path(p) and p not in withheld}
        ignored = sorted(set(changed) - set(code_changes))
        if not code_changes:
            return EpisodeScore(success=0.0, outcome="no_change",
                                metrics={"fail_to_pass_fixed": 0.0, "pass_to_pass_broken": 0.0},
                                labels={"ignored_test_edits": ",".join(ignored)})
        clean = {**(task.workspace or {}), **withheld}
        graded = {p: t for p, t in {**clean, **code_changes}.items() if t is not None}
        f2p, p2p = gold["fail_to_pass"], gold["pass_to_pass"]
        suite = Suite(gold["repository"], gold["commit"], clean, gold["test_args"],
                      self.fresh_sandbox, self.grading_backend(), self.run_cache(), owns_sandbox=True)
        edited = {p: t for p, t in graded.items() if clean.get(p) != t}
        deleted = sorted(p for p, t in code_changes.items() if t is None)
        try:
            run = suite.run(f"patch:{stable_hash({'edited': edited, 'deleted': deleted}, 24)}",
                            edited=edited, selection=[*f2p, *p2p], deleted=deleted)
        finally:
            suite.close()
        fixed = sum(1 for t in f2p if run.outcomes.get(t) == "passed")
        broken = sum(1 for t in p2p if run.outcomes.get(t) != "passed")
        metrics = {"fail_to_pass_fixed": fixed / len(f2p) if f2p else 0.0, "pass_to_pass_broken": float(broken),
                   "files_changed": float(len(code_changes))}
        labels = {"ignored_test_edits": ",".join(ignored)} if ignored else {}
        if run.timed_out:
            return EpisodeScore(success=0.0, outcome="tests_timeout", metrics=metrics, labels=labels)
        if broken:
            return EpisodeScore(success=0.0, outcome="pass_to_pass_broken", metrics=metrics, labels=labels)
        if fixed == len(f2p):
            return EpisodeScore(success=1.0, outcome="tests_pass", metrics=metrics, labels=labels)
        outcome = "partial" if fixed else "tests_fail"
        return EpisodeScore(success=fixed / len(f2p), outcome=outcome, metrics=metrics, labels=labels)
