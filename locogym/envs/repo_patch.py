"""LoCo-RepoPatch-v0: fix an injected, test-validated defect in a long codebase; graded by running the tests.

The agent gets an issue written from the failure (the symptom, never the location), the mutated project in its
workspace (the failing tests withheld unless ``show_failing_tests=True``), the LoCo-Repo tools and ``run_tests``.
``submit()`` takes the workspace as the answer. Grading (:mod:`locogym.scenarios.defects.grading`) copies only
the agent's changes to the package's source onto the pristine task (every test present) in a fresh sandbox,
reads every fail-to-pass and pass-to-pass outcome over a sealed channel, and compares each defective function
with the original on the reference's inputs in a separate process, in plain form (docs/integrity.md). The
trajectory's ``final_state`` holds the diff and the changed files, enough to re-grade.

The task is a core plus a context (:mod:`locogym.scenarios.defects.growth`): the defects, the issue and the gold
come from a 4k core project and are the same at every length; the project grows around it. ``depth`` places the
defective module in the code listing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, Trajectory
from locogym.envs.defects import DefectEnv
from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects import growth
from locogym.scenarios.defects.gold import PatchGold
from locogym.scenarios.defects.grading import grade_patch
from locogym.scenarios.defects.mutations import Mutation
from locogym.scenarios.defects.placement import listing_depth, listing_rank
from locogym.scenarios.defects.reference_store import ReferenceStore
from locogym.scenarios.defects.review import unified_diff
from locogym.scenarios.defects.tasks import Context, Core, build_patch_task
from locogym.scenarios.defects.verdict import patch_score
from locogym.scenarios.repo import SourceTree
from locogym.tools.base import Tool, ToolContext
from locogym.tools.testing import RunTests

GRADING_OUTPUT_LIMIT = 16 * 1024 * 1024
DEPTH_TOLERANCE = 0.05  # a grown listing that puts the defects this near the depth ends the search for a fill
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
    ladder = ("4k", "8k", "32k")
    fill_pool = 12  # fills looked at for the one that keeps the defect at its depth of the listing

    def configure(self, show_failing_tests: bool = False, **kwargs: Any) -> dict[str, Any]:
        params = self.configure_source(**kwargs)
        if not isinstance(show_failing_tests, bool):
            raise ConfigError(f"show_failing_tests={show_failing_tests!r} is not a boolean.", fix="Pass True or False.")
        return {**params, "show_failing_tests": show_failing_tests}

    def build_tools(self) -> list[Tool]:
        return [*self.repo_tools(), RunTests(), self.submit_tool()]

    def generate(self, config: ScenarioConfig) -> Task:
        core = self.core(config)
        show = bool(config.params.get("show_failing_tests", False))

        def finish(context: Context) -> Task:
            checked = self.recheck(config, core, context) if context.grown else None
            return build_patch_task(core, context, config, self.edit_call, self.toolset_names(),
                                    show_failing_tests=show,
                                    context_tests=checked.context_passing if checked is not None else None)

        return self.grow(config, core, finish)

    def defect_rank(self, config: ScenarioConfig, tree: SourceTree) -> Callable[[Mutation], float]:
        """Depth places the defect in the code listing: the core's modules nearest it, in the core's listing and
        in a reference growth of it, are tried first."""
        reference = growth.reference_growth(config, tree, self.synthetic_branch_share)
        return listing_rank([tree.files, reference.files], config.evidence_depth())

    def fill_candidates(self, config: ScenarioConfig, core: Core) -> list[tuple[int | None, SourceTree]]:
        """The grown projects to try, those that list the defective modules nearest the task's depth first.

        The fill stream's entries are grown in order until one lists the defects within ``DEPTH_TOLERANCE`` of
        the depth (at least ``MAX_FILL_ATTEMPTS``, at most ``fill_pool`` of them); the nearest (ties: the stream's
        order) are tried first."""
        if not growth.grows(config, core.tree):
            return [(None, core.tree)]
        paths = [d.mutation.path for d in core.injection.defects]
        depth = self.context_seeding(config, core).evidence_depth()
        grown: list[tuple[float, int, SourceTree]] = []
        for fill in growth.fill_stream(self.context_seeding(config, core), self.fill_pool):
            tree = growth.grown_project(config, core.tree, self.synthetic_branch_share, fill)
            grown.append((abs(listing_depth(tree.files, paths) - depth), fill, tree))
            if len(grown) >= growth.MAX_FILL_ATTEMPTS and min(g[0] for g in grown) <= DEPTH_TOLERANCE:
                break
        ranked = sorted(grown, key=lambda entry: entry[0])
        return [(fill, tree) for _, fill, tree in ranked[:growth.MAX_FILL_ATTEMPTS]]

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
        grade = grade_patch(task.gold_as(PatchGold), dict(task.workspace or {}), changed, trajectory.steps,
                            self.grading_sandbox, context_tests=task.meta.get("context_pass_to_pass", []),
                            references=self.reference_store())
        return patch_score(grade)

    def reference_store(self) -> ReferenceStore:
        """The differential's references by task, kept in the run cache's folder: a task's first grading makes them,
        every later one (another agent, a re-grade) reads them."""
        store = getattr(self, "_reference_store", None)
        if store is None:
            store = self._reference_store = ReferenceStore(self.run_cache().root / "references")
        return store

    def grading_sandbox(self) -> Sandbox:
        """A fresh sandbox of the episode's backend whose output limit holds one channel line per graded test."""
        return make_sandbox(self.grading_backend(), **self.sandbox_options(), output_limit=GRADING_OUTPUT_LIMIT)
